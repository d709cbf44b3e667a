from django.db.models import QuerySet

from .models import OutboundOrder


def outbound_order_get(*, outbound_order_no: str) -> OutboundOrder | None:
    return OutboundOrder.objects.select_related("warehouse", "owner").filter(
        outbound_order_no=outbound_order_no
    ).first()


def outbound_backordered_ids(*, warehouse_id: int) -> list[int]:
    """Backordered orders of a warehouse, oldest first: the order in which arriving stock is given out."""
    return list(
        OutboundOrder.objects.filter(warehouse_id=warehouse_id, status=OutboundOrder.Status.BACKORDERED)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )


def outbound_order_lines(*, order: OutboundOrder) -> QuerySet:
    return order.lines.select_related("product").order_by("product__sku_id")
