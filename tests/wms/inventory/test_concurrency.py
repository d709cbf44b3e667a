"""Races on real row locks: many threads, each its own connection, go for the same units."""

import pytest

from tests.helpers import TEST_ACTOR, race, requires_postgres
from wms.core.errors import InsufficientStock
from wms.inventory.models import StockLevel, StockMove
from wms.inventory.selectors import stock_ledger_drift
from wms.inventory.services import StockLine, stock_reserve

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]


def test_threads_reserving_the_same_stock_never_oversell(warehouse, stocked):
    product = stocked(10)
    results = race(16, lambda i: stock_reserve(actor=TEST_ACTOR,
        warehouse_id=warehouse.pk, lines=[StockLine(product.pk, 1)], reference_type="test",
        reference_number=f"R-{i}"))
    refused = [r for r in results if isinstance(r, InsufficientStock)]
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, InsufficientStock)]
    assert unexpected == []
    assert len(results) - len(refused) == 10 and len(refused) == 6
    level = StockLevel.objects.get(product=product)
    assert (level.on_hand, level.reserved) == (10, 10)
    assert StockMove.objects.filter(kind="ALLOCATE").count() == 10
    assert stock_ledger_drift() == []


def test_multi_line_reservations_in_opposite_orders_do_not_deadlock(warehouse, stocked):
    a, b = stocked(50), stocked(50)

    def reserve(i):
        lines = [StockLine(a.pk, 1), StockLine(b.pk, 1)]
        return stock_reserve(actor=TEST_ACTOR, warehouse_id=warehouse.pk, lines=lines[::-1] if i % 2 else lines,
                             reference_type="test", reference_number=f"R-{i}")

    results = race(12, reserve)
    assert [r for r in results if isinstance(r, Exception)] == []
    assert {lvl.reserved for lvl in StockLevel.objects.all()} == {12}
