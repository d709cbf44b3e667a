from django.apps import AppConfig


class OneConfig(AppConfig):
    name = "integrations.one"
    label = "one"
    verbose_name = "ONE stock sync"

    def ready(self):
        from wms.catalog.signals import products_publication_changed
        from wms.inventory.signals import stock_levels_changed
        from wms.outbox.models import OutboxMessage
        from wms.outbox.registry import sender_register

        from .changes import products_publication_changed_capture, stock_levels_changed_capture
        from .services import one_stock_push_send

        sender_register(OutboxMessage.Kind.ONE_STOCK_PUSH, one_stock_push_send)
        # The change capture: written in the transaction of each move or flag change.
        stock_levels_changed.connect(stock_levels_changed_capture, dispatch_uid="one_stock_levels_changed")
        products_publication_changed.connect(products_publication_changed_capture,
                                             dispatch_uid="one_products_publication_changed")
