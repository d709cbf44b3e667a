"""wms.core.db.atomic_with_retry: a deadlock or serialization failure re-runs the whole (outermost) transaction,
a bounded number of times; everything else, and anything inside an enclosing transaction, is not retried."""

import logging
import sqlite3

import psycopg.errors
import pytest
from django.db import IntegrityError, OperationalError, transaction

from tests.integrations.onewarehouse.helpers import E, fixture_bytes
from wms.catalog.models import Owner
from wms.core import db
from wms.core.actors import BACKORDERS
from wms.core.db import TransactionConflict, atomic_with_retry, conflict_reason
from wms.inventory.models import StockMove
from wms.outbound import services as outbound_services
from wms.outbound import tasks as outbound_tasks
from wms.outbound.models import OutboundOrder

pytestmark = pytest.mark.django_db(transaction=True)


def deadlock(message="deadlock detected") -> OperationalError:
    """What Django raises for a PostgreSQL deadlock: its OperationalError, raised from psycopg's own error."""
    try:
        raise psycopg.errors.DeadlockDetected(message)
    except psycopg.errors.DeadlockDetected as cause:
        try:
            raise OperationalError(message) from cause
        except OperationalError as wrapped:
            return wrapped


class Flaky:
    """Writes an owner, then raises ``error`` on the first ``failures`` calls; counts the calls."""

    def __init__(self, failures: int, error=deadlock):
        self.calls, self.failures, self.error = 0, failures, error

    def __call__(self, code="OWNER-RETRY"):
        self.calls += 1
        Owner.objects.create(owner_code=f"{code}-{self.calls}")
        if self.calls <= self.failures:
            raise self.error()
        return self.calls


@pytest.fixture(autouse=True)
def no_pause(monkeypatch):
    monkeypatch.setattr(db.time, "sleep", lambda seconds: None)


def test_a_deadlock_reruns_the_whole_transaction_and_the_failed_attempt_writes_nothing(caplog):
    work = Flaky(failures=2)
    with caplog.at_level(logging.WARNING, logger="wms.core.db"):
        assert atomic_with_retry(work)() == 3
    assert list(Owner.objects.values_list("owner_code", flat=True)) == ["OWNER-RETRY-3"]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2 and "deadlock (attempt 1 of 5)" in warnings[0].getMessage()


def test_retries_are_bounded_and_end_in_a_transaction_conflict_that_keeps_the_cause():
    work = Flaky(failures=100)
    with pytest.raises(TransactionConflict) as raised:
        atomic_with_retry(attempts=3)(work)()
    assert work.calls == 3
    assert conflict_reason(raised.value.__cause__) == "deadlock"
    assert not Owner.objects.filter(owner_code__startswith="OWNER-RETRY").exists()


def test_inside_an_enclosing_transaction_nothing_is_retried_and_the_error_goes_up():
    work = Flaky(failures=1)
    with pytest.raises(OperationalError) as raised, transaction.atomic():
        atomic_with_retry(work)()
    assert work.calls == 1 and not isinstance(raised.value, TransactionConflict)


@pytest.mark.parametrize("error", [lambda: IntegrityError("duplicate key"), lambda: OperationalError("server closed"),
                                   lambda: ValueError("a bug")])
def test_errors_other_than_conflicts_are_not_retried(error):
    work = Flaky(failures=1, error=error)
    with pytest.raises(type(error())):
        atomic_with_retry(work)()
    assert work.calls == 1


def test_an_error_raised_after_commit_by_a_commit_hook_does_not_rerun_committed_work():
    calls = []

    def work():
        calls.append(1)
        Owner.objects.create(owner_code=f"OWNER-HOOK-{len(calls)}")
        transaction.on_commit(lambda: (_ for _ in ()).throw(deadlock()))

    with pytest.raises(OperationalError):
        atomic_with_retry(work)()
    assert len(calls) == 1 and Owner.objects.filter(owner_code="OWNER-HOOK-1").exists()


def _wrapped(cause: Exception) -> OperationalError:
    try:
        raise OperationalError(str(cause)) from cause
    except OperationalError as exc:
        return exc


@pytest.mark.parametrize(("error", "reason"), [
    (_wrapped(psycopg.errors.DeadlockDetected("x")), "deadlock"),
    (_wrapped(psycopg.errors.SerializationFailure("x")), "serialization failure"),
    (_wrapped(sqlite3.OperationalError("database is locked")), "database is locked"),
    (_wrapped(psycopg.errors.UniqueViolation("x")), None),
    (OperationalError("deadlock detected"), None),  # no driver error behind it: nothing says what it is
])
def test_conflicts_are_recognised_by_the_drivers_error_not_by_the_message(error, reason):
    assert conflict_reason(error) == reason


# --- Where it is applied -----------------------------------------------------------------------------------

def _reserve_deadlocking(times: int, monkeypatch):
    real, calls = outbound_services.stock_reserve, []

    def reserve(**kwargs):
        calls.append(1)
        if len(calls) <= times:
            raise deadlock()
        return real(**kwargs)

    monkeypatch.setattr(outbound_services, "stock_reserve", reserve)
    return calls


def test_a_push_meeting_a_deadlock_is_run_again_and_answered_as_done(push, stocked_catalogue, monkeypatch):
    calls = _reserve_deadlocking(1, monkeypatch)
    response = push(E.OUTBOUND_CREATE, raw=fixture_bytes("outbound_create"))
    assert (response.status_code, response.json()["code"], response.json()["data"]["created"]) == (200, 0, True)
    assert len(calls) == 2
    assert OutboundOrder.objects.get().status == OutboundOrder.Status.ALLOCATED
    assert StockMove.objects.filter(kind=StockMove.Kind.ALLOCATE).count() == 2


def test_a_push_that_keeps_deadlocking_is_answered_busy_retry_later_not_5000_and_writes_nothing(
        push, stocked_catalogue, monkeypatch):
    _reserve_deadlocking(100, monkeypatch)
    response = push(E.OUTBOUND_CREATE, raw=fixture_bytes("outbound_create"))
    body = response.json()
    assert (response.status_code, body["code"], body["success"]) == (503, 5003, False)
    assert "retry" in body["msg"]
    assert not OutboundOrder.objects.exists()
    assert not StockMove.objects.filter(kind=StockMove.Kind.ALLOCATE).exists()


def test_the_reallocation_task_retries_itself_instead_of_dying_when_conflicts_persist(monkeypatch):
    calls = []

    def allocate(*, warehouse_id, actor):
        assert actor == BACKORDERS
        calls.append(warehouse_id)
        if len(calls) == 1:
            raise TransactionConflict("deadlock on each of 5 attempts")
        return ["OB-1"]

    monkeypatch.setattr(outbound_services, "outbound_backorders_allocate", allocate)
    # throw=False: run as a worker runs it (eager mode otherwise hands the Retry to the caller instead of re-running)
    result = outbound_tasks.outbound_backorders_allocate.apply(args=(7,), throw=False)
    assert (result.state, result.result) == ("SUCCESS", ["OB-1"])
    assert calls == [7, 7]
