"""The floor screens' server side: numbers typed on a handheld (a decimal comma where decimals are allowed, never in
a count of units), refusals naming their field and keeping what was typed, the floor home's role-based sections and
scan-to-open, the label check and the ship dock's refusals."""

from decimal import Decimal

import pytest
from django import forms
from django.urls import reverse

from tests.factories import ProductFactory
from tests.wms.outbound.helpers import pack_one, pick_all
from wms.core.actors import ONEWAREHOUSE
from wms.core.forms import StrictDecimalField, StrictIntegerField, field_view
from wms.inbound.services import inbound_order_upsert
from wms.outbound.models import OutboundOrder
from wms.outbound.services import outbound_order_create

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("typed", "read"), [("1,5", Decimal("1.5")), ("0,650", Decimal("0.650")),
                                             (",5", Decimal("0.5")), ("2,", Decimal("2")), ("1.5", Decimal("1.5"))])
def test_a_decimal_field_reads_a_decimal_comma_as_the_point(typed, read):
    assert StrictDecimalField(max_digits=10, decimal_places=3).clean(typed) == read


@pytest.mark.parametrize("typed", ["1.234,5", "1,234.5", "1,2,3", "1,5e3", ",", "1 ,5"])
def test_a_decimal_field_refuses_thousands_separators_and_two_separators(typed):
    with pytest.raises(forms.ValidationError, match="one decimal comma or point"):
        StrictDecimalField(max_digits=10, decimal_places=3).clean(typed)


@pytest.mark.parametrize("typed", ["3,", "3,0", "1,000", "3.0", ",5"])
def test_a_count_of_units_refuses_a_comma_or_point_saying_so(typed):
    with pytest.raises(forms.ValidationError, match="without a decimal comma or point") as refused:
        StrictIntegerField().clean(typed)
    assert refused.value.code == "separator"


def test_field_view_keeps_what_was_typed_and_names_the_field_in_each_error():
    class Counts(forms.Form):
        good_1 = StrictIntegerField(label="OW-1 good")
        weight = StrictDecimalField(max_digits=6, decimal_places=3, label="PKG-1 weight (kg)")

    form = Counts({"good_1": "3,0", "weight": "0,5"})
    assert not form.is_valid()
    good = field_view(form, "good_1", label="Good", default=7)
    assert good["value"] == "3,0" and good["label"] == "Good" and good["inputmode"] == "numeric"
    assert good["errors"] == ["OW-1 good: Enter a whole number, without a decimal comma or point (digits 0-9 only)."]
    assert field_view(form, "weight")["errors"] == [] and field_view(form, "weight")["inputmode"] == "decimal"
    assert field_view(Counts(), "good_1", default=7)["value"] == 7  # nothing typed: the saved value


@pytest.fixture
def inbound_order(warehouse):
    ProductFactory(sku_id="OW-1", barcode="4710000777001")
    order, _ = inbound_order_upsert(inbound_order_no="IB-FLOOR", order_type="PURCHASE", warehouse_code=warehouse.code,
                                    owner_code="MERCHANT-A", items=[{"sku_id": "OW-1", "quantity": 4}],
                                    tracking_no="TRK-IN-1")
    return order


def test_a_count_with_a_decimal_comma_is_refused_on_the_receive_screen_naming_the_line_and_kept(client, receiver,
                                                                                                inbound_order):
    line = inbound_order.lines.get()
    client.force_login(receiver)
    url = reverse("admin:inbound_inboundorder_receive", args=[inbound_order.pk])
    response = client.post(url, {"code": "", "quantity": "1", "save": "Save counts",
                                 f"good_{line.pk}": "2", f"damaged_{line.pk}": "1,5"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "OW-1 damaged: Enter a whole number, without a decimal comma or point" in html
    assert f'name="damaged_{line.pk}" id="id_damaged_{line.pk}" value="1,5"' in html
    assert 'aria-invalid="true"' in html
    line.refresh_from_db()
    assert (line.received_good, line.received_damaged) == (0, 0)  # nothing saved from a refused post


def test_the_receive_screen_shows_the_next_item_and_the_progress(client, receiver, inbound_order):
    client.force_login(receiver)
    url = reverse("admin:inbound_inboundorder_receive", args=[inbound_order.pk])
    client.post(url, {"code": "4710000777001", "quantity": "3", "scan_submit": ""})
    html = client.get(url).content.decode()
    assert "Received 3 / 4 units" in html
    assert "1 more expected (3 / 4)" in html


def test_the_floor_home_offers_each_role_only_its_screens(client, receiver, picker, inbound_order):
    client.force_login(receiver)
    html = client.get(reverse("floor-home")).content.decode()
    assert 'id="floor-section-receive"' in html and "IB-FLOOR" in html
    assert 'id="floor-section-pick"' not in html and 'id="floor-section-ship"' not in html
    client.force_login(picker)
    html = client.get(reverse("floor-home")).content.decode()
    assert 'id="floor-section-receive"' not in html and "IB-FLOOR" not in html
    assert 'id="floor-section-pick"' in html and 'id="floor-section-ship"' in html


def test_a_scanned_order_or_tracking_number_opens_its_screen(client, receiver, inbound_order):
    client.force_login(receiver)
    receive = reverse("admin:inbound_inboundorder_receive", args=[inbound_order.pk])
    for code in ("IB-FLOOR", "TRK-IN-1"):
        response = client.post(reverse("floor-home"), {"code": code})
        assert response.status_code == 302 and response.url == receive


def test_an_unknown_code_on_the_floor_home_is_named_and_kept(client, receiver, picker, warehouse, stocked):
    product = stocked(3)
    outbound_order_create(actor=ONEWAREHOUSE, outbound_order_no="OB-NOT-FOR-RECEIVERS", warehouse_code=warehouse.code,
                          owner_code="MERCHANT-A", items=[{"sku_id": product.sku_id, "quantity": 1}],
                          recipient={"name": "L", "country_code": "TW", "city": "T", "address1": "A"},
                          logistics={"provider_code": "TCAT"})
    client.force_login(receiver)  # an outbound order is no receiver's: not found for them
    response = client.post(reverse("floor-home"), {"code": "OB-NOT-FOR-RECEIVERS"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "OB-NOT-FOR-RECEIVERS: no order or parcel you may work on" in html
    assert 'value="OB-NOT-FOR-RECEIVERS"' in html
    client.force_login(picker)
    response = client.post(reverse("floor-home"), {"code": "OB-NOT-FOR-RECEIVERS"})
    order = OutboundOrder.objects.get(outbound_order_no="OB-NOT-FOR-RECEIVERS")
    assert response.url == reverse("admin:outbound_outboundorder_pick", args=[order.pk])


@pytest.fixture
def packed_order(warehouse, stocked, picker):
    product = stocked(3, ProductFactory(barcode="4710000777101"))
    order, _ = outbound_order_create(
        actor=ONEWAREHOUSE, outbound_order_no="OB-DOCK", warehouse_code=warehouse.code, owner_code="MERCHANT-A",
        items=[{"sku_id": product.sku_id, "quantity": 1}],
        recipient={"name": "L", "country_code": "TW", "city": "T", "address1": "A"}, logistics={"provider_code": "T"})
    pick_all(order, picker)
    pack_one(order, picker)
    order.refresh_from_db()
    return order


def test_the_ship_dock_refuses_a_parcel_that_is_not_labelled_naming_it(client, picker, packed_order):
    client.force_login(picker)
    response = client.post(reverse("admin:outbound_outboundorder_ship_dock"), {"code": "OB-DOCK"}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200 and "OB-DOCK: OB-DOCK is Packed and cannot ship" in html
    packed_order.refresh_from_db()
    assert packed_order.status == OutboundOrder.Status.PACKED
    response = client.post(reverse("admin:outbound_outboundorder_ship_dock"), {"code": ""})
    assert "Scanned parcel: Scan a parcel&#x27;s label or type its order number." in response.content.decode()


def test_the_label_check_compares_the_scanned_label_with_the_order(client, picker, packed_order):
    OutboundOrder.objects.filter(pk=packed_order.pk).update(label_file="labels/x.pdf", tracking_no="TRK-OUT-9")
    client.force_login(picker)
    url = reverse("admin:outbound_outboundorder_print", args=[packed_order.pk])
    page = client.post(url, {"code": "TRK-OUT-9"}, follow=True).content.decode()
    assert "Label checked: TRK-OUT-9 is OB-DOCK&#x27;s label" in page
    page = client.post(url, {"code": "TRK-OTHER"}, follow=True).content.decode()
    assert "TRK-OTHER is not this order&#x27;s label: OB-DOCK has tracking TRK-OUT-9" in page


def test_the_admin_home_links_the_floor_screens_for_floor_roles_only(client, receiver, django_user_model):
    client.force_login(receiver)
    assert 'id="floor-home-link"' in client.get(reverse("admin:index")).content.decode()
    clerk = django_user_model.objects.create_user("clerk", password="x", is_staff=True)  # staff, no floor role
    client.force_login(clerk)
    assert 'id="floor-home-link"' not in client.get(reverse("admin:index")).content.decode()
    assert "Your roles open no floor screen" in client.get(reverse("floor-home")).content.decode()
