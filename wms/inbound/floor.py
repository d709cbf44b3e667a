"""What the floor home offers receivers: the orders to receive, and a scanned order or tracking number's screen."""

from django.urls import reverse

from wms.core.floor import FloorLink, FloorSection
from wms.core.roles import user_has_role

from .models import INBOUND_FLOW, InboundOrder
from .selectors import inbound_order_by_code, inbound_orders_to_receive
from .services import RECEIVING_ROLES


def _receive_links(*, user) -> list[FloorLink]:
    return [FloorLink(order.inbound_order_no, reverse("admin:inbound_inboundorder_receive", args=[order.pk]),
                      f"{order.get_status_display()} · {order.warehouse.code}"
                      + (f" · tracking {order.tracking_no}" if order.tracking_no else ""))
            for order in inbound_orders_to_receive()]


def _receive_more() -> str:
    return reverse("admin:inbound_inboundorder_changelist") + (
        f"?status__in={InboundOrder.Status.CREATED},{InboundOrder.Status.RECEIVING}")


RECEIVE_SECTION = FloorSection(key="receive", title="Receive", roles=RECEIVING_ROLES, links=_receive_links,
                               more=_receive_more, order=10,
                               help="Open an inbound order and scan its goods in.")


def inbound_floor_resolve(*, code: str, user) -> str | None:
    """A receiver's scan of an inbound order's number or tracking number: its receive screen (or its page, once
    received or cancelled)."""
    if not user_has_role(user, *RECEIVING_ROLES):
        return None
    order = inbound_order_by_code(code=code)
    if order is None:
        return None
    page = "receive" if INBOUND_FLOW.allows(order, "receive") else "change"
    return reverse(f"admin:inbound_inboundorder_{page}", args=[order.pk])
