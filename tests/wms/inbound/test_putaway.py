"""Putaway: a completed receipt waits on the dock as putaway tasks with a suggested bin; the receiver scans a bin."""

import pytest

from tests.factories import ProductFactory
from tests.helpers import TEST_ACTOR
from tests.wms.inbound.helpers import example_purchase_order, lines_of
from wms.core.errors import DomainValidationError, InsufficientStock, InvalidTransition, PermissionDenied
from wms.inbound.models import PutawayTask
from wms.inbound.services import LineCount, inbound_order_complete, inbound_order_record_counts, putaway_task_complete
from wms.inventory.models import Location, LocationStock, StockMove
from wms.inventory.selectors import location_default, putaway_bin_suggest, stock_location_drift
from wms.inventory.services import StockLine, location_defaults_ensure, stock_receive, stock_transfer

pytestmark = pytest.mark.django_db
Kind = Location.Kind


def held(product, code):
    stock = LocationStock.objects.filter(product=product, location__code=code).first()
    return stock.quantity if stock else 0


def bins(warehouse, *specs):
    return [Location.objects.create(warehouse=warehouse, code=code, kind=Kind.STORAGE, zone=zone, pick_sequence=seq)
            for code, zone, seq in specs]


def receive(order, receiver, counts):
    lines = lines_of(order)
    inbound_order_record_counts(order=order, actor=receiver, counts=[
        LineCount(lines[sku].pk, good, damaged) for sku, (good, damaged) in counts.items()])
    return inbound_order_complete(order=order, actor=receiver)


@pytest.fixture
def order(warehouse):
    return example_purchase_order(warehouse)


def test_a_completed_receipt_waits_on_the_dock_as_tasks_and_damaged_units_go_to_quarantine(
        warehouse, order, receiver):
    receive(order, receiver, {"OW-100234": (4, 1), "OW-100235": (10, 0)})
    tasks = {t.product.sku_id: t for t in PutawayTask.objects.select_related("product", "from_location")}
    assert {sku: (t.quantity, t.from_location.code, t.status) for sku, t in tasks.items()} == {
        "OW-100234": (4, "DOCK", "OPEN"), "OW-100235": (10, "DOCK", "OPEN")}
    a = tasks["OW-100234"].product
    assert (held(a, "DOCK"), held(a, "QUARANTINE")) == (4, 1)


def test_suggestion_is_a_bin_holding_the_product_else_an_empty_bin_of_the_merchants_zone(
        warehouse, order, receiver):
    a, b = (line.product for line in order.lines.order_by("pk"))
    other = ProductFactory(owner=a.owner)
    holding, full_z, empty_y, empty_z1, empty_z2 = bins(
        warehouse, ("Y-09", "Y", 9), ("Z-01", "Z", 1), ("Y-02", "Y", 2), ("Z-05", "Z", 5), ("Z-06", "Z", 6))
    dock = location_defaults_ensure(warehouse_id=warehouse.pk)[Kind.RECEIVING]
    stock_receive(warehouse_id=warehouse.pk, good=[StockLine(a.pk, 1), StockLine(other.pk, 5)],
                  reference_type="test", reference_number="T", actor=TEST_ACTOR)
    for product, target, units in ((a, holding, 1), (other, full_z, 5)):  # the merchant's goods are mostly in Z
        stock_transfer(warehouse_id=warehouse.pk, product_id=product.pk, quantity=units, from_location_id=dock.pk,
                       to_location_id=target.pk, actor=TEST_ACTOR)
    receive(order, receiver, {"OW-100234": (5, 0), "OW-100235": (10, 0)})
    suggested = dict(PutawayTask.objects.values_list("product_id", "suggested_location__code"))
    assert suggested == {a.pk: "Y-09", b.pk: "Z-05"}
    # The next receipt's new product gets the next empty bin of the zone (Z-05 is proposed already).
    c = ProductFactory(owner=a.owner, sku_id="OW-NEW")
    stock_receive(warehouse_id=warehouse.pk, good=[StockLine(c.pk, 1)], reference_type="t", reference_number="t",
                  actor=TEST_ACTOR)
    assert putaway_bin_suggest(warehouse_id=warehouse.pk, product_id=c.pk, taken_ids={empty_z1.pk}) == empty_z2
    assert empty_y.zone == "Y"


def test_putaway_to_the_suggested_or_another_bin_is_recorded_and_a_partial_one_splits_the_task(
        warehouse, order, receiver):
    (shelf, other_bin) = bins(warehouse, ("A-01", "", 1), ("A-02", "", 2))
    receive(order, receiver, {"OW-100234": (5, 0), "OW-100235": (10, 0)})
    task = PutawayTask.objects.get(product__sku_id="OW-100235")
    assert task.suggested_location == shelf or task.suggested_location == other_bin
    elsewhere = other_bin if task.suggested_location == shelf else shelf
    done = putaway_task_complete(task=task, location_barcode=f" {elsewhere.barcode} ", quantity=6, actor=receiver)
    assert (done.status, done.quantity, done.location, done.went_elsewhere, done.completed_by) == (
        "DONE", 6, elsewhere, True, receiver)
    rest = PutawayTask.objects.get(split_from=done)
    assert (rest.status, rest.quantity, rest.suggested_location) == ("OPEN", 4, task.suggested_location)
    move = StockMove.objects.get(kind="TRANSFER")
    assert (move.from_location.code, move.to_location, move.quantity, move.reference_number) == (
        "DOCK", elsewhere, 6, order.inbound_order_no)
    putaway_task_complete(task=rest, location_barcode=rest.suggested_location.code.lower(), quantity=4,
                          actor=receiver)
    assert held(task.product, "DOCK") == 0
    assert stock_location_drift() == []
    with pytest.raises(InvalidTransition):
        putaway_task_complete(task=rest, location_barcode=shelf.code, quantity=1, actor=receiver)


def test_putaway_refusals_name_the_field(warehouse, order, receiver, picker):
    (blocked,) = bins(warehouse, ("B-01", "", 1))
    Location.objects.filter(pk=blocked.pk).update(is_blocked=True, blocked_reason="count")
    receive(order, receiver, {"OW-100234": (5, 0), "OW-100235": (10, 0)})
    task = PutawayTask.objects.get(product__sku_id="OW-100234")
    for code, quantity, field, text in (("NOPE", 1, "location_barcode", "No location"),
                                        ("PACK", 1, "location_barcode", "packing"),
                                        ("B-01", 1, "location_barcode", "blocked (count)"),
                                        ("A-DEFAULT", 6, "quantity", "Between 1 and 5"),
                                        ("A-DEFAULT", 0, "quantity", "Between 1 and 5")):
        with pytest.raises(DomainValidationError) as refused:
            putaway_task_complete(task=task, location_barcode=code, quantity=quantity, actor=receiver)
        assert text in refused.value.errors[field][0]
    with pytest.raises(PermissionDenied):
        putaway_task_complete(task=task, location_barcode="A-DEFAULT", quantity=1, actor=picker)
    # Units picked straight from the dock meanwhile: the dock holds too few, the putaway is refused.
    stock_transfer(warehouse_id=warehouse.pk, product_id=task.product_id, quantity=3,
                   from_location_id=task.from_location_id,
                   to_location_id=location_default(warehouse_id=warehouse.pk, kind=Location.Kind.PACKING).pk,
                   actor=TEST_ACTOR)
    with pytest.raises(InsufficientStock, match="DOCK holds 2"):
        putaway_task_complete(task=task, location_barcode="A-DEFAULT", quantity=5, actor=receiver)
    assert PutawayTask.objects.get(pk=task.pk).status == "OPEN"
