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


def outbox_timeline_entries(*, order_type: str, order_id: int, order_no: str, viewer=None) -> list:
    """An order's calls on its timeline (``wms.core.timeline``): each queued, and its outcome (sent, failing,
    held...); the attempts themselves are the request log's rows."""
    from django.urls import reverse

    from wms.core.timeline import TimelineEntry

    may_open = viewer is not None and viewer.has_perm("outbox.view_outboxmessage")
    entries = []
    for message in outbox_messages_for(aggregate_type=order_type, aggregate_id=order_id).order_by("-pk")[:100]:
        url = reverse("admin:outbox_outboxmessage_change", args=[message.pk]) if may_open else ""
        kind, name = message.get_kind_display(), f"outbox message #{message.pk}"
        entries.append(TimelineEntry(at=message.created_at, what=f"Call queued: {kind}", detail=name,
                                     who="outbox (system)", source="Outbox", category="call", url=url,
                                     order=message.pk))
        outcome = _outbox_outcome(message)
        if outcome is not None:
            at, what, detail, tone = outcome
            entries.append(TimelineEntry(at=at, what=f"{what}: {kind}", detail=f"{name}; {detail}",
                                         who="outbox (system)", source="Outbox", category="call", tone=tone,
                                         url=url, order=message.pk))
    return entries


def _outbox_outcome(message: OutboxMessage):
    """(when, what, detail, tone) of where a message stands now, or None while it waits for its first attempt."""
    attempts = f"{message.attempts} attempt(s)"
    if message.status == Status.SENT:
        return message.sent_at, "Call sent", f"after {attempts}", "ok"
    if message.status == Status.FAILED:
        when = f"; next try at {message.next_attempt_at:%Y-%m-%d %H:%M:%S}" if message.next_attempt_at else ""
        return message.updated_at, "Call failed, will retry", f"{attempts}: {message.last_error[:300]}{when}", \
            "warning"
    if message.status == Status.DEAD:
        return message.updated_at, "Call failed, needs staff", f"{attempts}: {message.last_error[:300]}", "error"
    if message.status in (Status.HELD, Status.DISCARDED):
        return message.updated_at, message.get_status_display(), message.environment_note[:300], "warning"
    if message.status == Status.SENDING:
        return message.updated_at, "Call being sent", attempts, ""
    return None
