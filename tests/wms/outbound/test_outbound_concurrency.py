"""Allocation races on real row locks (PostgreSQL): workers going for the last units never both get them."""

import pytest

from tests.factories import ProductFactory
from tests.helpers import race, requires_postgres
from wms.core.actors import BACKORDERS, ONEWAREHOUSE
from wms.inventory.models import StockLevel
from wms.inventory.selectors import stock_ledger_drift
from wms.outbound.models import OutboundOrder
from wms.outbound.services import outbound_order_allocate, outbound_order_create

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]
Status = OutboundOrder.Status


def orders_for(warehouse, product, count, quantity):
    return [
        outbound_order_create(actor=ONEWAREHOUSE,
            outbound_order_no=f"OB-RACE-{n}", warehouse_code=warehouse.code, owner_code="MERCHANT-A",
            items=[{"sku_id": product.sku_id, "quantity": quantity}],
            recipient={"name": "R", "country_code": "TW", "city": "Taipei", "address1": "1"},
            logistics={"provider_code": "TCAT"}, allocate=False)[0]
        for n in range(count)
    ]


def test_two_workers_allocating_the_last_units_never_both_succeed(warehouse, stocked):
    product = stocked(5, ProductFactory())
    orders = orders_for(warehouse, product, 2, 5)
    results = race(2, lambda i: outbound_order_allocate(order_id=orders[i].pk, actor=BACKORDERS))
    assert [r for r in results if isinstance(r, Exception)] == []
    assert sorted(r.status for r in results) == [Status.ALLOCATED, Status.BACKORDERED]
    level = StockLevel.objects.get(product=product)
    assert (level.on_hand, level.reserved) == (5, 5)
    assert stock_ledger_drift() == []


def test_many_workers_allocating_scarce_stock_reserve_no_more_than_there_is(warehouse, stocked):
    product = stocked(10, ProductFactory())
    orders = orders_for(warehouse, product, 8, 3)
    results = race(8, lambda i: outbound_order_allocate(order_id=orders[i].pk, actor=BACKORDERS))
    assert [r for r in results if isinstance(r, Exception)] == []
    statuses = sorted(r.status for r in results)
    assert statuses.count(Status.ALLOCATED) == 3 and statuses.count(Status.BACKORDERED) == 5
    level = StockLevel.objects.get(product=product)
    assert (level.on_hand, level.reserved) == (10, 9)
    assert stock_ledger_drift() == []
