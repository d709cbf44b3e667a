"""Stock per location: every move path keeps the locations in step with the levels and the ledger."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from tests.factories import ProductFactory, WarehouseFactory
from tests.helpers import TEST_ACTOR
from wms.core.errors import DomainValidationError, InsufficientStock
from wms.inventory.models import Location, LocationStock, StockMove
from wms.inventory.selectors import location_default, stock_location_drift
from wms.inventory.services import (
    StockLine,
    location_defaults_ensure,
    stock_adjust,
    stock_pack_return,
    stock_receive,
    stock_release,
    stock_reserve,
    stock_ship,
    stock_transfer,
)

pytestmark = pytest.mark.django_db
REF = {"reference_type": "test", "reference_number": "T-1", "actor": TEST_ACTOR}
Kind = Location.Kind


def held(product, location) -> int:
    stock = LocationStock.objects.filter(product=product, location=location).first()
    return stock.quantity if stock else 0


def default(warehouse, kind):
    return location_default(warehouse_id=warehouse.pk, kind=kind)


def bin_(warehouse, code, sequence, **extra):
    return Location.objects.create(warehouse=warehouse, code=code, kind=extra.pop("kind", Kind.STORAGE),
                                   pick_sequence=sequence, **extra)


def test_defaults_are_made_once_per_warehouse(warehouse):
    first = location_defaults_ensure(warehouse_id=warehouse.pk)
    again = location_defaults_ensure(warehouse_id=warehouse.pk)
    assert {kind: loc.code for kind, loc in first.items()} == {
        Kind.RECEIVING: "DOCK", Kind.STORAGE: "A-DEFAULT", Kind.PACKING: "PACK", Kind.QUARANTINE: "QUARANTINE"}
    assert first == again
    assert Location.objects.filter(warehouse=warehouse).count() == 4
    assert all(loc.barcode == loc.code for loc in first.values())


def test_a_locations_code_and_barcode_are_unique_in_its_warehouse_only(warehouse):
    bin_(warehouse, "A-01", 1)
    bin_(WarehouseFactory(code="TW-KHH-01", name="Kaohsiung"), "A-01", 1)  # another warehouse may use the same code
    with pytest.raises(IntegrityError), transaction.atomic():
        bin_(warehouse, "A-01", 2)
    with pytest.raises(IntegrityError), transaction.atomic():
        bin_(warehouse, "A-02", 2, barcode="A-01")


def test_location_stock_cannot_go_negative_in_the_database(warehouse, product):
    location = bin_(warehouse, "A-01", 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        LocationStock.objects.create(product=product, location=location, quantity=-1)


def test_a_transfer_move_needs_two_different_locations_in_the_database(warehouse, product):
    location = bin_(warehouse, "A-01", 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMove.objects.create(product=product, warehouse=warehouse, kind="TRANSFER", quantity=1,
                                 from_location=location, to_location=location, actor="t")
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMove.objects.create(product=product, warehouse=warehouse, kind="TRANSFER", quantity=1,
                                 to_location=location, actor="t")


def test_receipt_lands_good_units_on_the_dock_and_damaged_in_quarantine(warehouse, product):
    moves = stock_receive(warehouse_id=warehouse.pk, good=[StockLine(product.pk, 5)],
                          damaged=[StockLine(product.pk, 2)], **REF)
    assert [(m.to_location.code, m.from_location) for m in moves] == [("DOCK", None), ("QUARANTINE", None)]
    assert held(product, default(warehouse, Kind.RECEIVING)) == 5
    assert held(product, default(warehouse, Kind.QUARANTINE)) == 2
    assert stock_location_drift() == []


def test_reserve_and_release_touch_no_location(warehouse, stocked):
    product = stocked(4)
    before = list(LocationStock.objects.values_list("pk", "quantity", "updated_at"))
    moves = stock_reserve(warehouse_id=warehouse.pk, lines=[StockLine(product.pk, 3)], **REF)
    moves += stock_release(warehouse_id=warehouse.pk, lines=[StockLine(product.pk, 3)], **REF)
    assert all(m.from_location_id is None and m.to_location_id is None for m in moves)
    assert list(LocationStock.objects.values_list("pk", "quantity", "updated_at")) == before


def test_transfer_moves_units_between_locations_and_keeps_the_level(warehouse, stocked):
    product = stocked(5)
    dock, target = default(warehouse, Kind.RECEIVING), bin_(warehouse, "A-01", 1)
    move = stock_transfer(warehouse_id=warehouse.pk, product_id=product.pk, quantity=3, from_location_id=dock.pk,
                          to_location_id=target.pk, actor=TEST_ACTOR)
    assert (move.kind, move.quantity, move.from_location, move.to_location) == ("TRANSFER", 3, dock, target)
    assert (held(product, dock), held(product, target)) == (2, 3)
    assert product.stock_levels.get().on_hand == 5
    assert stock_location_drift() == []


def test_transfer_out_of_a_location_with_too_few_units_is_refused_and_writes_nothing(warehouse, stocked):
    product = stocked(2)
    dock, target = default(warehouse, Kind.RECEIVING), bin_(warehouse, "A-01", 1)
    count = StockMove.objects.count()
    with pytest.raises(InsufficientStock, match="DOCK holds 2"):
        stock_transfer(warehouse_id=warehouse.pk, product_id=product.pk, quantity=3, from_location_id=dock.pk,
                       to_location_id=target.pk, actor=TEST_ACTOR)
    assert StockMove.objects.count() == count
    assert (held(product, dock), held(product, target)) == (2, 0)


def test_transfer_into_a_blocked_bin_another_warehouse_or_quarantine_is_refused(warehouse, stocked):
    product = stocked(5)
    dock = default(warehouse, Kind.RECEIVING)
    blocked = bin_(warehouse, "A-09", 9, is_blocked=True, blocked_reason="count pending")
    elsewhere = bin_(WarehouseFactory(code="TW-KHH-01", name="Kaohsiung"), "A-01", 1)
    cases = [(blocked, "count pending"), (elsewhere, "Not a location of this warehouse"),
             (default(warehouse, Kind.QUARANTINE), "quarantine")]
    for target, why in cases:
        with pytest.raises(DomainValidationError) as refused:
            stock_transfer(warehouse_id=warehouse.pk, product_id=product.pk, quantity=1, from_location_id=dock.pk,
                           to_location_id=target.pk, actor=TEST_ACTOR)
        assert why.lower() in (str(refused.value) + str(refused.value.errors)).lower()
    assert held(product, dock) == 5


def test_ship_takes_from_packing_then_from_the_bins_for_an_order_picked_before_locations(warehouse, stocked):
    product = stocked(6)
    stock_reserve(warehouse_id=warehouse.pk, lines=[StockLine(product.pk, 5)], **REF)
    stock_transfer(warehouse_id=warehouse.pk, product_id=product.pk, quantity=2,  # 2 picked
                   from_location_id=default(warehouse, Kind.RECEIVING).pk,
                   to_location_id=default(warehouse, Kind.PACKING).pk, actor=TEST_ACTOR)
    moves = stock_ship(warehouse_id=warehouse.pk, lines=[StockLine(product.pk, 5)], **REF)
    assert [(m.from_location.code, m.quantity) for m in moves] == [("PACK", -2), ("DOCK", -3)]
    assert product.stock_levels.get().on_hand == 1
    assert stock_location_drift() == []


def test_pack_return_puts_units_back_into_the_first_bin_holding_the_product(warehouse, stocked):
    product = stocked(4)
    shelf = bin_(warehouse, "A-01", 1)
    stock_transfer(warehouse_id=warehouse.pk, product_id=product.pk, quantity=3,
                   from_location_id=default(warehouse, Kind.RECEIVING).pk, to_location_id=shelf.pk, actor=TEST_ACTOR)
    stock_transfer(warehouse_id=warehouse.pk, product_id=product.pk, quantity=2, from_location_id=shelf.pk,
                   to_location_id=default(warehouse, Kind.PACKING).pk, actor=TEST_ACTOR)
    (move,) = stock_pack_return(warehouse_id=warehouse.pk, lines=[StockLine(product.pk, 2)], **REF)
    assert (move.from_location.code, move.to_location.code, move.quantity) == ("PACK", "A-01", 2)


def test_adjust_names_its_location_or_uses_the_default_bin(warehouse, stocked, supervisor):
    product = stocked(3)
    dock, shelf = default(warehouse, Kind.RECEIVING), default(warehouse, Kind.STORAGE)
    found = stock_adjust(warehouse_id=warehouse.pk, product_id=product.pk, quantity=2, reason="FOUND",
                         actor=supervisor)
    assert (found.to_location, held(product, shelf)) == (shelf, 2)
    lost = stock_adjust(warehouse_id=warehouse.pk, product_id=product.pk, quantity=-4, reason="LOST", actor=supervisor)
    assert lost.from_location == shelf  # the default bin first, then the rest from the dock
    assert (held(product, shelf), held(product, dock)) == (0, 1)
    with pytest.raises(InsufficientStock, match="A-01 holds 0"):
        stock_adjust(warehouse_id=warehouse.pk, product_id=product.pk, quantity=-1, reason="LOST", actor=supervisor,
                     location_id=bin_(warehouse, "A-01", 1).pk)
    with pytest.raises(DomainValidationError, match="quarantine"):
        stock_adjust(warehouse_id=warehouse.pk, product_id=product.pk, quantity=1, reason="FOUND", actor=supervisor,
                     location_id=default(warehouse, Kind.QUARANTINE).pk)
    damaged = stock_adjust(warehouse_id=warehouse.pk, product_id=product.pk, quantity=1, reason="DAMAGED_FOUND",
                           actor=supervisor, damaged=True)
    assert damaged.to_location == default(warehouse, Kind.QUARANTINE)
    assert stock_location_drift() == []


def test_stock_verify_reports_location_drift(warehouse, stocked, capsys):
    product = stocked(3)
    call_command("stock_verify")
    LocationStock.objects.filter(product=product).update(quantity=2)
    with pytest.raises(CommandError, match="2 location value"):
        call_command("stock_verify")
    out = capsys.readouterr().out
    assert f"DRIFT {product.sku_id} @ {warehouse.code} on_hand: level=3 locations=2" in out
    assert "location DOCK: stock=2 ledger=3" in out


def test_a_new_warehouse_gets_its_default_locations_lazily(stocked):
    other = WarehouseFactory(code="TW-KHH-01", name="Kaohsiung")
    product = ProductFactory()
    stock_receive(warehouse_id=other.pk, good=[StockLine(product.pk, 1)], **REF)
    assert held(product, default(other, Kind.RECEIVING)) == 1


def test_the_adjust_command_names_a_location_by_code_or_refuses_an_unknown_one(warehouse, stocked, supervisor):
    product = stocked(3)
    shelf = bin_(warehouse, "A-01", 1, barcode="LOC-A01")
    args = ["--warehouse", warehouse.code, "--sku", product.sku_id, "--reason", "FOUND", "--user", supervisor.username]
    call_command("stock_adjust", *args, "--delta", "2", "--location", "LOC-A01")
    assert held(product, shelf) == 2
    with pytest.raises(CommandError, match="No location 'B-99'"):
        call_command("stock_adjust", *args, "--delta", "1", "--location", "B-99")


def test_the_adjust_page_takes_a_location(client, warehouse, stocked, supervisor):
    from django.urls import reverse

    product = stocked(3)
    level = product.stock_levels.get()
    client.force_login(supervisor)
    url = reverse("admin:inventory_stocklevel_adjust", args=[level.pk])
    refused = client.post(url, {"delta": "-1", "reason": "LOST", "location": "NOWHERE"})
    assert refused.status_code == 200 and "No location &#x27;NOWHERE&#x27;" in refused.content.decode()
    assert client.post(url, {"delta": "-1", "reason": "LOST", "location": "DOCK"}).status_code == 302
    assert held(product, default(warehouse, Kind.RECEIVING)) == 2
