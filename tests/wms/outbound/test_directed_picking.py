"""Directed picking: pick lists in pick-path order naming bins and units per bin; the picker scans the bin, then
the item; wrong bins and items are refused by name; a short bin is blocked, counted, and picking goes on elsewhere."""

import pytest
from django.urls import reverse

from tests.factories import ProductFactory
from tests.wms.counts.helpers import bin_make, held, stock_into_bin
from tests.wms.outbound.helpers import order_create, url
from wms.core.errors import DomainValidationError, PermissionDenied
from wms.counts.models import CountTask
from wms.inventory.models import Location, StockMove
from wms.inventory.selectors import location_default, stock_ledger_drift, stock_location_drift
from wms.outbound.models import OutboundOrder
from wms.outbound.selectors import outbound_pick_directions
from wms.outbound.services import outbound_order_pick_bin, outbound_order_pick_bin_short, outbound_order_pick_confirm

pytestmark = pytest.mark.django_db
Status = OutboundOrder.Status


@pytest.fixture
def shelves(warehouse):
    """Two products in three bins: OW-100234 in B-20 (3) and A-10 (4), OW-100235 in C-30 (5); path A, B, C."""
    a = ProductFactory(sku_id="OW-100234", barcode="4710000100234", sku_code="TSHIRT-BLK-M")
    b = ProductFactory(sku_id="OW-100235", barcode="4710000100235", sku_code="TSHIRT-BLK-L")
    bins = {code: bin_make(warehouse, code, seq) for code, seq in (("A-10", 10), ("B-20", 20), ("C-30", 30))}
    stock_into_bin(warehouse, a, bins["B-20"], 3)
    stock_into_bin(warehouse, a, bins["A-10"], 4)
    stock_into_bin(warehouse, b, bins["C-30"], 5)
    return a, b, bins


def stops(order):
    return [(s.location.code if s.location else None, s.product.sku_id, s.quantity)
            for s in outbound_pick_directions(order_ids=[order.pk])]


def test_pick_list_names_bins_and_units_per_bin_in_pick_path_order(warehouse, shelves):
    order = order_create(warehouse, items=[{"sku_id": "OW-100235", "quantity": 2}, {"sku_id": "OW-100234",
                                                                                     "quantity": 6}])
    assert stops(order) == [("A-10", "OW-100234", 4), ("B-20", "OW-100234", 2), ("C-30", "OW-100235", 2)]


def test_blocked_and_inactive_bins_are_not_on_the_path(warehouse, shelves):
    _, _, bins = shelves
    Location.objects.filter(pk=bins["A-10"].pk).update(is_blocked=True, blocked_reason="rack repair")
    order = order_create(warehouse, items=[{"sku_id": "OW-100234", "quantity": 5}])
    assert stops(order) == [("B-20", "OW-100234", 3), (None, "OW-100234", 2)]


def test_scanned_picks_move_units_bin_to_pack_with_the_order_number(warehouse, shelves, picker):
    a, _, bins = shelves
    order = order_create(warehouse, items=[{"sku_id": "OW-100234", "quantity": 5}])
    assert outbound_order_pick_bin(order=order, code="LOC-A-10", actor=picker) == bins["A-10"]
    taken = outbound_order_pick_confirm(order=order, location_code="LOC-A-10", code="4710000100234", quantity=4,
                                        actor=picker)
    assert (taken.line.picked_qty, taken.location.code) == (4, "A-10")
    outbound_order_pick_confirm(order=order, location_code="LOC-B-20", code="TSHIRT-BLK-M", actor=picker)
    order.refresh_from_db()
    assert order.status == Status.PICKING
    pack = location_default(warehouse_id=warehouse.pk, kind=Location.Kind.PACKING)
    assert (held(bins["A-10"], a), held(bins["B-20"], a), held(pack, a)) == (0, 2, 5)
    moves = StockMove.objects.filter(kind=StockMove.Kind.TRANSFER, reference_number=order.outbound_order_no)
    assert sorted((m.from_location.code, m.to_location.code, m.quantity) for m in moves) == [
        ("A-10", "PACK", 4), ("B-20", "PACK", 1)]
    assert stock_ledger_drift() == [] and stock_location_drift() == []


def test_a_wrong_bin_or_a_wrong_item_is_refused_by_name(warehouse, shelves, picker):
    order = order_create(warehouse, items=[{"sku_id": "OW-100234", "quantity": 5}])
    with pytest.raises(DomainValidationError, match=r"Wrong bin C-30: nothing of .* next: bin A-10"):
        outbound_order_pick_bin(order=order, code="LOC-C-30", actor=picker)
    with pytest.raises(DomainValidationError, match="Unknown bin 'NOPE'"):
        outbound_order_pick_bin(order=order, code="NOPE", actor=picker)
    with pytest.raises(DomainValidationError, match="OW-100235 is not on outbound order"):
        outbound_order_pick_confirm(order=order, location_code="LOC-A-10", code="4710000100235", actor=picker)
    with pytest.raises(DomainValidationError,
                       match="Wrong item: OW-100234 is not in bin C-30; take it from bin A-10, B-20"):
        outbound_order_pick_confirm(order=order, location_code="LOC-C-30", code="OW-100234", actor=picker)
    with pytest.raises(DomainValidationError, match="Bin B-20 holds 3 of OW-100234, not 4"):
        outbound_order_pick_confirm(order=order, location_code="LOC-B-20", code="OW-100234", quantity=4,
                                    actor=picker)
    with pytest.raises(DomainValidationError, match="Scan the bin first; next: bin A-10"):
        outbound_order_pick_confirm(order=order, location_code="", code="OW-100234", actor=picker)
    assert order.lines.get().picked_qty == 0


def test_packing_and_dock_are_not_bins_to_pick_from_by_scan_of_another_kind(warehouse, shelves, picker):
    order = order_create(warehouse, items=[{"sku_id": "OW-100234", "quantity": 1}])
    with pytest.raises(DomainValidationError, match="PACK is a packing, not a bin to pick from"):
        outbound_order_pick_confirm(order=order, location_code="PACK", code="OW-100234", actor=picker)


def test_a_short_bin_is_blocked_counted_and_the_rest_directed_to_the_next_bin(warehouse, shelves, picker):
    a, _, bins = shelves
    order = order_create(warehouse, items=[{"sku_id": "OW-100234", "quantity": 5}])
    outbound_order_pick_confirm(order=order, location_code="LOC-A-10", code="OW-100234", quantity=2, actor=picker)
    task = outbound_order_pick_bin_short(order=order, location_code="LOC-A-10", note="only 2 on the shelf",
                                         actor=picker)
    bins["A-10"].refresh_from_db()
    assert bins["A-10"].is_blocked and "short pick of" in bins["A-10"].blocked_reason
    assert (task.location, task.origin, task.state) == (bins["A-10"], CountTask.Origin.SHORT_PICK,
                                                       CountTask.State.OPEN)
    assert list(task.lines.values_list("product__sku_id", flat=True)) == ["OW-100234"]
    assert stops(order) == [("B-20", "OW-100234", 3)]
    with pytest.raises(DomainValidationError, match="Bin A-10 is blocked"):
        outbound_order_pick_confirm(order=order, location_code="LOC-A-10", code="OW-100234", actor=picker)
    outbound_order_pick_confirm(order=order, location_code="LOC-B-20", code="OW-100234", quantity=3, actor=picker)
    assert order.lines.get().picked_qty == 5 and held(bins["A-10"], a) == 2  # until the count says otherwise


def test_picking_needs_the_picker_role(warehouse, shelves, receiver):
    order = order_create(warehouse, items=[{"sku_id": "OW-100234", "quantity": 1}])
    with pytest.raises(PermissionDenied):
        outbound_order_pick_confirm(order=order, location_code="LOC-A-10", code="OW-100234", actor=receiver)
    with pytest.raises(PermissionDenied):
        outbound_order_pick_bin_short(order=order, location_code="LOC-A-10", actor=receiver)


def test_pick_page_scans_bin_then_item_and_shows_the_next_stop(client, warehouse, shelves, picker):
    order = order_create(warehouse, items=[{"sku_id": "OW-100234", "quantity": 5}])
    client.force_login(picker)
    page = client.get(url("pick", order))
    assert (page.context["next"]["label"], page.context["next"]["big"]) == ("Go to bin", "A-10")
    assert "Picked 0 / 5 units" in page.content.decode()
    page = client.post(url("pick", order), {"code": "4710000100234", "scan_submit": ""}, follow=True)
    assert "Scan the bin first; next: bin A-10" in page.content.decode()
    page = client.post(url("pick", order), {"code": "LOC-C-30", "scan_submit": ""}, follow=True).content.decode()
    assert "Wrong bin C-30" in page
    client.post(url("pick", order), {"code": "LOC-A-10", "scan_submit": ""})
    page = client.post(url("pick", order), {"code": "4710000100234", "quantity": "4", "scan_submit": ""},
                       follow=True)
    assert "OW-100234 from A-10: 4 of 5 picked." in page.content.decode()
    assert "Picked 4 / 5 units" in page.content.decode()
    assert (page.context["next"]["label"], page.context["next"]["big"]) == ("Go to bin", "B-20")
    page = client.post(url("pick", order), {"code": "LOC-B-20", "scan_submit": ""}, follow=True)
    assert (page.context["next"]["label"], page.context["next"]["big"]) == ("At bin B-20: scan", "1 × OW-100234")
    page = client.post(url("pick", order), {"code": "TSHIRT-BLK-M", "scan_submit": ""}, follow=True).content.decode()
    assert "Everything is picked" in page and reverse("admin:outbound_outboundorder_pack", args=[order.pk]) in page


def test_pick_page_short_bin_button_blocks_the_bin_and_goes_on(client, warehouse, shelves, picker):
    order = order_create(warehouse, items=[{"sku_id": "OW-100234", "quantity": 5}])
    client.force_login(picker)
    client.post(url("pick", order), {"code": "LOC-A-10", "scan_submit": ""})
    page = client.post(url("pick", order), {"bin_short": "1", "note": "empty"}, follow=True)
    assert "Bin A-10 is blocked and will be counted" in page.content.decode()
    assert (page.context["next"]["label"], page.context["next"]["big"]) == ("Go to bin", "B-20")


def test_wave_pick_list_is_in_pick_path_order_with_bins(client, warehouse, shelves, picker):
    one = order_create(warehouse, "OB-W1", items=[{"sku_id": "OW-100235", "quantity": 1},
                                                   {"sku_id": "OW-100234", "quantity": 3}])
    two = order_create(warehouse, "OB-W2", items=[{"sku_id": "OW-100234", "quantity": 3}])
    assert [(s.location.code, s.product.sku_id, s.quantity, s.orders)
            for s in outbound_pick_directions(order_ids=[one.pk, two.pk])] == [
        ("A-10", "OW-100234", 4, ["OB-W1 ×3", "OB-W2 ×1"]), ("B-20", "OW-100234", 2, ["OB-W2 ×2"]),
        ("C-30", "OW-100235", 1, ["OB-W1 ×1"])]
    client.force_login(picker)
    page = client.get(reverse("admin:outbound_outboundorder_wave_pick") + f"?ids={one.pk},{two.pk}").content.decode()
    assert page.index("A-10") < page.index("B-20") < page.index("C-30")
