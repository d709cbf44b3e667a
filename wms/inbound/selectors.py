from dataclasses import dataclass

from django.db.models import CharField, Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Cast

from wms.outbox.models import OutboxMessage
from wms.outbox.selectors import outbox_latest_for

from .models import InboundOrder


def inbound_order_by_pk(*, pk) -> InboundOrder | None:
    return InboundOrder.objects.select_related("warehouse", "owner").filter(pk=pk).first()


def inbound_order_lines(*, order: InboundOrder) -> QuerySet:
    return order.lines.select_related("product").order_by("pk")


@dataclass(frozen=True)
class CallbackState:
    """What staff see of an order's callback: pending / sent / failed (with the reason) / none yet."""

    state: str
    reason: str = ""
    message_id: int | None = None
    attempts: int = 0

    @property
    def retryable(self) -> bool:
        return self.state in ("failed", "pending") and self.message_id is not None


# Outbox status -> what staff read. FAILED retries by itself; DEAD waits for staff: both are "failed". HELD
# (written for another environment) and DISCARDED wait for or were decided by a Supervisor: "failed" too.
CALLBACK_STATE_OF = {
    OutboxMessage.Status.PENDING: "pending", OutboxMessage.Status.SENDING: "pending",
    OutboxMessage.Status.SENT: "sent", OutboxMessage.Status.FAILED: "failed", OutboxMessage.Status.DEAD: "failed",
    OutboxMessage.Status.HELD: "failed", OutboxMessage.Status.DISCARDED: "failed",
}


def inbound_callback_state(*, order: InboundOrder) -> CallbackState:
    message = outbox_latest_for(aggregate_type=OutboxMessage.Aggregate.INBOUND_ORDER, aggregate_id=order.pk,
                                kind=OutboxMessage.Kind.INBOUND_CALLBACK)
    if message is None:
        return CallbackState(state="none")
    reason = message.last_error if message.status in (OutboxMessage.Status.FAILED, OutboxMessage.Status.DEAD) else ""
    if message.status in (OutboxMessage.Status.HELD, OutboxMessage.Status.DISCARDED):
        reason = message.environment_note
    if message.status == OutboxMessage.Status.FAILED:
        reason = f"{reason} (retrying automatically)"
    return CallbackState(state=CALLBACK_STATE_OF[message.status], reason=reason, message_id=message.pk,
                         attempts=message.attempts)


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
