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


def putaway_url(order=None, task=None):
    from django.urls import reverse
    query = "&".join(part for part in (order and f"order={order.pk}", task and f"task={task.pk}") if part)
    return reverse("admin:inbound_putawaytask_putaway") + (f"?{query}" if query else "")


def test_the_putaway_screen_scans_a_bin_and_goes_on_to_the_next_task(client, warehouse, order, receiver):
    (shelf,) = bins(warehouse, ("A-01", "", 1))
    receive(order, receiver, {"OW-100234": (5, 0), "OW-100235": (10, 0)})
    client.force_login(receiver)
    page = client.get(putaway_url(order))
    first = PutawayTask.objects.order_by("pk").first()
    html = page.content.decode()
    assert page.status_code == 200 and "autofocus" in html and first.product.sku_id in html
    assert f"{first.suggested_location.code}" in html and 'value="5"' in html  # the units default to the task's
    # A refusal keeps what was typed and names the field.
    refused = client.post(putaway_url(order), {"task": first.pk, "code": "NOPE", "quantity": "5"})
    assert refused.status_code == 200 and "No location &#x27;NOPE&#x27;" in refused.content.decode()
    assert 'value="NOPE"' in refused.content.decode()
    done = client.post(putaway_url(order), {"task": first.pk, "code": "A-01", "quantity": "5"}, follow=True)
    first.refresh_from_db()
    assert (first.status, first.location) == ("DONE", shelf)
    assert "OW-100235" in done.content.decode()  # the next task is shown
    # The same task posted again (another handheld's page): refused as done, nothing moves twice.
    again = client.post(putaway_url(order), {"task": first.pk, "code": "A-01", "quantity": "5"}, follow=True)
    assert "done already" in again.content.decode()
    assert StockMove.objects.filter(kind="TRANSFER").count() == 1


def test_a_picker_cannot_open_the_putaway_screen(client, picker):
    client.force_login(picker)
    assert client.get(putaway_url()).status_code == 403


def test_the_order_page_offers_put_away_while_units_wait_on_the_dock(client, warehouse, order, receiver):
    from django.urls import reverse

    receive(order, receiver, {"OW-100234": (5, 0), "OW-100235": (10, 0)})
    client.force_login(receiver)
    page = client.get(reverse("admin:inbound_inboundorder_change", args=[order.pk])).content.decode()
    assert "Put away (15 units)" in page


def test_an_aisle_holding_bins_is_neither_suggested_nor_accepted(warehouse, order, receiver):
    aisle = Location.objects.create(warehouse=warehouse, code="A-01", kind=Kind.STORAGE, pick_sequence=0)
    shelf = Location.objects.create(warehouse=warehouse, code="A-01-01", kind=Kind.STORAGE, pick_sequence=1,
                                    parent=aisle)
    receive(order, receiver, {"OW-100234": (5, 0), "OW-100235": (10, 0)})
    task = PutawayTask.objects.order_by("pk").first()
    assert task.suggested_location == shelf
    with pytest.raises(DomainValidationError) as refused:
        putaway_task_complete(task=task, location_barcode="A-01", quantity=1, actor=receiver)
    assert "area holding other locations" in refused.value.errors["location_barcode"][0]
