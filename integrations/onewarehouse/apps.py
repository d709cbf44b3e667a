from django.apps import AppConfig


class OneWarehouseConfig(AppConfig):
    """Everything the integration plugs into the rest of the project is registered here, once per process:
    the senders of the outbox kinds it owns and the environment (``ONEWAREHOUSE_ENV``) their messages and its
    request-log rows belong to, the re-run of a logged push (the request log's "Replay"), which pushes are about
    which kind of order (an order's timeline), and the system checks of its configuration."""

    name = "integrations.onewarehouse"
    label = "onewarehouse"
    verbose_name = "OneWarehouse"

    def ready(self):
        from django.conf import settings
        from django.core.checks import Tags, register

        from integrations.apilog.services import environment_register as exchange_environment_register
        from integrations.apilog.services import order_endpoints_register, replay_handler_register
        from wms.core.models import OrderEvent
        from wms.outbox.registry import environment_register, sender_register

        from .checks import onewarehouse_receiving_config_check
        from .mapping import Endpoint
        from .senders import SENDERS
        from .services import INTEGRATION, webhook_replay

        def environment():
            return settings.ONEWAREHOUSE_ENV  # read at each use: a switch (or a test's setting) is followed

        for kind, sender in SENDERS.items():
            sender_register(kind, sender)
            environment_register(kind, environment)
        exchange_environment_register(integration=INTEGRATION, current=environment)
        replay_handler_register(integration=INTEGRATION, handler=webhook_replay)
        # An order's timeline shows the pushes about its kind of order that name its number.
        order_endpoints_register(integration=INTEGRATION, order_type=OrderEvent.OrderType.INBOUND, endpoints=(
            Endpoint.INBOUND_PURCHASE, Endpoint.INBOUND_RETURN, Endpoint.INBOUND_CANCEL))
        order_endpoints_register(integration=INTEGRATION, order_type=OrderEvent.OrderType.OUTBOUND, endpoints=(
            Endpoint.OUTBOUND_CREATE, Endpoint.OUTBOUND_CANCEL))
        register(onewarehouse_receiving_config_check, Tags.security)
