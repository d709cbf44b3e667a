"""Products arriving after their order: with ``ONEWAREHOUSE_UNKNOWN_SKU=placeholder`` (the field profile's choice)
an order naming an unknown sku_id is accepted with a placeholder product; the contract keeps unknown_sku (1002)."""

import pytest
from django.urls import reverse

from tests.integrations.onewarehouse.helpers import E, field_fixture_load, fixture_load
from tests.wms.outbound.helpers import PDF, pick_all
from wms.catalog.models import PLACEHOLDER_NAME, Product
from wms.inbound.models import InboundOrder
from wms.inbound.services import LineCount, inbound_order_complete, inbound_order_record_counts
from wms.inventory.models import StockLevel
from wms.outbound.models import OutboundOrder
from wms.outbound.services import (
    PackageSpec,
    outbound_order_label_store,
    outbound_order_pack,
    outbound_order_ship,
)
from wms.outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db
Status = OutboundOrder.Status


@pytest.fixture
def placeholders(ow_settings):
    ow_settings.ONEWAREHOUSE_UNKNOWN_SKU = "placeholder"
    return ow_settings


def test_the_contract_profile_still_refuses_an_unknown_sku(push, warehouse, ow_settings):
    ow_settings.ONEWAREHOUSE_UNKNOWN_SKU = ""  # the profile's choice: the contract (tests/conftest.py) refuses
    answer = push(E.OUTBOUND_CREATE, fixture_load("outbound_create")).json()
    assert answer["code"] == 1002 and set(answer["errors"]) == {"items.0.sku_id", "items.1.sku_id"}
    assert not Product.objects.exists() and not OutboundOrder.objects.exists()


def test_the_field_profile_takes_the_order_with_placeholders(push, warehouse, ow_settings):
    ow_settings.ONEWAREHOUSE_UNKNOWN_SKU = ""
    ow_settings.ONEWAREHOUSE_PROFILE = "v20210901"
    ow_settings.ONEWAREHOUSE_SIGNATURE_MODE = "md5"  # the push helper signs with the contract's recipe
    # The field page's purchase (docs/contracts/onewarehouse/v20210901/examples/), in its names and answer.
    assert push(E.INBOUND_PURCHASE, field_fixture_load("inbound_purchase")).json()["code"] == "SUCCESS"
    assert Product.objects.filter(awaiting_data=True).count() == 2


def test_an_order_whose_products_arrive_after_it_is_received_and_shipped(
        push, placeholders, warehouse, receiver, picker, client, supervisor, django_capture_on_commit_callbacks):
    # The outbound order and the purchase come first: both accepted, the products are placeholders of the merchant.
    answer = push(E.OUTBOUND_CREATE, fixture_load("outbound_create")).json()
    assert (answer["code"], answer["data"]["status"]) == (0, Status.BACKORDERED)
    assert push(E.INBOUND_PURCHASE, fixture_load("inbound_purchase")).json()["code"] == 0
    waiting = Product.objects.filter(awaiting_data=True).select_related("owner")
    assert {(p.sku_id, p.name, p.owner.owner_code) for p in waiting} == {
        ("OW-100234", PLACEHOLDER_NAME, "MERCHANT-A"), ("OW-100235", PLACEHOLDER_NAME, "MERCHANT-A")}
    client.force_login(supervisor)
    console = client.get(reverse("integration-console")).content.decode()
    assert "OW-100234" in console and "OW-100235" in console

    # Then the product syncs: each completes its placeholder (the first time its data arrives: created).
    first = fixture_load("product_sync")
    second = {**first, "sku_id": "OW-100235", "sku_code": "TSHIRT-BLK-L", "barcode": "4710000100235",
              "product_name": "Cotton T-shirt, black, L"}
    for product in (first, second):
        answer = push(E.PRODUCT_SYNC, product).json()
        assert answer == {"code": 0, "success": True, "msg": "success",
                          "data": {"sku_id": product["sku_id"], "created": True}}
    assert not Product.objects.filter(awaiting_data=True).exists()
    assert Product.objects.get(sku_id="OW-100234").name == "Cotton T-shirt, black, M"
    assert "None waiting." in client.get(reverse("integration-console")).content.decode()

    # Received: the stock arrives and the backordered order is allocated.
    receipt = InboundOrder.objects.get()
    counts = [LineCount(line.pk, line.expected_qty) for line in receipt.lines.all()]
    inbound_order_record_counts(order=receipt, counts=counts, actor=receiver)
    with django_capture_on_commit_callbacks(execute=True):
        inbound_order_complete(order=receipt, actor=receiver)
    order = OutboundOrder.objects.get()
    assert order.status == Status.ALLOCATED

    # Picked, packed, labelled, shipped.
    lines = list(order.lines.all())
    pick_all(order, picker)
    outbound_order_pack(order=order, actor=picker,
                        packages=[PackageSpec("0.65", "32", "26", "6", {ln.pk: ln.quantity for ln in lines})])
    outbound_order_label_store(order_id=order.pk, content=PDF, label_format="PDF", tracking_no="TCAT1")
    order.refresh_from_db()
    outbound_order_ship(order=order, actor=picker)
    order.refresh_from_db()
    assert order.status == Status.SHIPPED
    levels = dict(StockLevel.objects.values_list("product__sku_id", "on_hand"))
    assert levels == {"OW-100234": 118, "OW-100235": 59}
    callback = OutboxMessage.objects.get(kind=OutboxMessage.Kind.OUTBOUND_CALLBACK)
    shipped = {(i["sku_id"], i["quantity"]) for package in callback.payload["packages"] for i in package["items"]}
    assert shipped == {("OW-100234", 2), ("OW-100235", 1)}
