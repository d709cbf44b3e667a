from django.apps import AppConfig


class ApiLogConfig(AppConfig):
    name = "integrations.apilog"
    label = "apilog"
    verbose_name = "Integration request log"

    def ready(self):
        from wms.core.timeline import timeline_contributor_register

        from .selectors import exchanges_timeline_entries

        # An order's page shows the pushes and calls about it among its events.
        timeline_contributor_register("apilog", exchanges_timeline_entries)
