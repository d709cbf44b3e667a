from django.db.models import QuerySet

from .models import InboundOrder


def inbound_order_get(*, inbound_order_no: str) -> InboundOrder | None:
    return InboundOrder.objects.select_related("warehouse", "owner").filter(inbound_order_no=inbound_order_no).first()


def inbound_order_lines(*, order: InboundOrder) -> QuerySet:
    return order.lines.select_related("product").order_by("pk")
