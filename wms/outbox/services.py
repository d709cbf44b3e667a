"""The transactional outbox: write a message with the state change, send it after commit, retry with backoff."""

import logging
from datetime import timedelta

from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from wms.core.actors import actor_name
from wms.core.db import lock_for_update
from wms.core.errors import InvalidTransition
from wms.core.events import EventSourceKind, event_source
from wms.core.roles import Role, role_require

from .models import OutboxMessage
from .registry import PermanentSendError, environment_current, sender_get
from .selectors import outbox_due_ids, outbox_due_q, outbox_earlier_unsent_exists

logger = logging.getLogger(__name__)
Status = OutboxMessage.Status


def _task_enqueue(message_id: int, *, countdown: float | None = None) -> None:
    """Hand the message to a Celery worker. If the broker is down the message waits in the database for the sweep."""
    from .tasks import outbox_dispatch

    try:
        outbox_dispatch.apply_async((message_id,), countdown=countdown)
    except (BrokerError, OSError) as exc:
        logger.warning("broker unavailable, outbox message %s waits for the sweep: %s", message_id, exc)


def outbox_message_enqueue(*, kind: str, aggregate_type: str, aggregate_id, payload: dict) -> OutboxMessage:
    """Write an outgoing call. Call it inside the transaction of the state change; it is sent after commit."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox messages are written inside the transaction of the change that causes them")
    message = OutboxMessage.objects.create(
        kind=kind, aggregate_type=aggregate_type, aggregate_id=str(aggregate_id), payload=payload,
        next_attempt_at=timezone.now(), environment=environment_current(kind),
    )
    transaction.on_commit(lambda: _task_enqueue(message.pk))
    return message


def backoff_seconds(attempts: int) -> int:
    """Exponential backoff (factor x 2^(attempts-1)), capped; Celery's own formula."""
    return get_exponential_backoff_interval(
        factor=settings.OUTBOX_BACKOFF_FACTOR_SECONDS, retries=max(attempts - 1, 0),
        maximum=settings.OUTBOX_BACKOFF_MAX_SECONDS, full_jitter=False,
    )


def _claim(*, message_id: int) -> OutboxMessage | None:
    """Take the message for this worker, atomically; None if it is not due, taken, or waits for an earlier one."""
    now = timezone.now()
    message = OutboxMessage.objects.filter(pk=message_id).filter(outbox_due_q(now=now)).first()
    if message is None or outbox_earlier_unsent_exists(message=message):
        return None
    taken = (
        OutboxMessage.objects.filter(pk=message_id)
        .filter(outbox_due_q(now=now))
        .update(status=Status.SENDING, attempts=F("attempts") + 1,
                claimed_until=now + timedelta(seconds=settings.OUTBOX_CLAIM_LEASE_SECONDS))
    )
    if not taken:
        return None  # another worker was quicker
    message.refresh_from_db()
    return message


def _hold_if_other_environment(*, message_id: int) -> bool:
    """Hold a due message written for another environment than its kind's active one (after a switch): it is
    never sent there. True if this call held it."""
    now = timezone.now()
    message = (OutboxMessage.objects.filter(pk=message_id).filter(outbox_due_q(now=now))
               .only("kind", "environment").first())
    if message is None or not message.environment:
        return False
    active = environment_current(message.kind)
    if message.environment == active:
        return False
    held = OutboxMessage.objects.filter(pk=message_id, environment=message.environment).filter(
        outbox_due_q(now=now)).update(
        status=Status.HELD, claimed_until=None, updated_at=now,
        environment_note=f"Held: written for {message.environment}, but {active or 'no environment'} is active "
                         f"now; a Supervisor discards it or re-targets it to {active or 'the active one'}.")
    if held:
        logger.warning("outbox message %s held: written for %s, %s is active", message_id, message.environment,
                       active)
    return bool(held)


def _finish(message: OutboxMessage, **fields) -> None:
    OutboxMessage.objects.filter(pk=message.pk, status=Status.SENDING).update(
        claimed_until=None, updated_at=timezone.now(), **fields
    )


def outbox_message_dispatch(*, message_id: int) -> str | None:
    """Send one message if it is due; record the outcome. Returns the new status, or None if not taken.
    A message of another environment than the active one is held, never sent."""
    if _hold_if_other_environment(message_id=message_id):
        return Status.HELD
    message = _claim(message_id=message_id)
    if message is None:
        return None
    sender = sender_get(message.kind)
    try:
        if sender is None:
            raise LookupError(f"no sender is registered for {message.kind}")
        # What the sender changes on the order (a stored label) names this message as its source.
        with event_source(kind=EventSourceKind.TASK,
                          detail=f"outbox message #{message.pk}: {message.get_kind_display()}"):
            response = sender(message)
    except PermanentSendError as exc:
        logger.warning("outbox message %s refused by the peer: %s", message.pk, exc)
        _finish(message, status=Status.DEAD, last_error=str(exc)[:4000])
        return Status.DEAD
    except Exception as exc:  # any failure of the call is one failed attempt; the reason is kept for staff
        logger.warning("outbox message %s attempt %s failed: %r", message.pk, message.attempts, exc)
        if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            _finish(message, status=Status.DEAD, last_error=f"{type(exc).__name__}: {exc}"[:4000])
            return Status.DEAD
        delay = backoff_seconds(message.attempts)
        _finish(message, status=Status.FAILED, last_error=f"{type(exc).__name__}: {exc}"[:4000],
                next_attempt_at=timezone.now() + timedelta(seconds=delay))
        _task_enqueue(message.pk, countdown=delay)
        return Status.FAILED
    _finish(message, status=Status.SENT, sent_at=timezone.now(), last_error="", response=response)
    _next_of_aggregate_enqueue(message)
    return Status.SENT


def _next_of_aggregate_enqueue(message: OutboxMessage) -> None:
    following = (
        OutboxMessage.objects.filter(aggregate_type=message.aggregate_type, aggregate_id=message.aggregate_id,
                                     pk__gt=message.pk, status__in=[Status.PENDING, Status.FAILED])
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if following:
        _task_enqueue(following)


def outbox_sweep() -> int:
    """Enqueue every due message (the safety net when a task was lost). Returns how many."""
    ids = outbox_due_ids(now=timezone.now(), limit=settings.OUTBOX_SWEEP_BATCH)
    for message_id in ids:
        _task_enqueue(message_id)
    return len(ids)


def outbox_dispatch_due(*, limit: int | None = None) -> dict[str, int]:
    """Send due messages in this process, oldest first (the operators' command). Returns counts per outcome."""
    counts: dict[str, int] = {}
    for message_id in outbox_due_ids(now=timezone.now(), limit=limit or settings.OUTBOX_SWEEP_BATCH):
        outcome = outbox_message_dispatch(message_id=message_id) or "skipped"
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


@transaction.atomic
def outbox_message_retry(*, message: OutboxMessage) -> OutboxMessage:
    """Staff's "retry now": a failed or dead message is due again at once (one more attempt)."""
    message = lock_for_update(OutboxMessage.objects).get(pk=message.pk)
    if message.status == Status.HELD:
        raise InvalidTransition(f"message #{message.pk} is held (written for {message.environment}): a Supervisor "
                                "discards it or re-targets it in the outbox", data={"status": message.status})
    if message.status not in (Status.FAILED, Status.DEAD, Status.PENDING):
        raise InvalidTransition(f"message #{message.pk} is {message.status}; only failed or dead ones are retried",
                                data={"status": message.status})
    message.status = Status.PENDING
    message.next_attempt_at = timezone.now()
    message.claimed_until = None
    message.save(update_fields=["status", "next_attempt_at", "claimed_until", "updated_at"])
    transaction.on_commit(lambda: _task_enqueue(message.pk))
    return message


def _held_get(message: OutboxMessage, action: str) -> OutboxMessage:
    message = lock_for_update(OutboxMessage.objects).get(pk=message.pk)
    if message.status != Status.HELD:
        raise InvalidTransition(f"message #{message.pk} is {message.status}: only a held message can be {action}",
                                data={"status": message.status})
    return message


@transaction.atomic
def outbox_message_discard(*, message: OutboxMessage, actor) -> OutboxMessage:
    """A Supervisor drops a held message: it is never sent, and no longer holds back its order's later messages."""
    role_require(actor=actor, roles=(Role.SUPERVISOR,), action="Discarding a held message")
    message = _held_get(message, "discarded")
    message.status = Status.DISCARDED
    message.environment_note = (f"{message.environment_note}\nDiscarded by {actor_name(actor)} at "
                                f"{timezone.now().isoformat(timespec='seconds')}; it was written for "
                                f"{message.environment}.").strip()
    message.save(update_fields=["status", "environment_note", "updated_at"])
    transaction.on_commit(lambda: _next_of_aggregate_enqueue(message))
    return message


@transaction.atomic
def outbox_message_retarget(*, message: OutboxMessage, actor) -> OutboxMessage:
    """A Supervisor sends a held message to the environment active now, explicitly (e.g. an order that OneWarehouse
    moved to production with us): it is due again at once, as a new message of that environment."""
    role_require(actor=actor, roles=(Role.SUPERVISOR,), action="Re-targeting a held message")
    message = _held_get(message, "re-targeted")
    active = environment_current(message.kind)
    if not active:
        raise InvalidTransition(f"message #{message.pk}: its kind has no active environment to re-target to",
                                data={"status": message.status})
    message.environment_note = (f"{message.environment_note}\nRe-targeted from {message.environment} to {active} "
                                f"by {actor_name(actor)} at {timezone.now().isoformat(timespec='seconds')}.").strip()
    message.environment = active
    message.status = Status.PENDING
    message.next_attempt_at = timezone.now()
    message.claimed_until = None
    message.save(update_fields=["environment", "environment_note", "status", "next_attempt_at", "claimed_until",
                                "updated_at"])
    transaction.on_commit(lambda: _task_enqueue(message.pk))
    return message
