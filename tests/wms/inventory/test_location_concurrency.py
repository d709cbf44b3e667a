"""Races on real row locks (PostgreSQL): transfers, putaways and picks out of the same location never drive it
negative, and the locations stay equal to the levels and the ledger."""

import pytest

from tests.factories import ProductFactory
from tests.helpers import TEST_ACTOR, race, requires_postgres
from wms.core.errors import InsufficientStock
from wms.inbound.models import PutawayTask
from wms.inbound.services import (
    LineCount,
    inbound_order_complete,
    inbound_order_record_counts,
    inbound_order_upsert,
    putaway_task_complete,
)
from wms.inventory.models import Location, LocationStock
from wms.inventory.selectors import stock_ledger_drift, stock_location_drift
from wms.inventory.services import StockLine, location_defaults_ensure, stock_receive, stock_transfer

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]


def held(product, location) -> int:
    return LocationStock.objects.get(product=product, location=location).quantity


def test_concurrent_transfers_and_picks_out_of_one_location_never_drive_it_negative(warehouse):
    defaults = location_defaults_ensure(warehouse_id=warehouse.pk)
    dock, pack = defaults[Location.Kind.RECEIVING], defaults[Location.Kind.PACKING]
    bins = [Location.objects.create(warehouse=warehouse, code=f"R-{n}", pick_sequence=n) for n in range(4)]
    product = ProductFactory()
    stock_receive(warehouse_id=warehouse.pk, good=[StockLine(product.pk, 10)], reference_type="t",
                  reference_number="t", actor=TEST_ACTOR)

    def act(index):
        # A pick takes a unit straight from the dock to packing; the others put one away into a bin.
        target = pack if index % 3 == 2 else bins[index % 4]
        return stock_transfer(warehouse_id=warehouse.pk, product_id=product.pk, quantity=1, from_location_id=dock.pk,
                              to_location_id=target.pk, reference_number=f"P-{index}", actor=TEST_ACTOR)

    results = race(24, act)
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, InsufficientStock)]
    assert unexpected == []
    # 24 attempts at one unit each from 10: transfers out of the dock stop at 0.
    assert held(product, dock) >= 0
    assert sum(s.quantity for s in LocationStock.objects.filter(product=product)) == 10
    assert stock_ledger_drift() == [] and stock_location_drift() == []


def test_two_receivers_putting_away_the_same_dock_units_never_take_more_than_are_there(warehouse, receiver):
    location_defaults_ensure(warehouse_id=warehouse.pk)
    shelves = [Location.objects.create(warehouse=warehouse, code=f"S-{n}", pick_sequence=n) for n in range(2)]
    product = ProductFactory(owner__owner_code="MERCHANT-A")
    order, _ = inbound_order_upsert(inbound_order_no="IB-RACE", order_type="PURCHASE", warehouse_code=warehouse.code,
                                    owner_code="MERCHANT-A", items=[{"sku_id": product.sku_id, "quantity": 8}])
    line = order.lines.get()
    inbound_order_record_counts(order=order, counts=[LineCount(line.pk, 8, 0)], actor=receiver)
    inbound_order_complete(order=order, actor=receiver)
    task = PutawayTask.objects.get()
    # Meanwhile a picker takes 3 straight from the dock: 5 are left for the task's 8.
    stock_transfer(warehouse_id=warehouse.pk, product_id=product.pk, quantity=3,
                   from_location_id=task.from_location_id,
                   to_location_id=Location.objects.get(warehouse=warehouse, code="PACK").pk, actor=TEST_ACTOR)

    def put_away(index):
        return putaway_task_complete(task=task, location_barcode=shelves[index % 2].code, quantity=4 + index % 2,
                                     actor=receiver)

    results = race(8, put_away)
    done = [r for r in results if isinstance(r, PutawayTask)]
    assert len(done) == 1  # the task is done once; the others are refused (done already, or too few on the dock)
    assert all(isinstance(r, Exception) for r in results if r not in done)
    dock = Location.objects.get(warehouse=warehouse, code="DOCK")
    assert held(product, dock) == 5 - done[0].quantity
    assert stock_ledger_drift() == [] and stock_location_drift() == []
