from django.apps import AppConfig


class OneWarehouseConfig(AppConfig):
    name = "integrations.onewarehouse"
    label = "onewarehouse"
    verbose_name = "OneWarehouse"

    def ready(self):
        from wms.outbox.registry import sender_register

        from .senders import SENDERS

        for kind, sender in SENDERS.items():
            sender_register(kind, sender)
