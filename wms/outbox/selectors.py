from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from .models import OutboxMessage

Status = OutboxMessage.Status


def outbox_due_q(*, now: datetime) -> Q:
    """Messages a worker may take now: due pending/failed ones, and ones whose worker's lease ran out."""
    return Q(status__in=[Status.PENDING, Status.FAILED], next_attempt_at__lte=now) | Q(
        status=Status.SENDING, claimed_until__lt=now
    )


def outbox_due_ids(*, now: datetime, limit: int) -> list[int]:
    return list(OutboxMessage.objects.filter(outbox_due_q(now=now)).order_by("pk").values_list("pk", flat=True)[:limit])


# Done with: sent, or dropped by a Supervisor. Anything else (a HELD one too) still holds back what follows it.
SETTLED_STATUSES = (Status.SENT, Status.DISCARDED)


def outbox_earlier_unsent_exists(*, message: OutboxMessage) -> bool:
    return (
        OutboxMessage.objects.filter(aggregate_type=message.aggregate_type, aggregate_id=message.aggregate_id,
                                     pk__lt=message.pk)
        .exclude(status__in=SETTLED_STATUSES)
        .exists()
    )


def outbox_held_count() -> int:
    return OutboxMessage.objects.filter(status=Status.HELD).count()


def outbox_messages_for(*, aggregate_type: str, aggregate_id) -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(aggregate_type=aggregate_type, aggregate_id=str(aggregate_id)).order_by("pk")


def outbox_latest_for(*, aggregate_type: str, aggregate_id, kind: str) -> OutboxMessage | None:
    return outbox_messages_for(aggregate_type=aggregate_type, aggregate_id=aggregate_id).filter(kind=kind).last()


@dataclass(frozen=True)
class CallbackState:
    """What staff see of an order's callback: pending / sent / failed (with the reason) / none yet."""

    state: str
    reason: str = ""
    message_id: int | None = None
    attempts: int = 0

    @property
    def retryable(self) -> bool:
        """Only a failed call: a pending one is on its way already (a retry would only send it twice)."""
        return self.state == "failed" and self.message_id is not None


# Outbox status -> what staff read. FAILED retries by itself; DEAD waits for staff: both are "failed". HELD
# (written for another environment) and DISCARDED wait for or were decided by a Supervisor: "failed" too.
CALLBACK_STATE_OF = {
    Status.PENDING: "pending", Status.SENDING: "pending", Status.SENT: "sent", Status.FAILED: "failed",
    Status.DEAD: "failed", Status.HELD: "failed", Status.DISCARDED: "failed",
}


def outbox_callback_state(*, aggregate_type: str, aggregate_id, kind: str) -> CallbackState:
    """The state of an order's latest callback (``kind``), as both order pages show it."""
    message = outbox_latest_for(aggregate_type=aggregate_type, aggregate_id=aggregate_id, kind=kind)
    if message is None:
        return CallbackState(state="none")
    reason = message.last_error if message.status in (Status.FAILED, Status.DEAD) else ""
    if message.status in (Status.HELD, Status.DISCARDED):
        reason = message.environment_note
    if message.status == Status.FAILED:
        reason = f"{reason} (retrying automatically)"
    return CallbackState(state=CALLBACK_STATE_OF[message.status], reason=reason, message_id=message.pk,
                         attempts=message.attempts)
