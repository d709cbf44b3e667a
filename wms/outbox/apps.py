from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "wms.outbox"
    label = "outbox"

    def ready(self):
        from wms.core.timeline import timeline_contributor_register

        from .selectors import outbox_timeline_entries

        timeline_contributor_register("outbox", outbox_timeline_entries)
