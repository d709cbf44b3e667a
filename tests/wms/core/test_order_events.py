"""The orders' timeline (issue 17, item 6): every state change and staff action on an order is an ``OrderEvent``
(who, when, what, from which screen or push), written in the change's transaction; the order's page shows them
newest first, merged with its calls to OneWarehouse and the request log rows about it."""

import re
from datetime import datetime

import pytest
import responses
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import UserFactory
from tests.helpers import ONEWAREHOUSE_URL, PUBLIC_IP, hosts_resolve, onewarehouse_callbacks_configure
from tests.integrations.onewarehouse.helpers import PUSH_KEY, PUSH_SECRET, exchange_last, fixture_load
from tests.wms.inbound.helpers import CALLBACK_URL as INBOUND_CALLBACK_URL
from tests.wms.inbound.helpers import post_counts
from tests.wms.outbound.helpers import LABEL_URL, PDF, label_answer, order_create, pack_one, pick_all, pick_units, url
from wms.core.actors import ONEWAREHOUSE, actor_command
from wms.core.events import event_source, event_source_current
from wms.core.models import OrderEvent
from wms.core.roles import Role
from wms.inbound.models import InboundOrder
from wms.outbound.models import OutboundOrder, PutBackTask, ShortPick
from wms.outbound.selectors import outbound_pick_directions
from wms.outbound.services import (
    outbound_order_callback_retry,
    outbound_order_cancel,
    outbound_order_label_request,
    outbound_order_label_store,
    outbound_order_short_pick_report,
    put_back_confirm,
    short_pick_resolve,
)
from wms.outbound.tasks import outbound_backorders_allocate
from wms.outbox.models import OutboxMessage
from wms.outbox.services import outbox_message_dispatch

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ow_labels")]
Kind, Source = OrderEvent.Kind, OrderEvent.Source
OB, IB = OutboundOrder.Status, InboundOrder.Status
FILE_URL = "https://label.example.com/TCAT660012345678.pdf"
OUTBOUND_CALLBACK_URL = ONEWAREHOUSE_URL + "/openapi/wms/outbound-orders/callback"
OK = {"code": 0, "success": True, "msg": "success", "data": {}}


@pytest.fixture(autouse=True)
def label_hosts_resolve(monkeypatch):
    hosts_resolve(monkeypatch, {"ow-sandbox.test": PUBLIC_IP, "label.example.com": PUBLIC_IP})


@pytest.fixture
def push(push, settings):
    """conftest's signed pushes, with our calls going to OneWarehouse's sandbox too: a timeline has both."""
    onewarehouse_callbacks_configure(settings, base_url=ONEWAREHOUSE_URL)
    settings.ONEWAREHOUSE_KEYS["sandbox"].update(push_app_key=PUSH_KEY, push_app_secret=PUSH_SECRET)
    return push


def events_of(order) -> list[tuple]:
    """The order's events, oldest first: (kind, from, to, actor, source, source detail)."""
    return [(e.kind, e.from_status, e.to_status, e.actor, e.source, e.source_detail)
            for e in OrderEvent.objects.filter(order_id=order.pk, order_no=str(order)).order_by("pk")]


def event_inserts(queries) -> int:
    return sum('INSERT INTO "core_orderevent"' in q["sql"] for q in queries)


def timeline_items(html: str) -> list[str]:
    block = html.split('id="order-timeline"', 1)[1].split("</ol>", 1)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item.split(">", 1)[1])).strip()
            for item in block.split("<li")[1:]]


def timeline_times(html: str) -> list[datetime]:
    block = html.split('id="order-timeline"', 1)[1].split("</ol>", 1)[0]
    return [datetime.fromisoformat(stamp) for stamp in re.findall(r'<time datetime="([^"]+)"', block)]


# --- Outbound: a push, then the floor, each step with who and from where ----------------------------------------

def test_an_outbound_order_from_its_push_to_ship_records_each_step_with_who_and_from_where(
        client, push, stocked_catalogue, picker, supervisor, django_capture_on_commit_callbacks):
    with CaptureQueriesContext(connection) as pushed:
        assert push("outbound_create", fixture_load("outbound_create")).json()["code"] == 0
    exchange = exchange_last()
    order = OutboundOrder.objects.get(outbound_order_no="OB202611230042")
    # "Created" and its allocation: one INSERT on the intake's path, and nothing read for it.
    assert event_inserts(pushed.captured_queries) == 1
    assert not any("core_orderevent" in q["sql"] for q in pushed.captured_queries if q["sql"].startswith("SELECT"))
    push_source = (Source.PUSH, "OneWarehouse Outbound creation")
    assert events_of(order) == [
        (Kind.CREATED, "", OB.CREATED, "system:onewarehouse", *push_source),
        (Kind.STATUS, OB.CREATED, OB.ALLOCATED, "system:onewarehouse", *push_source),
    ]
    assert set(OrderEvent.objects.values_list("exchange_id", flat=True)) == {exchange.pk}
    assert OrderEvent.objects.get(kind=Kind.STATUS).summary == "Created → Allocated: stock reserved"

    client.force_login(picker)
    for stop in outbound_pick_directions(order_ids=[order.pk]):  # the bin, then each unit of the item in it
        for code in [stop.location.barcode] + [stop.product.sku_id] * stop.quantity:
            client.post(url("pick", order), {"code": code, "scan_submit": ""})
    lines = list(order.lines.order_by("pk"))
    client.post(url("pack", order), {"p1_weight_kg": "0.650", "p1_length_cm": "32", "p1_width_cm": "26",
                                     "p1_height_cm": "6", f"p1_line_{lines[0].pk}": 2, f"p1_line_{lines[1].pk}": 1})
    with responses.RequestsMock() as peer:
        peer.add(responses.POST, LABEL_URL, json=label_answer(order.outbound_order_no))
        peer.add(responses.GET, FILE_URL, body=PDF, content_type="application/pdf")
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url("label_request", order))
    label_message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.SHIPPING_LABEL)
    with responses.RequestsMock() as peer:
        peer.add(responses.POST, OUTBOUND_CALLBACK_URL, json=OK)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url("ship", order))
    order.refresh_from_db()
    assert order.status == OB.SHIPPED

    who = picker.username
    pick_page, pack_page = (Source.SCREEN, "Outbound order › pick"), (Source.SCREEN, "Outbound order › pack")
    assert events_of(order)[2:] == [
        (Kind.STATUS, OB.ALLOCATED, OB.PICKING, who, *pick_page),
        (Kind.PICKS_SAVED, "", "", who, *pick_page),
        (Kind.PICKS_SAVED, "", "", who, *pick_page),
        (Kind.PICKS_SAVED, "", "", who, *pick_page),
        (Kind.STATUS, OB.PICKING, OB.PACKED, who, *pack_page),
        (Kind.LABEL_REQUESTED, "", "", who, Source.SCREEN, "Outbound order › label request"),
        (Kind.STATUS, OB.PACKED, OB.LABELLED, "system:outbox", Source.TASK,
         f"outbox message #{label_message.pk}: Get shipping label"),
        (Kind.STATUS, OB.LABELLED, OB.SHIPPED, who, Source.SCREEN, "Outbound order › ship"),
    ]
    staff = OrderEvent.objects.filter(source=Source.SCREEN)
    assert {e.user_id for e in staff} == {picker.pk} and {e.actor for e in staff} == {picker.username}
    assert OrderEvent.objects.get(to_status=OB.LABELLED).summary == (
        "Packed → Labelled: PDF label, tracking number TCAT660012345678")
    assert list(OrderEvent.objects.filter(order_id=order.pk, kind=Kind.PICKS_SAVED).order_by("pk")
                .values_list("summary", flat=True)) == ["OW-100234: 1 taken from bin DOCK (1 of 2 picked)",
                                                        "OW-100234: 1 taken from bin DOCK (2 of 2 picked)",
                                                        "OW-100235: 1 taken from bin DOCK (1 of 1 picked)"]

    # The order's page: its events, its calls and the request log rows, merged, newest first.
    client.force_login(supervisor)
    html = client.get(url("change", order)).content.decode()
    times = timeline_times(html)
    assert times == sorted(times, reverse=True) and len(times) == len(timeline_items(html))
    items = timeline_items(html)
    assert items[0].startswith(times[0].strftime("%Y-%m-%d")) and "Outbound order callback" in items[0]
    assert "Call sent: Outbound order callback" in items[0]
    text = "\n".join(items)
    for expected in ("Push from OneWarehouse: outbound create — HTTP 200, code 0", "Created — 2 line(s), 3 unit(s)",
                     "by OneWarehouse (system) · Push from a peer: OneWarehouse Outbound creation (request log #",
                     f"Status changed — Allocated → Picking by {picker.username}",
                     "Staff screen: Outbound order › pick",
                     "Call queued: Get shipping label", "Call sent: Get shipping label",
                     "Call to OneWarehouse: shipping label — HTTP 200", "Labelled → Shipped"):
        assert expected in text, expected
    # Each kind of entry in its place: the push is older than the allocation it caused, the ship newest.
    assert text.index("Labelled → Shipped") < text.index("Allocated → Picking") < text.index("Push from OneWarehouse")
    # A Supervisor may open the rows a timeline names; a Picker sees the same lines without the request log links.
    assert reverse("admin:apilog_apiexchange_change", args=[exchange.pk]) in html
    client.force_login(picker)
    picker_html = client.get(url("change", order)).content.decode()
    assert reverse("admin:apilog_apiexchange_change", args=[exchange.pk]) not in picker_html
    assert len(timeline_items(picker_html)) == len(items)


def test_a_push_whose_work_is_rolled_back_leaves_no_event(push, stocked_catalogue, monkeypatch):
    # The answer is rendered inside the transaction: an answer that cannot be rendered undoes the order, and its
    # events with it.
    def crash(*args, **kwargs):
        raise RuntimeError("cannot render")

    monkeypatch.setattr("integrations.onewarehouse.services.answer_ok", crash)
    assert push("outbound_create", fixture_load("outbound_create")).json()["code"] != 0
    assert not OutboundOrder.objects.exists()
    assert not OrderEvent.objects.exists()


def test_a_staff_step_rolled_back_leaves_no_event(warehouse, products, picker):
    order = order_create(warehouse)
    before = OrderEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        pick_units(order, picker, order.lines.first().product, 1)
        assert OrderEvent.objects.count() == before + 2  # Allocated → Picking, and picked
        raise RuntimeError("the page's transaction failed after the step")
    assert OrderEvent.objects.count() == before
    order.refresh_from_db()
    assert order.status == OB.ALLOCATED


def test_a_refused_step_records_nothing(warehouse, products, picker):
    order = order_create(warehouse)
    before = OrderEvent.objects.count()
    with pytest.raises(Exception, match="not packed yet"):
        outbound_order_label_request(order=order, actor=picker)
    assert OrderEvent.objects.count() == before


def test_the_floors_other_steps_are_events_with_their_words(warehouse, products, picker, supervisor,
                                                            django_capture_on_commit_callbacks):
    order = order_create(warehouse, items=[{"sku_id": "OW-100234", "quantity": 2}])
    line = order.lines.get()
    pick_units(order, picker, line.product, 1)
    outbound_order_short_pick_report(order=order, actor=picker, note="shelf empty")
    short_pick_resolve(short_pick=ShortPick.objects.get(), actor=supervisor, resolution="found one in returns")
    pick_units(order, picker, line.product, 1)
    pack_one(order, picker)
    outbound_order_label_store(order_id=order.pk, content=PDF, label_format="PDF", tracking_no="T-1")
    outbound_order_label_request(order=order, actor=picker, reason="the label got wet")
    outbound_order_label_store(order_id=order.pk, content=PDF + b"\n", label_format="PDF", tracking_no="T-2")
    with event_source(kind=Source.PUSH, detail="OneWarehouse Outbound cancellation (interception)"):
        outbound_order_cancel(outbound_order_no=order.outbound_order_no, actor=ONEWAREHOUSE, reason="buyer left")
        outbound_order_cancel(outbound_order_no=order.outbound_order_no, actor=ONEWAREHOUSE, reason="buyer left")
    put_back_confirm(task=PutBackTask.objects.get(), actor=picker)

    words = dict(OrderEvent.objects.filter(order_id=order.pk).exclude(kind=Kind.STATUS).order_by("pk")
                 .values_list("kind", "summary"))  # the last of each kind
    assert words == {
        Kind.CREATED: "1 line(s), 2 unit(s), to Taipei, carrier TCAT",
        Kind.PICKS_SAVED: "OW-100234: 1 taken from bin DOCK (2 of 2 picked)",
        Kind.SHORT_PICK_REPORTED: "OW-100234 1 of 2 found (shelf empty)",
        Kind.SHORT_PICK_RESOLVED: "OW-100234: found one in returns",
        Kind.LABEL_REFETCH_REQUESTED: "a new label asked of OneWarehouse because: the label got wet",
        Kind.LABEL_STORED: "PDF label, tracking number T-2 replaces the previous one",
        Kind.CANCEL_ASKED: "interception asked again: answered that it is cancelled already",
        Kind.PUT_BACK_CONFIRMED: "2 unit(s) of OW-100234 back on the shelf",
    }
    cancelled = OrderEvent.objects.get(order_id=order.pk, to_status=OB.CANCELLED)
    assert cancelled.summary == "Labelled → Cancelled: intercepted (buyer left); picked goods are to be put back"
    assert (cancelled.actor, cancelled.source, cancelled.user) == ("system:onewarehouse", Source.PUSH, None)
    resolved = OrderEvent.objects.get(kind=Kind.SHORT_PICK_RESOLVED)
    assert (resolved.actor, resolved.user) == (supervisor.username, supervisor)
    # Called outside any screen, push or task: a staff member's step is "admin", the outbox's the system's.
    assert resolved.source == Source.SCREEN and resolved.source_detail == "admin"
    assert OrderEvent.objects.get(kind=Kind.LABEL_STORED).source == Source.SYSTEM


def test_a_callback_retried_by_staff_is_an_event(client, warehouse, products, picker, ow_callbacks):
    order = order_create(warehouse, items=[{"sku_id": "OW-100234", "quantity": 1}])
    pick_all(order, picker)
    pack_one(order, picker)
    outbound_order_label_store(order_id=order.pk, content=PDF, label_format="PDF", tracking_no="T-1")
    client.force_login(picker)
    client.post(url("ship", order))
    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.OUTBOUND_CALLBACK)
    with responses.RequestsMock() as peer:
        peer.add(responses.POST, OUTBOUND_CALLBACK_URL, status=400, json={"code": 1001, "msg": "bad"})
        outbox_message_dispatch(message_id=message.pk)
    client.post(url("callback_retry", order))
    retried = OrderEvent.objects.get(kind=Kind.CALLBACK_RETRIED)
    assert retried.summary == f"ship callback (outbox message #{message.pk}) to be sent again now"
    assert (retried.actor, retried.source, retried.source_detail) == (
        picker.username, Source.SCREEN, "Outbound order › callback retry")
    with pytest.raises(Exception, match="has no callback yet"):
        outbound_order_callback_retry(order=order_create(warehouse, "OB-NONE"), actor=picker)
    assert OrderEvent.objects.filter(kind=Kind.CALLBACK_RETRIED).count() == 1


def test_a_list_action_names_the_list_and_the_action(client, warehouse, products, picker, stocked):
    order = order_create(warehouse, items=[{"sku_id": "OW-100234", "quantity": 50}])
    assert order.status == OB.BACKORDERED
    stocked(50, products[0])
    client.force_login(picker)
    client.post(url("changelist"), {"action": "allocate", "_selected_action": [order.pk]})
    allocated = OrderEvent.objects.get(order_id=order.pk, to_status=OB.ALLOCATED)
    assert (allocated.actor, allocated.source, allocated.source_detail) == (
        picker.username, Source.SCREEN, "Outbound orders list › allocate")
    assert OrderEvent.objects.get(order_id=order.pk, to_status=OB.BACKORDERED).summary == (
        "Created → Backordered: not enough stock; waiting for it")


def test_a_task_and_a_command_are_named_as_the_source(warehouse, products, stocked):
    order = order_create(warehouse, items=[{"sku_id": "OW-100235", "quantity": 30}])
    stocked(30, products[1])
    outbound_backorders_allocate.apply(args=(warehouse.pk,))
    allocated = OrderEvent.objects.get(order_id=order.pk, to_status=OB.ALLOCATED)
    assert (allocated.actor, allocated.source, allocated.source_detail) == (
        "system:backorders", Source.TASK, "outbound_backorders_allocate")
    command = event_source_current(actor_command("stock_adjust"))
    assert (command.kind, command.detail) == (Source.COMMAND, "manage.py stock_adjust")


# --- Inbound: pushes, the receive page, and a cancellation asked and answered ---------------------------------

def test_an_inbound_order_records_its_push_its_counts_and_its_receipt(
        client, push, catalogue, receiver, supervisor, django_capture_on_commit_callbacks):
    purchase = fixture_load("inbound_purchase")
    with CaptureQueriesContext(connection) as pushed:
        push("inbound_purchase", purchase)
    assert event_inserts(pushed.captured_queries) == 1
    push("inbound_purchase", {**purchase, "items": [{"sku_id": "OW-100234", "quantity": 5}]})  # changed
    order = InboundOrder.objects.get()
    client.force_login(receiver)
    post_counts(client, order, {"OW-100234": (3, 1)}, save="Save")
    with responses.RequestsMock() as peer:
        peer.add(responses.POST, INBOUND_CALLBACK_URL, status=500)
        with django_capture_on_commit_callbacks(execute=True):
            post_counts(client, order, {"OW-100234": (4, 1)}, complete="Complete")
    client.post(reverse("admin:inbound_inboundorder_callback_retry", args=[order.pk]))

    push_words = (Source.PUSH, "OneWarehouse Purchase inbound")
    receive_page = (Source.SCREEN, "Inbound order › receive")
    assert events_of(order) == [
        (Kind.CREATED, "", IB.CREATED, "system:onewarehouse", *push_words),
        (Kind.UPDATED, "", "", "system:onewarehouse", *push_words),
        (Kind.COUNTS_SAVED, "", "", receiver.username, *receive_page),
        (Kind.STATUS, IB.CREATED, IB.RECEIVING, receiver.username, *receive_page),
        (Kind.COUNTS_SAVED, "", "", receiver.username, *receive_page),
        (Kind.STATUS, IB.RECEIVING, IB.RECEIVED, receiver.username, *receive_page),
        (Kind.CALLBACK_RETRIED, "", "", receiver.username, Source.SCREEN, "Inbound order › callback retry"),
    ]
    summaries = list(OrderEvent.objects.order_by("pk").values_list("summary", flat=True))
    assert summaries[:3] == ["Purchase order, 2 line(s), 180 unit(s)", "now 1 line(s), 5 unit(s)",
                             "OW-100234 3 good + 1 damaged (was 0 + 0)"]
    assert summaries[5] == ("Receiving → Received: 4 good and 1 damaged unit(s) into stock; "
                            "the inbound callback is queued")

    client.force_login(supervisor)
    html = client.get(reverse("admin:inbound_inboundorder_change", args=[order.pk])).content.decode()
    times = timeline_times(html)
    assert times == sorted(times, reverse=True)
    text = "\n".join(timeline_items(html))
    assert "Callback retried" in timeline_items(html)[0] or "Call queued" in timeline_items(html)[0]
    for expected in ("Push from OneWarehouse: inbound purchase — HTTP 200, code 0", "Changed by a push",
                     "Receipt counts saved — OW-100234 3 good + 1 damaged", "Call to OneWarehouse: inbound callback",
                     "Staff screen: Inbound order › receive"):
        assert expected in text, expected


def test_a_cancellation_push_and_its_answer_are_on_the_timeline(client, push, catalogue, receiver, supervisor):
    purchase = fixture_load("inbound_purchase")
    push("inbound_purchase", purchase)
    push("inbound_purchase", {**purchase, "inbound_order_no": "IB-STARTED"})
    push("inbound_cancel", fixture_load("inbound_cancel"))
    push("inbound_cancel", fixture_load("inbound_cancel"))  # asked again: answered the same
    started = InboundOrder.objects.get(inbound_order_no="IB-STARTED")
    client.force_login(receiver)
    post_counts(client, started, {"OW-100234": (1, 0)}, save="Save")
    refused = push("inbound_cancel", {"inbound_order_no": "IB-STARTED", "reason": "late"}).json()
    assert refused["code"] != 0

    cancelled = InboundOrder.objects.get(inbound_order_no="IB202611230001")
    assert [e[:3] for e in events_of(cancelled)] == [
        (Kind.CREATED, "", IB.CREATED), (Kind.STATUS, IB.CREATED, IB.CANCELLED), (Kind.CANCEL_ASKED, "", "")]
    assert OrderEvent.objects.get(order_id=cancelled.pk, kind=Kind.STATUS).summary == (
        "Created → Cancelled: cancelled at OneWarehouse's request (supplier delayed the shipment)")
    # A refused cancellation changes nothing, so it writes no event: its request log row is the record, and the
    # order's timeline shows it with the answer.
    assert [e[0] for e in events_of(started)] == [Kind.CREATED, Kind.COUNTS_SAVED, Kind.STATUS]
    client.force_login(supervisor)
    items = timeline_items(client.get(reverse("admin:inbound_inboundorder_change", args=[started.pk])).content
                           .decode())
    assert items[0].count("Push from OneWarehouse: inbound cancel") == 1
    assert f"code {refused['code']}: {refused['msg']}" in items[0]


# --- The events list ---------------------------------------------------------------------------------------

def test_the_events_list_is_read_only_filtered_and_shows_each_role_its_orders(client, warehouse, products, picker,
                                                                              supervisor):
    order = order_create(warehouse)
    pick_all(order, picker)
    from tests.wms.inbound.helpers import inbound

    inbound([(products[0], 3)], number="IB-LIST")
    listing = reverse("admin:core_orderevent_changelist")
    client.force_login(supervisor)
    page = client.get(listing, {"order_type": "outbound_order", "kind": Kind.STATUS})
    assert page.status_code == 200
    assert page.context["cl"].result_count == 2  # Allocated, then Picking
    assert "Created → Allocated: stock reserved" in page.content.decode()
    assert client.get(listing, {"q": "IB-LIST"}).context["cl"].result_count == 1
    screen_events = client.get(listing, {"source__exact": Source.SCREEN}).context["cl"].result_count
    assert screen_events == 3  # Picking, and a pick per bin stop (two lines)
    event = OrderEvent.objects.first()
    assert client.post(reverse("admin:core_orderevent_change", args=[event.pk]), {"summary": "x"}).status_code == 403
    assert client.get(reverse("admin:core_orderevent_add")).status_code == 403
    assert client.post(reverse("admin:core_orderevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403

    client.force_login(picker)
    assert {row.order_type for row in client.get(listing).context["cl"].result_list} == {"outbound_order"}
    client.force_login(UserFactory(roles=[Role.RECEIVER]))
    assert {row.order_type for row in client.get(listing).context["cl"].result_list} == {"inbound_order"}
