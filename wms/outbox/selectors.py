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
