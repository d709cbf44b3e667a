"""Statements built once (wms.core.statements): what they write is what the ORM would have written, on SQLite and
PostgreSQL, and the share lock of the intake's read lets pushes through while a product sync waits."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from integrations.apilog.models import ApiExchange
from tests.factories import ProductFactory
from tests.helpers import a_session_waits_for_a_lock, in_thread, requires_postgres
from wms.catalog.models import Product
from wms.catalog.services import product_upsert
from wms.core import statements
from wms.core.statements import (
    ROWS_KEPT_MAX,
    lock_clause,
    rows_insert,
    rows_insert_linked,
    rows_update,
    rows_update_insert,
)
from wms.inventory.models import StockLevel
from wms.outbound.selectors import outbound_intake_resolve

pytestmark = pytest.mark.django_db


def _exchange(n: int) -> ApiExchange:
    return ApiExchange(direction=ApiExchange.Direction.INCOMING, integration="onewarehouse", endpoint="outbound_create",
                       method="POST", url=f"/x/{n}", remote_addr="10.0.0.1",
                       request_headers={"X-N": str(n), "nested": {"list": [1, "two", None]}},
                       request_body=f'{{"n": {n}}}', status_code=200, business_code=0, order_no=f"NO-{n}")


def test_rows_insert_writes_what_the_orm_reads_back_and_gives_each_row_its_key_in_order():
    rows = [_exchange(n) for n in range(3)]
    with CaptureQueriesContext(connection) as queries:
        returned = rows_insert(rows)
    assert len(queries) == 1 and queries[0]["sql"].startswith("INSERT")
    assert returned == rows and all(row.pk for row in rows) and not rows[0]._state.adding
    for n, row in enumerate(rows):
        stored = ApiExchange.objects.get(pk=row.pk)
        assert (stored.url, stored.request_headers, stored.order_no, stored.remote_addr) == (
            f"/x/{n}", {"X-N": str(n), "nested": {"list": [1, "two", None]}}, f"NO-{n}", "10.0.0.1")
        assert stored.created_at is not None and stored.created_at == row.created_at  # auto_now_add, as save() does


def test_rows_insert_of_more_rows_than_it_keeps_statements_for_still_gives_every_key():
    rows = [_exchange(n) for n in range(ROWS_KEPT_MAX + 3)]
    rows_insert(rows)
    assert sorted(ApiExchange.objects.values_list("url", flat=True)) == sorted(row.url for row in rows)
    assert all(ApiExchange.objects.get(pk=row.pk).url == row.url for row in rows)


def test_rows_insert_where_the_database_cannot_return_keys_saves_each_row(monkeypatch):
    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    rows = rows_insert([_exchange(n) for n in range(2)])
    assert [ApiExchange.objects.get(pk=row.pk).url for row in rows] == ["/x/0", "/x/1"]


def test_rows_insert_refuses_a_row_that_has_a_key_and_rows_of_two_models():
    stored = rows_insert([_exchange(1)])[0]
    with pytest.raises(ValueError, match="has a primary key"):
        rows_insert([stored])
    with pytest.raises(TypeError, match="one model"):
        rows_insert([_exchange(2), ProductFactory.build()])
    assert rows_insert([]) == []


def test_the_statement_text_is_built_once_per_shape(monkeypatch):
    built = []
    text = statements.statement_text(("test-shape", 2), lambda: built.append(1) or "SELECT 1")
    again = statements.statement_text(("test-shape", 2), lambda: built.append(1) or "SELECT 2")
    assert (text, again, built) == ("SELECT 1", "SELECT 1", [1])
    # A shape past the bound is built each time and never kept.
    big = ("test-shape", ROWS_KEPT_MAX + 1)
    statements.statement_text(big, lambda: "SELECT 3", rows=ROWS_KEPT_MAX + 1)
    assert (connection.vendor, *big) not in statements._texts


def test_rows_update_writes_only_the_named_columns_of_each_row(warehouse):
    levels = [StockLevel.objects.create(warehouse=warehouse, product=ProductFactory(), on_hand=10, reserved=n)
              for n in range(3)]
    for n, level in enumerate(levels):
        level.reserved, level.on_hand = 5 + n, 99  # on_hand is not written
    with CaptureQueriesContext(connection) as queries:
        assert rows_update(levels, ["reserved"]) == 3
    assert len(queries) == 1
    assert sorted(StockLevel.objects.values_list("on_hand", "reserved")) == [(10, 5), (10, 6), (10, 7)]
    assert rows_update([], ["reserved"]) == 0


def test_rows_update_of_many_rows_hands_them_to_bulk_update(warehouse):
    levels = [StockLevel.objects.create(warehouse=warehouse, product=ProductFactory(), on_hand=10)
              for _ in range(ROWS_KEPT_MAX + 1)]
    for level in levels:
        level.reserved = 4
    rows_update(levels, ["reserved"])
    assert set(StockLevel.objects.values_list("reserved", flat=True)) == {4}


def test_the_lock_clause_says_what_lock_for_update_says_and_nothing_on_sqlite():
    if connection.vendor == "postgresql":
        assert lock_clause(StockLevel) == ' FOR NO KEY UPDATE OF "inventory_stocklevel"'
        assert lock_clause(Product, share=True) == ' FOR SHARE OF "catalog_product"'
    else:
        assert lock_clause(StockLevel) == lock_clause(Product, share=True) == ""


def test_the_intake_read_finds_the_order_warehouse_merchant_and_products_in_one_statement(warehouse):
    a = ProductFactory(sku_id="SKU-B")
    b = ProductFactory(sku_id="SKU-A", owner=a.owner)
    with CaptureQueriesContext(connection) as queries:
        intake = outbound_intake_resolve(outbound_order_no="NEW-1", warehouse_code=warehouse.code,
                                         owner_code=a.owner.owner_code,
                                         items=[{"sku_id": "SKU-B"}, {"sku_id": "SKU-A"}, {"sku_id": "SKU-A"}])
    assert len(queries) == 1
    assert (intake.existing_id, intake.warehouse_id, intake.owner_id) == (None, warehouse.pk, a.owner_id)
    assert intake.products == {"SKU-A": b, "SKU-B": a}
    assert intake.products["SKU-A"].owner_id == a.owner_id and intake.products["SKU-A"].name == b.name


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_pushes_naming_the_same_products_do_not_wait_for_each_other_but_a_product_sync_waits(warehouse):
    product = ProductFactory(sku_id="SKU-SHARED")
    owner_code = product.owner.owner_code
    read, release = threading.Event(), threading.Event()

    def resolve():
        return outbound_intake_resolve(outbound_order_no="NO-1", warehouse_code=warehouse.code, owner_code=owner_code,
                                       items=[{"sku_id": "SKU-SHARED"}])

    def holding():  # a push that has read (and locked) its products, not committed yet
        with transaction.atomic():
            resolve()
            read.set()
            release.wait(30)

    holder, _ = in_thread(holding)
    try:
        assert read.wait(30)

        def second_push():
            with transaction.atomic():
                return resolve()

        second, second_out = in_thread(second_push)
        second.join(10)
        assert not second.is_alive(), "a second push waited for the first one's share lock"
        assert second_out["value"].products["SKU-SHARED"].pk == product.pk

        sync, sync_out = in_thread(lambda: product_upsert(sku_id="SKU-SHARED", owner_code=owner_code, name="Renamed"))
        for _ in range(1000):
            if a_session_waits_for_a_lock():
                break
            time.sleep(0.01)
        assert sync.is_alive() and a_session_waits_for_a_lock(), "the product sync did not wait for the push"
    finally:
        release.set()
        holder.join()
    sync.join(30)
    assert not isinstance(sync_out["value"], Exception), sync_out["value"]
    assert Product.objects.get(pk=product.pk).name == "Renamed"


def _one_statement_here() -> int:
    return 1 if connection.vendor == "postgresql" else 2


def test_a_row_and_the_rows_that_point_to_it_are_written_in_one_statement_where_the_database_can(warehouse):
    from wms.outbound.models import OutboundOrder, OutboundOrderLine

    product_a, product_b = ProductFactory(), ProductFactory()
    order = OutboundOrder(outbound_order_no="OB-LINKED", warehouse=warehouse, owner=product_a.owner)
    lines = [OutboundOrderLine(order=order, product=product_a, quantity=2),
             OutboundOrderLine(order=order, product=product_b, quantity=1)]
    with CaptureQueriesContext(connection) as queries:
        rows_insert_linked(order, lines, link="order")
    assert len(queries) == _one_statement_here()
    assert order.pk and [line.order_id for line in lines] == [order.pk, order.pk]
    stored = OutboundOrder.objects.get(pk=order.pk)
    assert list(stored.lines.order_by("pk").values_list("pk", "product_id", "quantity")) == [
        (lines[0].pk, product_a.pk, 2), (lines[1].pk, product_b.pk, 1)]


def test_a_log_row_and_the_events_naming_it_by_a_plain_id_column_are_written_together():
    from wms.core.models import OrderEvent

    exchange = _exchange(7)
    events = [OrderEvent(order_type="outbound", order_id=n, order_no=f"NO-{n}", kind="CREATED", summary="s",
                         actor="system:onewarehouse", source="PUSH") for n in (1, 2)]
    with CaptureQueriesContext(connection) as queries:
        rows_insert_linked(exchange, events, link="exchange_id")
    assert len(queries) == _one_statement_here()
    assert sorted(OrderEvent.objects.values_list("order_no", "exchange_id")) == [
        ("NO-1", exchange.pk), ("NO-2", exchange.pk)]
    # With nothing pointing to it, the row alone.
    alone = rows_insert_linked(_exchange(8), [], link="exchange_id")
    assert ApiExchange.objects.get(pk=alone.pk).url == "/x/8"


def test_levels_and_the_ledgers_moves_are_written_in_one_statement_where_the_database_can(warehouse):
    from wms.inventory.models import StockMove

    product = ProductFactory()
    level = StockLevel.objects.create(warehouse=warehouse, product=product, on_hand=5)
    level.reserved = 2
    moves = [StockMove(warehouse=warehouse, product=product, kind=StockMove.Kind.ALLOCATE, quantity=2,
                       reference_type="test", reference_number="T", actor="a")]
    with CaptureQueriesContext(connection) as queries:
        assert rows_update_insert([level], ["reserved"], moves) == moves
    assert len(queries) == _one_statement_here()
    assert StockLevel.objects.get(pk=level.pk).reserved == 2 and StockMove.objects.get().pk == moves[0].pk
    # Nothing to update: the moves alone; nothing to insert: the update alone.
    more = [StockMove(warehouse=warehouse, product=product, kind=StockMove.Kind.ALLOCATE, quantity=1,
                      reference_type="test", reference_number="T", actor="a")]
    rows_update_insert([], ["reserved"], more)
    level.reserved = 3
    assert rows_update_insert([level], ["reserved"], []) == []
    assert StockLevel.objects.get(pk=level.pk).reserved == 3 and StockMove.objects.count() == 2


def test_a_refused_write_in_a_statement_of_two_writes_neither(warehouse):
    from django.db import IntegrityError

    from wms.core.db import unique_violation
    from wms.outbound.models import OutboundOrder, OutboundOrderLine

    product = ProductFactory()
    OutboundOrder.objects.create(outbound_order_no="OB-TAKEN", warehouse=warehouse, owner=product.owner)
    order = OutboundOrder(outbound_order_no="OB-TAKEN", warehouse=warehouse, owner=product.owner)
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        rows_insert_linked(order, [OutboundOrderLine(order=order, product=product, quantity=1)], link="order")
    assert unique_violation(refused.value)
    assert OutboundOrder.objects.count() == 1 and not OutboundOrderLine.objects.exists()
    bad = OutboundOrder(outbound_order_no="OB-NEW", warehouse=warehouse, owner=product.owner)
    with pytest.raises(IntegrityError) as refused, transaction.atomic():  # a CHECK, not a duplicate
        rows_insert_linked(bad, [OutboundOrderLine(order=bad, product=product, quantity=0)], link="order")
    assert not unique_violation(refused.value)
    assert not OutboundOrder.objects.filter(outbound_order_no="OB-NEW").exists()
