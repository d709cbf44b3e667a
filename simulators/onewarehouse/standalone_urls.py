"""The URLconf of ``run_onewarehouse_simulator``: the simulators alone, without the WMS's own URLs (admin is kept
only for the staff login the simulator pages ask for)."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("simulators/onewarehouse/", include("simulators.onewarehouse.urls")),
    path("simulators/one/", include("simulators.one.urls")),
]
