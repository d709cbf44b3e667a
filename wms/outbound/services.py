from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from wms.catalog.selectors import order_items_resolve
from wms.catalog.services import owner_get_or_create
from wms.core.errors import CancelRefused, Conflict, InsufficientStock, NotFound
from wms.core.hashing import content_fingerprint
from wms.core.transitions import transition_check
from wms.inventory.selectors import warehouse_for_order
from wms.inventory.services import StockLine, stock_release, stock_reserve

from .models import OutboundOrder, OutboundOrderLine
from .selectors import outbound_backordered_ids

Status = OutboundOrder.Status
RECIPIENT_FIELDS = ("name", "phone", "email", "country_code", "state", "city", "district", "address1", "address2",
                    "zip_code")
LOGISTICS_FIELDS = ("provider_code", "provider_name", "service_code", "tracking_no")


def _status_set(order: OutboundOrder, target: str) -> None:
    transition_check(table=OutboundOrder.TRANSITIONS, entity="Outbound order", number=order.outbound_order_no,
                     current=order.status, target=target)
    order.status = target


def _locked(order_id: int) -> OutboundOrder:
    return OutboundOrder.objects.select_for_update().select_related("warehouse").get(pk=order_id)


@transaction.atomic
def outbound_order_create(*, outbound_order_no: str, warehouse_code: str, owner_code: str, items: list[dict],
                          recipient: dict, logistics: dict, platform_order_no: str = "",
                          cod_amount: Decimal = Decimal("0"), currency: str = "", remark: str = "",
                          allocate: bool = True) -> tuple[OutboundOrder, bool]:
    """Create an outbound order and try to allocate it at once. Returns (order, created).

    The same content again answers the first order; other content under the same number is a ``Conflict``.
    """
    fingerprint = content_fingerprint({
        "platform_order_no": platform_order_no, "warehouse_code": warehouse_code, "owner_code": owner_code,
        "items": items, "recipient": recipient, "logistics": logistics, "cod_amount": str(cod_amount),
        "currency": currency, "remark": remark,
    })
    existing = OutboundOrder.objects.filter(outbound_order_no=outbound_order_no).first()
    if existing is None:
        warehouse = warehouse_for_order(warehouse_code=warehouse_code)
        resolved = order_items_resolve(items=items)
        owner = owner_get_or_create(owner_code=owner_code)
        try:
            with transaction.atomic():
                order = OutboundOrder.objects.create(
                    outbound_order_no=outbound_order_no, platform_order_no=platform_order_no, warehouse=warehouse,
                    owner=owner, cod_amount=cod_amount, currency=currency, remark=remark,
                    content_hash=fingerprint,
                    **{f"recipient_{name}": recipient.get(name) or "" for name in RECIPIENT_FIELDS},
                    logistics_provider_code=logistics.get("provider_code") or "",
                    logistics_provider_name=logistics.get("provider_name") or "",
                    logistics_service_code=logistics.get("service_code") or "",
                    tracking_no=logistics.get("tracking_no") or "",
                )
                OutboundOrderLine.objects.bulk_create(
                    [OutboundOrderLine(order=order, product=p, quantity=q) for p, q in resolved.values()]
                )
        except IntegrityError:
            existing = OutboundOrder.objects.get(outbound_order_no=outbound_order_no)
        else:
            if allocate:
                order = outbound_order_allocate(order=order)
            return order, True
    if existing.content_hash != fingerprint:
        raise Conflict(
            f"Outbound order {outbound_order_no} exists with different content and cannot change",
            data={"outbound_order_no": outbound_order_no, "status": existing.status},
        )
    return existing, False


@transaction.atomic
def outbound_order_allocate(*, order: OutboundOrder, user=None) -> OutboundOrder:
    """Reserve every line or none. Not enough stock: BACKORDERED, tried again when stock arrives."""
    order = _locked(order.pk)
    if order.status not in (Status.CREATED, Status.BACKORDERED):
        transition_check(table=OutboundOrder.TRANSITIONS, entity="Outbound order", number=order.outbound_order_no,
                         current=order.status, target=Status.ALLOCATED)
    lines = list(order.lines.order_by("pk"))
    try:
        stock_reserve(
            warehouse_id=order.warehouse_id,
            lines=[StockLine(l.product_id, l.quantity - l.reserved_qty, str(l.pk)) for l in lines
                   if l.quantity > l.reserved_qty],
            reference_type="outbound_line", reference_number=order.outbound_order_no, user=user,
        )
    except InsufficientStock:
        if order.status != Status.BACKORDERED:
            _status_set(order, Status.BACKORDERED)
            order.save(update_fields=["status", "updated_at"])
        return order
    for line in lines:
        line.reserved_qty = line.quantity
    OutboundOrderLine.objects.bulk_update(lines, ["reserved_qty"])
    _status_set(order, Status.ALLOCATED)
    order.save(update_fields=["status", "updated_at"])
    return order


def outbound_backorders_allocate(*, warehouse_id: int) -> list[str]:
    """Give arriving stock to backordered orders, oldest first, each in its own transaction.

    Returns the numbers of the orders that got allocated. An order that still cannot be met stays backordered and
    does not stop younger, smaller orders from being served.
    """
    allocated = []
    for order_id in outbound_backordered_ids(warehouse_id=warehouse_id):
        order = outbound_order_allocate(order=OutboundOrder(pk=order_id))
        if order.status == Status.ALLOCATED:
            allocated.append(order.outbound_order_no)
    return allocated


@transaction.atomic
def outbound_order_cancel(*, outbound_order_no: str, reason: str = "") -> OutboundOrder:
    """OneWarehouse intercepts the parcel: possible until it ships. Reservations not yet picked are released."""
    order = OutboundOrder.objects.select_for_update().filter(outbound_order_no=outbound_order_no).first()
    if order is None:
        raise NotFound(f"outbound order {outbound_order_no} does not exist",
                       data={"outbound_order_no": outbound_order_no, "intercepted": False})
    if order.status == Status.CANCELLED:
        return order
    if order.status == Status.SHIPPED:
        raise CancelRefused(
            f"Order {outbound_order_no} has already shipped and cannot be intercepted",
            data={"outbound_order_no": outbound_order_no, "intercepted": False, "status": order.status,
                  "reason": "already shipped"},
        )
    lines = list(order.lines.order_by("pk"))
    release = [StockLine(l.product_id, l.reserved_qty - l.picked_qty, str(l.pk)) for l in lines
               if l.reserved_qty > l.picked_qty]
    stock_release(warehouse_id=order.warehouse_id, lines=release, reference_type="outbound_line",
                  reference_number=order.outbound_order_no, reason=f"intercepted: {reason}"[:255])
    for line in lines:
        line.reserved_qty = line.picked_qty
    OutboundOrderLine.objects.bulk_update(lines, ["reserved_qty"])
    _status_set(order, Status.CANCELLED)
    order.cancel_reason = (reason or "")[:255]
    order.cancelled_at = timezone.now()
    order.save(update_fields=["status", "cancel_reason", "cancelled_at", "updated_at"])
    return order
