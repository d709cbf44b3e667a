from django.db.models import CharField, Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Cast

from wms.outbox.models import OutboxMessage
from wms.outbox.selectors import CallbackState, outbox_callback_state, outbox_messages_for

from .models import InboundOrder


def inbound_order_by_pk(*, pk) -> InboundOrder | None:
    return InboundOrder.objects.select_related("warehouse", "owner").filter(pk=pk).first()


def inbound_order_lines(*, order: InboundOrder) -> QuerySet:
    return order.lines.select_related("product").order_by("pk")


def inbound_callback_state(*, order: InboundOrder) -> CallbackState:
    return outbox_callback_state(aggregate_type=OutboxMessage.Aggregate.INBOUND_ORDER, aggregate_id=order.pk,
                                 kind=OutboxMessage.Kind.INBOUND_CALLBACK)


def inbound_orders_with_callback_status(queryset: QuerySet) -> QuerySet:
    """Annotate ``callback_status`` (the last inbound callback's outbox status) in the same query."""
    latest = OutboxMessage.objects.filter(
        kind=OutboxMessage.Kind.INBOUND_CALLBACK, aggregate_type=OutboxMessage.Aggregate.INBOUND_ORDER,
        aggregate_id=Cast(OuterRef("pk"), output_field=CharField()),
    )
    return queryset.annotate(callback_status=Subquery(latest.order_by("-pk").values("status")[:1]))


def inbound_order_totals(*, order: InboundOrder) -> dict[str, int]:
    lines = list(order.lines.all())
    return {
        "expected": sum(ln.expected_qty for ln in lines),
        "good": sum(ln.received_good for ln in lines),
        "damaged": sum(ln.received_damaged for ln in lines),
        "received": sum(ln.received_qty for ln in lines),
    }


def inbound_dashboard_counts() -> list[dict]:
    """Receiving work at a glance: orders to receive, in receipt, and callbacks that need staff."""
    Status = InboundOrder.Status
    by_status = dict(InboundOrder.objects.order_by().values_list("status").annotate(n=Count("pk")))
    return [
        {"label": "To receive", "count": by_status.get(Status.CREATED, 0), "query": f"status__exact={Status.CREATED}"},
        {"label": "Receiving", "count": by_status.get(Status.RECEIVING, 0),
         "query": f"status__exact={Status.RECEIVING}"},
    ]


def inbound_outbox_states(*, order: InboundOrder) -> list[OutboxMessage]:
    """Every call to OneWarehouse about this order (its callback, and any retried copy), oldest first."""
    return list(outbox_messages_for(aggregate_type=OutboxMessage.Aggregate.INBOUND_ORDER, aggregate_id=order.pk))


FLOOR_LIST_LIMIT = 20  # big buttons on the floor home per pile; the rest are in the admin's list


def inbound_orders_to_receive(*, limit: int = FLOOR_LIST_LIMIT) -> list[InboundOrder]:
    """Orders a receiver may count now (created or receiving), those in receipt first, then by expected arrival."""
    Status = InboundOrder.Status
    return list(InboundOrder.objects.filter(status__in=[Status.RECEIVING, Status.CREATED])
                .select_related("warehouse").order_by("-status", "expected_arrival_at", "created_at", "pk")[:limit])


def inbound_order_by_code(*, code: str) -> InboundOrder | None:
    """The order a scanned code names: its number, else its tracking number (the newest such order)."""
    if not code:
        return None
    order = InboundOrder.objects.filter(inbound_order_no=code).first()
    return order or InboundOrder.objects.filter(tracking_no=code).order_by("-created_at", "-pk").first()
