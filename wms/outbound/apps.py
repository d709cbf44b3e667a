import logging

from django.apps import AppConfig

logger = logging.getLogger(__name__)


def _backorders_reallocate(sender, *, warehouse_id: int, **kwargs) -> None:
    """Stock became available: give it to the warehouse's backordered orders, oldest first, in a worker."""
    from kombu.exceptions import OperationalError as BrokerError

    from .selectors import outbound_backordered_ids
    from .tasks import outbound_backorders_allocate

    if not outbound_backordered_ids(warehouse_id=warehouse_id):
        return
    try:
        outbound_backorders_allocate.delay(warehouse_id)
    except (BrokerError, OSError) as exc:  # the next arrival or the admin "Allocate" action serves them
        logger.warning("broker unavailable, backorders of warehouse %s wait: %s", warehouse_id, exc)


class OutboundConfig(AppConfig):
    name = "wms.outbound"
    label = "outbound"

    def ready(self):
        from wms.core.floor import floor_code_resolver_register, floor_section_register
        from wms.inventory.signals import stock_available_increased

        from .floor import LABEL_SECTION, PACK_SECTION, PICK_SECTION, SHIP_SECTION, outbound_floor_resolve

        for section in (PICK_SECTION, PACK_SECTION, LABEL_SECTION, SHIP_SECTION):
            floor_section_register(section)
        floor_code_resolver_register(outbound_floor_resolve)

        stock_available_increased.connect(_backorders_reallocate, dispatch_uid="outbound_backorders_reallocate")
