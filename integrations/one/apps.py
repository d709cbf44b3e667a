from django.apps import AppConfig


class OneConfig(AppConfig):
    name = "integrations.one"
    label = "one"
    verbose_name = "ONE stock sync"

    def ready(self):
        from wms.outbox.models import OutboxMessage
        from wms.outbox.registry import sender_register

        from .services import one_stock_push_send

        sender_register(OutboxMessage.Kind.ONE_STOCK_PUSH, one_stock_push_send)
