from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "wms.outbox"
    label = "outbox"
