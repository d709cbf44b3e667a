"""Inbound orders in tests: made through the service, received through the admin's receive page."""

from django.urls import reverse

from tests.factories import ProductFactory
from tests.helpers import ONEWAREHOUSE_URL
from wms.inbound.services import inbound_order_upsert
from wms.outbox.models import OutboxMessage

CALLBACK_URL = ONEWAREHOUSE_URL + "/openapi/wms/inbound-orders/callback"
OK = {"code": 0, "success": True, "msg": "success", "data": {}}


def inbound(products, number="IB-1", **overrides):
    data = dict(inbound_order_no=number, order_type="PURCHASE", warehouse_code="TW-TPE-01", owner_code="MERCHANT-A",
                items=[{"sku_id": p.sku_id, "quantity": q} for p, q in products], tracking_no="SF1")
    data.update(overrides)
    return inbound_order_upsert(**data)


def example_purchase_order(warehouse):
    """The contract's example purchase IB202611230001: 5 of OW-100234 and 10 of OW-100235, with their barcodes."""
    a = ProductFactory(sku_id="OW-100234", barcode="4710000100234", sku_code="TSHIRT-BLK-M")
    b = ProductFactory(sku_id="OW-100235", barcode="4710000100235", sku_code="TSHIRT-BLK-L")
    order, _ = inbound_order_upsert(
        inbound_order_no="IB202611230001", order_type="PURCHASE", warehouse_code=warehouse.code,
        owner_code="MERCHANT-A", items=[{"sku_id": a.sku_id, "quantity": 5}, {"sku_id": b.sku_id, "quantity": 10}])
    return order


def receive_url(order):
    return reverse("admin:inbound_inboundorder_receive", args=[order.pk])


def lines_of(order):
    return {line.product.sku_id: line for line in order.lines.select_related("product")}


def post_counts(client, order, counts, follow=False, **extra):
    lines = lines_of(order)
    data = {}
    for sku, (good, damaged) in counts.items():
        data[f"good_{lines[sku].pk}"], data[f"damaged_{lines[sku].pk}"] = good, damaged
    return client.post(receive_url(order), {**data, **extra}, follow=follow)


def complete(client, order, receiver):
    """The receiver counts the example purchase in full and completes it."""
    client.force_login(receiver)
    return post_counts(client, order, {"OW-100234": (5, 0), "OW-100235": (10, 0)}, complete="Complete")


def callback_message():
    return OutboxMessage.objects.get(kind=OutboxMessage.Kind.INBOUND_CALLBACK)
