from datetime import timedelta

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from kombu.exceptions import OperationalError

from wms.outbox import registry
from wms.outbox.models import OutboxMessage
from wms.outbox.services import (
    backoff_seconds,
    outbox_dispatch_due,
    outbox_message_dispatch,
    outbox_message_enqueue,
    outbox_message_retry,
    outbox_sweep,
)

pytestmark = pytest.mark.django_db
Status = OutboxMessage.Status
KIND = OutboxMessage.Kind.INBOUND_CALLBACK


class FakeSender:
    """Answers from a script: each item is a dict to return or an exception to raise."""

    def __init__(self, *script):
        self.script = list(script)
        self.sent = []

    def __call__(self, message):
        self.sent.append(message.pk)
        outcome = self.script.pop(0) if self.script else {"code": 0}
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


@pytest.fixture(autouse=True)
def _registry_restored(monkeypatch):
    # The registry is process-wide: the senders the integrations registered at start come back after each test.
    monkeypatch.setattr(registry, "_senders", dict(registry._senders))


@pytest.fixture
def sender():
    fake = FakeSender()
    registry.sender_register(KIND, fake)
    return fake


def enqueue(aggregate_id="1", payload=None):
    with transaction.atomic():
        return outbox_message_enqueue(kind=KIND, aggregate_type="inbound_order", aggregate_id=aggregate_id,
                                      payload=payload or {"n": 1})


@pytest.mark.django_db(transaction=True)
def test_enqueue_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        outbox_message_enqueue(kind=KIND, aggregate_type="x", aggregate_id=1, payload={})


def test_message_is_sent_after_commit_only(sender, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = enqueue()
        assert sender.sent == []
    assert len(callbacks) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.response) == (Status.SENT, 1, {"code": 0})
    assert message.sent_at is not None and sender.sent == [message.pk]


def test_rolled_back_change_sends_nothing(sender, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            outbox_message_enqueue(kind=KIND, aggregate_type="x", aggregate_id=1, payload={})
            raise ZeroDivisionError
    assert not OutboxMessage.objects.exists() and sender.sent == []


def test_failure_is_retried_later_with_exponential_backoff(sender):
    sender.script = [ConnectionError("peer down"), ConnectionError("peer down")]
    message = enqueue()
    before = timezone.now()
    assert outbox_message_dispatch(message_id=message.pk) == Status.FAILED
    message.refresh_from_db()
    assert message.attempts == 1 and "peer down" in message.last_error
    assert message.next_attempt_at >= before + timedelta(seconds=backoff_seconds(1))
    # Not due yet: a second dispatch does nothing.
    assert outbox_message_dispatch(message_id=message.pk) is None
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert outbox_message_dispatch(message_id=message.pk) == Status.FAILED
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert outbox_message_dispatch(message_id=message.pk) == Status.SENT
    message.refresh_from_db()
    assert (message.attempts, message.last_error) == (3, "")


@override_settings(OUTBOX_BACKOFF_FACTOR_SECONDS=10, OUTBOX_BACKOFF_MAX_SECONDS=100)
def test_backoff_doubles_and_is_capped():
    assert [backoff_seconds(n) for n in range(1, 7)] == [10, 20, 40, 80, 100, 100]


@override_settings(OUTBOX_MAX_ATTEMPTS=2)
def test_message_dies_after_max_attempts_and_retry_now_gives_one_more(sender, django_capture_on_commit_callbacks):
    sender.script = [TimeoutError("slow"), TimeoutError("slow"), TimeoutError("slow")]
    message = enqueue()
    outbox_message_dispatch(message_id=message.pk)
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert outbox_message_dispatch(message_id=message.pk) == Status.DEAD
    assert outbox_message_dispatch(message_id=message.pk) is None  # dead messages are not taken
    with django_capture_on_commit_callbacks(execute=True):
        outbox_message_retry(message=message)
    message.refresh_from_db()
    assert message.status == Status.DEAD and message.attempts == 3  # the retry ran at once, and failed again


def test_permanent_error_is_not_retried(sender):
    sender.script = [registry.PermanentSendError("1001 validation_error: items.0.quantity")]
    message = enqueue()
    assert outbox_message_dispatch(message_id=message.pk) == Status.DEAD
    message.refresh_from_db()
    assert message.attempts == 1 and "items.0.quantity" in message.last_error


def test_messages_of_one_aggregate_go_out_in_order(sender):
    sender.script = [ConnectionError("down")]
    first, second = enqueue("7"), enqueue("7")
    other = enqueue("8")
    assert outbox_message_dispatch(message_id=first.pk) == Status.FAILED
    assert outbox_message_dispatch(message_id=second.pk) is None  # waits for the first
    assert outbox_message_dispatch(message_id=other.pk) == Status.SENT  # other aggregates are not held up
    OutboxMessage.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now())
    assert outbox_message_dispatch(message_id=first.pk) == Status.SENT
    # Sending the first enqueued the second (eager), so it went out right after.
    second.refresh_from_db()
    assert second.status == Status.SENT
    assert sender.sent == [first.pk, other.pk, first.pk, second.pk]


def test_a_message_is_sent_once_even_if_dispatched_twice(sender):
    message = enqueue()
    assert outbox_message_dispatch(message_id=message.pk) == Status.SENT
    assert outbox_message_dispatch(message_id=message.pk) is None
    assert sender.sent == [message.pk]


def test_claim_of_a_dead_worker_expires_and_the_sweep_takes_it(sender):
    message = enqueue()
    # A worker took it and died mid-send.
    OutboxMessage.objects.filter(pk=message.pk).update(status=Status.SENDING, attempts=1,
                                                       claimed_until=timezone.now() + timedelta(minutes=5))
    assert outbox_dispatch_due() == {}
    OutboxMessage.objects.filter(pk=message.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert outbox_dispatch_due() == {Status.SENT: 1}
    message.refresh_from_db()
    assert message.attempts == 2


def test_no_sender_registered_is_a_failed_attempt():
    registry.sender_unregister(KIND)
    message = enqueue()
    assert outbox_message_dispatch(message_id=message.pk) == Status.FAILED
    message.refresh_from_db()
    assert "no sender is registered" in message.last_error


def test_broker_down_loses_nothing_and_the_sweep_sends_later(sender, monkeypatch,
                                                            django_capture_on_commit_callbacks):
    from wms.outbox import tasks

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as patched, django_capture_on_commit_callbacks(execute=True):
        patched.setattr(tasks.outbox_dispatch, "apply_async", broker_down)
        message = enqueue()  # the state change commits although the broker is down
    message.refresh_from_db()
    assert message.status == Status.PENDING and sender.sent == []
    assert outbox_sweep() == 1
    message.refresh_from_db()
    assert message.status == Status.SENT


def test_retry_of_a_sent_message_is_refused(sender):
    from wms.core.errors import InvalidTransition

    message = enqueue()
    outbox_message_dispatch(message_id=message.pk)
    with pytest.raises(InvalidTransition):
        outbox_message_retry(message=message)
