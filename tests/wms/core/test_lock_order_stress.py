"""The flows that lock stock, all at once on the same products of one warehouse (PostgreSQL).

Outbound creates, interceptions and product syncs arrive through the real receiving URLs (signed), receipts are
completed by staff, and backorder re-allocation runs as the worker's task, on threads that each have their own
connection. Whatever the interleaving, no push is answered 5xx/5000, no task dies, and afterwards the ledger, the
levels and the order lines' reservations agree.
"""

import json
import queue
import random
import threading

import pytest
from django.db import close_old_connections, connection
from django.test import Client
from django.urls import reverse

from integrations.apilog.models import ApiExchange
from tests.factories import ProductFactory, UserFactory
from tests.helpers import requires_postgres
from tests.integrations.onewarehouse.helpers import E, fixture_load, sign
from wms.core.actors import ONEWAREHOUSE
from wms.core.roles import Role
from wms.inbound.models import InboundOrder
from wms.inbound.services import LineCount, inbound_order_complete, inbound_order_record_counts, inbound_order_upsert
from wms.inventory.models import StockLevel
from wms.inventory.selectors import stock_ledger_drift
from wms.outbound import tasks as outbound_tasks
from wms.outbound.models import OutboundOrder, OutboundOrderLine
from wms.outbound.services import outbound_order_create

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]
Status = OutboundOrder.Status
THREADS = 8
PRODUCTS = 3


def _items(skus, quantities, rotate):
    pairs = list(zip(skus, quantities, strict=True))
    pairs = pairs[rotate % len(pairs):] + pairs[:rotate % len(pairs)]
    return [{"sku_id": sku, "quantity": qty} for sku, qty in pairs]


def _outbound(number, items, *, warehouse, allocate=True):
    order, _ = outbound_order_create(actor=ONEWAREHOUSE,
        outbound_order_no=number, warehouse_code=warehouse.code, owner_code="MERCHANT-A", items=items,
        recipient={"name": "R", "country_code": "TW", "city": "Taipei", "address1": "1"},
        logistics={"provider_code": "TCAT"}, allocate=allocate)
    return order


def _post(endpoint: str, payload: dict) -> tuple[int, dict]:
    body = json.dumps(payload).encode()
    response = Client().post(reverse(f"onewarehouse:{endpoint}"), data=body, content_type="application/json",
                             headers=sign(body))
    return response.status_code, response.json()


def run_concurrently(operations: list, threads: int) -> list[tuple[str, object]]:
    """Run ``(name, callable)`` operations on ``threads`` threads at once; returns (name, outcome or exception)."""
    todo = queue.SimpleQueue()
    for operation in operations:
        todo.put(operation)
    barrier = threading.Barrier(threads)
    outcomes, lock = [], threading.Lock()

    def worker():
        barrier.wait()
        try:
            while True:
                try:
                    name, call = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    outcome = call()
                except Exception as exc:  # the test asserts on every outcome, errors included
                    outcome = exc
                with lock:
                    outcomes.append((name, outcome))
        finally:
            close_old_connections()
            connection.close()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return outcomes


@pytest.fixture
def busy_warehouse(ow_settings, warehouse, stocked):
    """Three products with stock, ten allocated orders to intercept, eight backorders, six receipts to complete."""
    products = [stocked(20, ProductFactory()) for _ in range(PRODUCTS)]
    skus = [p.sku_id for p in products]
    allocated = [_outbound(f"OB-ALLOC-{n}", _items(skus, [1, 1, 1], n), warehouse=warehouse) for n in range(10)]
    assert {o.status for o in allocated} == {Status.ALLOCATED}
    backorders = [_outbound(f"OB-BACK-{n}", _items(skus[:2], [15, 4], n), warehouse=warehouse) for n in range(8)]
    assert {o.status for o in backorders} == {Status.BACKORDERED}
    receiver = UserFactory(roles=[Role.RECEIVER])
    receipts = []
    for n in range(6):
        inbound, _ = inbound_order_upsert(
            inbound_order_no=f"IB-STRESS-{n}", order_type=InboundOrder.OrderType.PURCHASE,
            warehouse_code=warehouse.code, owner_code="MERCHANT-A", items=_items(skus, [5, 5, 5], n))
        inbound_order_record_counts(order=inbound, counts=[LineCount(line.pk, 5) for line in inbound.lines.all()],
                                    actor=receiver)
        receipts.append(inbound)
    return {"skus": skus, "allocated": allocated, "receipts": receipts, "receiver": receiver}


def test_creates_cancels_receipts_and_reallocation_at_once_never_fail_and_keep_ledger_levels_and_lines_in_step(
        busy_warehouse, warehouse):
    skus, receiver = busy_warehouse["skus"], busy_warehouse["receiver"]
    create = fixture_load("outbound_create")
    operations = []
    for n in range(8):
        payload = {**create, "outbound_order_no": f"OB-NEW-{n}", "warehouse_code": warehouse.code,
                   "owner_code": "MERCHANT-A", "items": _items(skus, [1 + n % 2, 2, 1], n)}
        operations.append(("create", lambda p=payload: _post(E.OUTBOUND_CREATE, p)))
    for order in busy_warehouse["allocated"]:
        payload = {"outbound_order_no": order.outbound_order_no, "reason": "buyer cancelled"}
        operations.append(("cancel", lambda p=payload: _post(E.OUTBOUND_CANCEL, p)))
    for inbound in busy_warehouse["receipts"]:
        operations.append(("receipt", lambda o=inbound: inbound_order_complete(order=o, actor=receiver)))
    product = fixture_load("product_sync")
    for n in range(4):
        # Staff-visible catalogue updates of the very products the orders take (a batch locks its products).
        batch = [{**product, "sku_id": sku, "owner_code": "MERCHANT-A", "product_name": f"Renamed {n}"}
                 for sku in (skus if n % 2 else skus[::-1])]
        operations.append(("product", lambda p={"products": batch}: _post(E.PRODUCT_SYNC, p)))
    for _ in range(8):
        # The worker's task, run here (eager) as a worker would run it; an exception is a task that died.
        operations.append(("reallocate", lambda: outbound_tasks.outbound_backorders_allocate.delay(warehouse.pk)))
    random.Random(13).shuffle(operations)

    outcomes = run_concurrently(operations, THREADS)

    assert len(outcomes) == len(operations) == 36
    died = [(name, f"{type(outcome).__name__}: {str(outcome).splitlines()[0]}") for name, outcome in outcomes
            if isinstance(outcome, Exception)]
    assert died == [], "\n".join(map(str, died))
    answers = [(name, outcome) for name, outcome in outcomes if name in ("create", "cancel", "product")]
    refused = [(name, status, body["code"], body["msg"][:80]) for name, (status, body) in answers
               if status >= 500 or body["code"] != 0]
    assert refused == [], "\n".join(map(str, refused))
    assert not ApiExchange.objects.filter(status_code__gte=500).exists()
    assert not ApiExchange.objects.filter(business_code=5000).exists()

    assert stock_ledger_drift() == []
    assert set(InboundOrder.objects.values_list("status", flat=True)) == {InboundOrder.Status.RECEIVED}
    assert not OutboundOrder.objects.filter(outbound_order_no__startswith="OB-ALLOC").exclude(
        status=Status.CANCELLED).exists()
    for level in StockLevel.objects.filter(warehouse=warehouse).select_related("product"):
        lines = OutboundOrderLine.objects.filter(order__warehouse=warehouse, product=level.product)
        open_reserved = sum(lines.exclude(order__status__in=[Status.SHIPPED, Status.CANCELLED])
                            .values_list("reserved_qty", flat=True))
        assert (level.product.sku_id, level.reserved) == (level.product.sku_id, open_reserved)
        assert level.on_hand == 20 + 6 * 5
    for line in OutboundOrderLine.objects.select_related("order"):
        expected = {Status.ALLOCATED: line.quantity, Status.BACKORDERED: 0, Status.CANCELLED: 0}[line.order.status]
        assert (line.order.outbound_order_no, line.reserved_qty) == (line.order.outbound_order_no, expected)
