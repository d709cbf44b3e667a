"""An order's timeline in a real browser: a push, the floor's steps and the calls to OneWarehouse (its simulator),
newest first, read at a desk's width (1366 px) and a handheld's (412 px)."""

import json

import pytest
import requests
from django.urls import reverse
from playwright.sync_api import expect

from integrations.onewarehouse.auth import signed_headers
from tests.helpers import ONEWAREHOUSE_EXAMPLES
from tests.wms.outbound.helpers import pack_one, pick_all
from wms.outbound.models import OutboundOrder
from wms.outbound.services import outbound_order_label_request
from wms.outbox.models import OutboxMessage
from wms.outbox.services import outbox_message_dispatch

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_orders_timeline_reads_newest_first_at_1366_and_412_px(page, login, simulators_live, warehouse, stocked,
                                                                  picker, supervisor, settings):
    from tests.factories import ProductFactory

    settings.ONEWAREHOUSE_SIGNATURE_MODE = "md5"
    for sku_id in ("OW-100234", "OW-100235"):
        stocked(10, ProductFactory(sku_id=sku_id))
    body = (ONEWAREHOUSE_EXAMPLES / "outbound_create.json").read_bytes()
    keys = simulators_live.keys
    answer = requests.post(simulators_live.url + reverse("onewarehouse:outbound_create"), data=body, timeout=30,
                           headers={"Content-Type": "application/json", **signed_headers(
                               mode="md5", app_key=keys.push_app_key, app_secret=keys.push_app_secret, body=body)})
    assert answer.json()["code"] == 0, answer.text
    order = OutboundOrder.objects.get(outbound_order_no=json.loads(body)["outbound_order_no"])
    pick_all(order, picker)
    pack_one(order, picker)
    outbound_order_label_request(order=order, actor=picker)
    outbox_message_dispatch(message_id=OutboxMessage.objects.get().pk)  # no worker here: sent now, to the simulator
    order.refresh_from_db()
    assert order.status == OutboundOrder.Status.LABELLED

    login(supervisor.username)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"/admin/outbound/outboundorder/{order.pk}/change/")
    timeline = page.locator("#order-timeline")
    expect(timeline.locator("h2")).to_have_text("Timeline (newest first)")
    items = timeline.locator("li")
    expect(items.first).to_contain_text("Call sent: Get shipping label")
    # The push's log row is written last in its transaction: it reads just after the order it created.
    expect(items.last).to_contain_text("Created — 2 line(s), 3 unit(s)")
    expect(timeline).to_contain_text("Push from OneWarehouse: outbound create — HTTP 200, code 0")
    expect(timeline).to_contain_text("Packed → Labelled")
    expect(timeline).to_contain_text(f"by {picker.username}")
    timeline.scroll_into_view_if_needed()
    page.screenshot_as("order-timeline-1366")

    page.set_viewport_size({"width": 412, "height": 900})
    page.goto(f"/admin/outbound/outboundorder/{order.pk}/change/")
    timeline.scroll_into_view_if_needed()
    box = timeline.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 412  # the timeline fits a handheld, never wider
    time_box, what_box = items.first.locator("time").bounding_box(), items.first.locator("div").first.bounding_box()
    assert what_box["y"] > time_box["y"]  # one column: the time above what happened
    page.screenshot_as("order-timeline-412")
