"""An order allocated after its answer (``allocate_after_commit``, the v20210901 profile's pushes): written CREATED,
allocated by a worker right after the commit; an order whose task the broker lost is taken up by the sweep."""

import logging
import threading

import pytest
from kombu.exceptions import OperationalError as BrokerError

from tests.helpers import in_thread, requires_postgres
from tests.wms.outbound.helpers import outbound
from wms.core.actors import ALLOCATION
from wms.inventory.models import StockLevel, StockMove
from wms.outbound import tasks
from wms.outbound.models import OutboundOrder
from wms.outbound.services import outbound_created_sweep, outbound_order_allocate_created, outbound_order_cancel

pytestmark = pytest.mark.django_db
Status = OutboundOrder.Status


def test_an_order_for_allocation_after_commit_is_written_created_and_allocated_once_committed(
        stocked, warehouse, django_capture_on_commit_callbacks):
    product = stocked(5)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        order, created = outbound([(product, 2)], allocate_after_commit=True)
        assert created and order.status == Status.CREATED  # as the answer shows it
        assert not StockMove.objects.filter(kind=StockMove.Kind.ALLOCATE).exists()
    assert len(callbacks) == 1
    order.refresh_from_db()
    assert order.status == Status.ALLOCATED and order.lines.get().reserved_qty == 2
    assert StockLevel.objects.get(product=product).reserved == 2
    assert StockMove.objects.get(kind=StockMove.Kind.ALLOCATE).actor == "system:allocation"


def test_an_order_short_of_stock_is_backordered_by_the_allocation_after_commit(
        stocked, warehouse, django_capture_on_commit_callbacks):
    product = stocked(1)
    with django_capture_on_commit_callbacks(execute=True):
        order, _ = outbound([(product, 2)], allocate_after_commit=True)
    order.refresh_from_db()
    assert order.status == Status.BACKORDERED and order.lines.get().reserved_qty == 0
    assert StockLevel.objects.get(product=product).reserved == 0


def test_with_the_broker_down_the_order_waits_created_and_the_sweep_allocates_it(
        stocked, warehouse, django_capture_on_commit_callbacks, monkeypatch, caplog):
    product = stocked(5)

    def broker_down(*args, **kwargs):
        raise BrokerError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")

    monkeypatch.setattr(tasks.outbound_created_sweep, "delay", broker_down)
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        order, _ = outbound([(product, 2)], allocate_after_commit=True)
    order.refresh_from_db()
    assert order.status == Status.CREATED
    assert "wait for the allocation sweep" in caplog.text

    assert outbound_created_sweep(actor=ALLOCATION) == [order.outbound_order_no]
    order.refresh_from_db()
    assert order.status == Status.ALLOCATED
    assert outbound_created_sweep(actor=ALLOCATION) == []  # nothing left: the sweep is idempotent


def test_the_allocation_after_commit_leaves_an_order_cancelled_or_allocated_since_alone(stocked, warehouse):
    product = stocked(5)
    cancelled, _ = outbound([(product, 1)], number="OB-CANCELLED", allocate_after_commit=True)
    outbound_order_cancel(outbound_order_no="OB-CANCELLED", actor=ALLOCATION, reason="buyer cancelled")
    allocated, _ = outbound([(product, 1)], number="OB-ALLOCATED")
    assert allocated.status == Status.ALLOCATED

    assert outbound_order_allocate_created(order_id=cancelled.pk, actor=ALLOCATION) is None
    assert outbound_order_allocate_created(order_id=allocated.pk, actor=ALLOCATION) is None
    assert StockLevel.objects.get(product=product).reserved == 1
    assert OutboundOrder.objects.get(pk=cancelled.pk).status == Status.CANCELLED


def test_orders_committed_together_wake_the_worker_once_and_once_more_after_the_window(
        stocked, warehouse, django_capture_on_commit_callbacks, monkeypatch, settings):
    from wms.core.coalesce import Coalesced
    from wms.outbound import services

    settings.OUTBOUND_ALLOCATION_WAKE_SECONDS = 0.3
    woken = threading.Event()
    wakes = []

    def wake():
        wakes.append(threading.current_thread() is threading.main_thread())
        woken.set()

    monkeypatch.setattr(tasks.outbound_created_sweep, "delay", wake)
    # As with a broker (the tests' tasks run eagerly, uncoalesced): a window, and a state of its own.
    fresh = Coalesced(services._allocation_wake_send, window=lambda: settings.OUTBOUND_ALLOCATION_WAKE_SECONDS)
    monkeypatch.setattr(services, "_allocation_wake", fresh)
    product = stocked(10)
    for n in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            outbound([(product, 1)], number=f"OB-WAKE-{n}", allocate_after_commit=True)
    assert wakes == [True]  # the first commit woke the worker at once; the next two wait for the window's end
    woken.clear()
    assert woken.wait(5)
    assert wakes == [True, False]  # one trailing wake, from the timer, for both


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_sweep_skips_an_order_another_sweep_holds_and_does_not_wait_for_it(stocked, warehouse, monkeypatch):
    from django.db import transaction

    from wms.core.db import lock_for_update
    from wms.outbound import services

    monkeypatch.setattr(services._allocation_wake, "request", lambda: None)  # the orders wait, CREATED
    product = stocked(5)
    held, _ = outbound([(product, 1)], number="OB-HELD", allocate_after_commit=True)
    free, _ = outbound([(product, 1)], number="OB-FREE", allocate_after_commit=True)
    locked, release = threading.Event(), threading.Event()

    def another_sweep():  # holds OB-HELD as a sweep allocating it would
        with transaction.atomic():
            list(lock_for_update(OutboundOrder.objects.filter(pk=held.pk)))
            locked.set()
            release.wait(30)

    holder, _ = in_thread(another_sweep)
    try:
        assert locked.wait(30)
        swept, outcome = in_thread(lambda: outbound_created_sweep(actor=ALLOCATION))
        swept.join(10)
        assert not swept.is_alive(), "the sweep waited for the order another transaction holds"
        assert outcome["value"] == ["OB-FREE"]
    finally:
        release.set()
        holder.join()
    assert OutboundOrder.objects.get(pk=held.pk).status == Status.CREATED  # for the next wake
    assert outbound_created_sweep(actor=ALLOCATION) == ["OB-HELD"]
    assert OutboundOrder.objects.get(pk=free.pk).status == Status.ALLOCATED
