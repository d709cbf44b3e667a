"""The WMS's URLconf with the simulators mounted, whatever SIMULATORS_ENABLED was when ``wms.urls`` was imported
(it decides at import time). Used by the ``simulator_urls`` fixture in tests/conftest.py."""

from django.urls import include, path

from wms.urls import urlpatterns as wms_urlpatterns

_SIMULATORS = [
    path("simulators/onewarehouse/", include("simulators.onewarehouse.urls")),
    path("simulators/one/", include("simulators.one.urls")),
]
_mounted = {str(pattern.pattern) for pattern in wms_urlpatterns}

urlpatterns = list(wms_urlpatterns) + [p for p in _SIMULATORS if str(p.pattern) not in _mounted]
