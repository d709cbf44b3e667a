"""What the floor home offers pickers: orders to pick, to pack, to label and print, and a scanned order number or
tracking code's screen."""

from django.urls import reverse

from wms.core.floor import FloorLink, FloorSection
from wms.core.roles import user_has_role

from .models import OutboundOrder
from .selectors import (
    outbound_order_by_code,
    outbound_order_fully_picked,
    outbound_orders_in,
    outbound_ship_dock_counts,
)
from .services import FLOOR_ROLES

Status = OutboundOrder.Status


def _url(page: str, order: OutboundOrder) -> str:
    return reverse(f"admin:outbound_outboundorder_{page}", args=[order.pk])


def _links(page: str, orders, detail=lambda order: order.get_status_display()) -> list[FloorLink]:
    return [FloorLink(order.outbound_order_no, _url(page, order), detail(order)) for order in orders]


def _list_url(*statuses: str) -> str:
    return reverse("admin:outbound_outboundorder_changelist") + "?status__in=" + ",".join(statuses)


PICK_SECTION = FloorSection(
    key="pick", title="Pick", roles=FLOOR_ROLES, order=30, help="Take each order's goods from the shelves.",
    links=lambda *, user: _links("pick", outbound_orders_in(statuses=[Status.ALLOCATED, Status.PICKING],
                                                            fully_picked=False)),
    more=lambda: _list_url(Status.ALLOCATED, Status.PICKING))
PACK_SECTION = FloorSection(
    key="pack", title="Pack", roles=FLOOR_ROLES, order=40, help="Weigh, measure and fill the parcels of picked orders.",
    links=lambda *, user: _links("pack", outbound_orders_in(statuses=[Status.PICKING], fully_picked=True),
                                 lambda order: "picked"),
    more=lambda: _list_url(Status.PICKING))
LABEL_SECTION = FloorSection(
    key="label", title="Label and print", roles=FLOOR_ROLES, order=50,
    help="Get each packed order's shipping label and print it.",
    links=lambda *, user: _links("print", outbound_orders_in(statuses=[Status.PACKED, Status.LABELLED])),
    more=lambda: _list_url(Status.PACKED, Status.LABELLED))

SHIP_SECTION = FloorSection(
    key="ship", title="Ship", roles=FLOOR_ROLES, order=60, help="At the dock: scan each labelled parcel as it leaves.",
    links=lambda *, user: [FloorLink("Ship dock", reverse("admin:outbound_outboundorder_ship_dock"),
                                     "{waiting} labelled parcel(s) waiting".format(**outbound_ship_dock_counts()))],
    more=lambda: _list_url(Status.LABELLED))


def outbound_floor_resolve(*, code: str, user) -> str | None:
    """A picker's scan of an order number, platform order number or parcel tracking code: the screen of the step the
    order is at (pick, pack, label and print), else the order's page."""
    if not user_has_role(user, *FLOOR_ROLES):
        return None
    order = outbound_order_by_code(code=code)
    if order is None:
        return None
    if order.status == Status.ALLOCATED or (order.status == Status.PICKING
                                            and not outbound_order_fully_picked(order=order)):
        return _url("pick", order)
    if order.status == Status.PICKING:
        return _url("pack", order)
    if order.status in (Status.PACKED, Status.LABELLED):
        return _url("print", order)
    return _url("change", order)
