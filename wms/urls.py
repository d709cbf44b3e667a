from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from integrations.console.views import integration_console
from integrations.dashboard.views import supervisor_dashboard, supervisor_dashboard_panels
from wms.core.views import floor_home

admin.site.site_header = "Warehouse (WMS)"
admin.site.site_title = "WMS"
admin.site.index_title = "Warehouse floor"
# No model sidebar: the home page lists every section, and a list's columns get the whole width of a 1366 px screen.
admin.site.enable_nav_sidebar = False


class FaviconView(RedirectView):
    """Browsers ask for /favicon.ico whatever the page says: the admin's icon (wms/core/static/wms/favicon.svg)."""

    permanent = False

    def get_redirect_url(self, *args, **kwargs):
        return static("wms/favicon.svg")


urlpatterns = [
    path("admin/floor/", admin.site.admin_view(floor_home), name="floor-home"),
    path("admin/integration-console/", admin.site.admin_view(integration_console), name="integration-console"),
    path("admin/dashboard/", admin.site.admin_view(supervisor_dashboard), name="supervisor-dashboard"),
    path("admin/dashboard/panels/", admin.site.admin_view(supervisor_dashboard_panels),
         name="supervisor-dashboard-panels"),
    path("admin/", admin.site.urls),
    path("api/onewarehouse/", include("integrations.onewarehouse.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("favicon.ico", FaviconView.as_view()),
]
# No media URL, not even with DEBUG: the only uploaded files are shipping labels, which admin serves after its
# permission check (wms.outbound.labels keeps them outside MEDIA_ROOT as well).
if settings.SIMULATORS_ENABLED:  # their apps are installed only then (wms/settings.py)
    urlpatterns += [
        path("simulators/onewarehouse/", include("simulators.onewarehouse.urls")),
        path("simulators/one/", include("simulators.one.urls")),
    ]
