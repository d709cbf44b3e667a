"""End to end over real HTTP against the OneWarehouse simulator: the inbound callback, the label (base64 and URL)
and the ship callback are signed, accepted and stored.
"""

import pytest

from integrations.onewarehouse.senders import SENDERS
from simulators.onewarehouse.labels import EXTENSIONS
from tests.factories import ProductFactory
from tests.wms.outbound.helpers import pick_all
from wms.core.actors import ONEWAREHOUSE
from wms.inbound.services import (
    LineCount,
    inbound_order_complete,
    inbound_order_record_counts,
    inbound_order_upsert,
)
from wms.outbound.models import OutboundOrder
from wms.outbound.services import (
    PackageSpec,
    outbound_order_create,
    outbound_order_label_request,
    outbound_order_pack,
    outbound_order_ship,
)
from wms.outbox.models import OutboxMessage
from wms.outbox.registry import sender_register


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("label_mode, label_format, magic", [
    ("base64", "PDF", b"%PDF"), ("url", "PDF", b"%PDF"), ("base64", "PNG", b"\x89PNG"), ("url", "ZPL", b"^XA")])
def test_receipt_label_and_ship_callbacks_are_accepted_by_the_simulator(
        simulators_live, warehouse, receiver, picker, settings, tmp_path, label_mode, label_format, magic):
    for kind, sender in SENDERS.items():
        sender_register(kind, sender)
    settings.MEDIA_ROOT = tmp_path
    settings.SIMULATOR_ONEWAREHOUSE_LABEL_MODE = label_mode
    settings.SIMULATOR_ONEWAREHOUSE_LABEL_FORMAT = label_format
    product = ProductFactory()
    inbound, _ = inbound_order_upsert(inbound_order_no="IB-E2E", order_type="PURCHASE", warehouse_code=warehouse.code,
                                      owner_code="MERCHANT-A", items=[{"sku_id": product.sku_id, "quantity": 5}])
    inbound_order_record_counts(order=inbound, counts=[LineCount(inbound.lines.get().pk, 4, 1)], actor=receiver)
    inbound_order_complete(order=inbound, actor=receiver)  # committed: the callback goes out over HTTP

    order, _ = outbound_order_create(actor=ONEWAREHOUSE,
        outbound_order_no="OB-E2E", warehouse_code=warehouse.code, owner_code="MERCHANT-A",
        items=[{"sku_id": product.sku_id, "quantity": 2}],
        recipient={"name": "Lin", "country_code": "TW", "city": "Taipei", "address1": "No. 7"},
        logistics={"provider_code": "TCAT"})
    line = order.lines.get()
    pick_all(order, picker)
    outbound_order_pack(order=order, packages=[PackageSpec("0.5", "10", "10", "10", {line.pk: 2})], actor=picker)
    outbound_order_label_request(order=order, actor=picker)
    order.refresh_from_db()
    assert order.status == OutboundOrder.Status.LABELLED and order.label_file.read().startswith(magic)
    assert order.label_format == label_format and order.label_file.name.endswith("." + EXTENSIONS[label_format])
    outbound_order_ship(order=order, actor=picker)

    sent = dict(OutboxMessage.objects.values_list("kind", "status"))
    assert sent == {"INBOUND_CALLBACK": "SENT", "SHIPPING_LABEL": "SENT", "OUTBOUND_CALLBACK": "SENT"}
    label = OutboxMessage.objects.get(kind="SHIPPING_LABEL").response
    assert label["source"] == f"label_{label_mode}" and order.tracking_no == label["tracking_no"]
