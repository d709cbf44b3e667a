"""The order page and list as staff meet them: one label request at a time, a new label only with a reason, bulk
Ship asks first, the pack page's refusals on their fields."""

import pytest
from django.contrib.admin import helpers

from tests.wms.outbound.helpers import order_create, pack_one, pick_all, url
from wms.core.errors import DomainValidationError
from wms.core.forms import form_error_texts
from wms.outbound.forms import PackForm
from wms.outbound.models import OutboundOrder
from wms.outbound.services import outbound_order_label_request, outbound_order_label_store, outbound_order_pack
from wms.outbox.models import OutboxMessage

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ow_labels")]
Status = OutboundOrder.Status
PDF = b"%PDF-1.4\n%%EOF\n"


def packed(warehouse, picker, number="OB-PAGES"):
    order = order_create(warehouse, number=number)
    pick_all(order, picker)
    pack_one(order, picker)
    order.refresh_from_db()
    return order


def test_no_second_label_button_while_one_is_on_its_way(client, warehouse, products, picker):
    order = packed(warehouse, picker)
    client.force_login(picker)
    page = client.get(url("change", order)).content.decode()
    assert "Get shipping label" in page and 'id="label-request"' in page
    client.post(url("label_request", order), {"reason": ""})
    page = client.get(url("change", order)).content.decode()
    assert "Label being fetched" in page
    assert ">Get shipping label</a>" not in page and 'id="label-request"' not in page


def test_a_new_label_needs_a_reason_kept_on_its_request(client, warehouse, products, picker):
    order = packed(warehouse, picker)
    outbound_order_label_store(order_id=order.pk, content=PDF, label_format="PDF", tracking_no="TCAT1")
    OutboxMessage.objects.filter(kind=OutboxMessage.Kind.SHIPPING_LABEL).update(status=OutboxMessage.Status.SENT)
    with pytest.raises(DomainValidationError, match="needs a reason") as refused:
        outbound_order_label_request(order=order, actor=picker, reason="  ")
    assert "reason" in refused.value.errors

    client.force_login(picker)
    page = client.get(url("change", order)).content.decode()
    assert ">Get shipping label</a>" not in page and "Fetch the label again…" in page
    before = OutboxMessage.objects.filter(kind=OutboxMessage.Kind.SHIPPING_LABEL).count()
    answer = client.post(url("label_request", order), {"reason": ""}, follow=True).content.decode()
    assert "needs a reason" in answer
    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.SHIPPING_LABEL).count() == before
    client.post(url("label_request", order), {"reason": "the label got wet"})
    latest = OutboxMessage.objects.filter(kind=OutboxMessage.Kind.SHIPPING_LABEL).latest("pk")
    assert latest.status == OutboxMessage.Status.PENDING
    assert latest.payload["refetch_reason"] == "the label got wet"

    # The list action has no reason to give: a labelled order is named and left alone.
    answer = client.post(url("changelist"), {"action": "request_label", helpers.ACTION_CHECKBOX_NAME: [order.pk]},
                         follow=True).content.decode()
    assert f"{order.outbound_order_no}" in answer and "needs a reason" in answer


def test_bulk_ship_asks_first(client, warehouse, products, picker):
    order = packed(warehouse, picker)
    outbound_order_label_store(order_id=order.pk, content=PDF, label_format="PDF", tracking_no="TCAT1")
    client.force_login(picker)
    selected = {"action": "ship", helpers.ACTION_CHECKBOX_NAME: [order.pk]}
    page = client.post(url("changelist"), selected).content.decode()
    assert "Ship the selected orders?" in page and order.outbound_order_no in page and "Yes, ship" in page
    order.refresh_from_db()
    assert order.status == Status.LABELLED
    answer = client.post(url("changelist"), {**selected, "confirmed": "yes"}, follow=True).content.decode()
    order.refresh_from_db()
    assert order.status == Status.SHIPPED, answer


def test_a_pack_refusal_lands_on_the_fields_it_is_about(warehouse, products, picker):
    """Two parcels, the second measured but empty and a line under-packed: each refusal of the service is put
    beside the input it is about, named by its label."""
    order = order_create(warehouse)
    pick_all(order, picker)
    first, second = order.lines.order_by("pk")
    data = {"p1_weight_kg": "1", "p1_length_cm": "2", "p1_width_cm": "3", "p1_height_cm": "4",
            f"p1_line_{first.pk}": "1", f"p1_line_{second.pk}": "1",
            "p2_weight_kg": "1", "p2_length_cm": "2", "p2_width_cm": "3", "p2_height_cm": "4"}
    form = PackForm(data, lines=[first, second], rows=3)
    assert form.is_valid()
    with pytest.raises(DomainValidationError) as refused:
        outbound_order_pack(order=order, packages=form.packages(), actor=picker)
    form.service_errors(refused.value.errors)
    assert form.errors[f"p2_line_{first.pk}"] == ["A package holds at least one item."]
    assert form.errors[f"p1_line_{first.pk}"] == ["OW-100234: 1 packed, 2 picked."]
    assert form_error_texts(form) == ["PKG-2 OW-100234 units: A package holds at least one item.",
                                      "PKG-1 OW-100234 units: OW-100234: 1 packed, 2 picked."]
    form.service_errors({"packages": ["Required."]})
    assert form.errors["__all__"] == ["Required."]


def test_a_backordered_order_says_which_sku_is_short_by_how_many(client, warehouse, products, picker):
    order = order_create(warehouse, number="OB-SHORT",
                         items=[{"sku_id": "OW-100234", "quantity": 12}, {"sku_id": "OW-100235", "quantity": 1}])
    assert order.status == Status.BACKORDERED
    client.force_login(picker)
    page = client.get(url("change", order)).content.decode()
    assert "OW-100234: needs 12, 10 available" in page and "OW-100235: needs" not in page
    answer = client.post(url("changelist"), {"action": "allocate", helpers.ACTION_CHECKBOX_NAME: [order.pk]},
                         follow=True).content.decode()
    assert "OB-SHORT: not enough stock, backordered (OW-100234: needs 12, 10 available)." in answer
