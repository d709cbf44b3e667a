"""Allocate, pick, pack, label, ship in admin; the label before the ship callback; interception."""

import io
import json
import re

import pytest
import responses
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from integrations.apilog.models import ApiExchange
from tests.helpers import ONEWAREHOUSE_EXAMPLES, ONEWAREHOUSE_URL, PUBLIC_IP, hosts_resolve
from tests.wms.outbound.helpers import (
    LABEL_URL,
    PDF,
    label_answer,
    label_url,
    order_create,
    pack_one,
    pick_all,
    pick_units,
    url,
)
from wms.core.actors import ONEWAREHOUSE
from wms.core.errors import CancelRefused, InvalidTransition, PermissionDenied
from wms.inventory.models import StockLevel
from wms.inventory.selectors import stock_ledger_drift
from wms.outbound.models import OutboundOrder, PutBackTask, ShortPick
from wms.outbound.services import (
    PackageSpec,
    outbound_order_cancel,
    outbound_order_label_request,
    outbound_order_label_store,
    outbound_order_pack,
    outbound_order_pick_confirm,
    outbound_order_ship,
    put_back_confirm,
)
from wms.outbox.models import OutboxMessage
from wms.outbox.services import outbox_message_dispatch, outbox_message_enqueue

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ow_labels")]
Status = OutboundOrder.Status
CALLBACK_URL = ONEWAREHOUSE_URL + "/openapi/wms/outbound-orders/callback"
FILE_URL = "https://label.example.com/TCAT660012345678.pdf"
OK = {"code": 0, "success": True, "msg": "success", "data": {}}


@pytest.fixture(autouse=True)
def label_hosts_resolve(monkeypatch):
    # The label download checks where names resolve; tests never depend on real DNS.
    hosts_resolve(monkeypatch, {"ow-sandbox.test": PUBLIC_IP, "label.example.com": PUBLIC_IP})


def levels():
    return {lvl.product.sku_id: (lvl.on_hand, lvl.reserved) for lvl in StockLevel.objects.select_related("product")}


def label_store(order):
    return outbound_order_label_store(order_id=order.pk, content=PDF, label_format="PDF", tracking_no="TCAT1")


def test_full_path_in_admin_label_before_ship_and_callback_as_the_contract(
        client, warehouse, products, picker, django_capture_on_commit_callbacks):
    order = order_create(warehouse)
    assert order.status == Status.ALLOCATED
    client.force_login(picker)

    page = client.get(url("pick", order))
    assert page.status_code == 200 and b"autofocus" in page.content
    for code in ("DOCK", "4710000100234", "TSHIRT-BLK-M", "OW-100235"):  # the bin, then the items
        assert client.post(url("pick", order), {"code": code, "scan_submit": ""}).status_code == 302
    order.refresh_from_db()
    assert order.status == Status.PICKING and [ln.picked_qty for ln in order.lines.order_by("pk")] == [2, 1]

    lines = list(order.lines.order_by("pk"))
    pack_page = client.get(url("pack", order))
    assert pack_page.status_code == 200 and b"autofocus" in pack_page.content
    client.post(url("pack", order), {"p1_weight_kg": "0.650", "p1_length_cm": "32", "p1_width_cm": "26",
                                     "p1_height_cm": "6", f"p1_line_{lines[0].pk}": 2, f"p1_line_{lines[1].pk}": 1})
    order.refresh_from_db()
    assert order.status == Status.PACKED

    with responses.RequestsMock() as peer:
        peer.add(responses.POST, LABEL_URL, json=label_answer(order.outbound_order_no))
        peer.add(responses.GET, FILE_URL, body=PDF, content_type="application/pdf")
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url("label_request", order))
        assert json.loads(peer.calls[0].request.body) == {"outbound_order_no": order.outbound_order_no}
    order.refresh_from_db()
    assert (order.status, order.tracking_no, order.label_format) == (Status.LABELLED, "TCAT660012345678", "PDF")
    assert order.label_file.read() == PDF
    shown = client.get(label_url(order))
    assert shown.status_code == 200 and shown["Content-Type"] == "application/pdf"
    assert shown["X-Frame-Options"] == "SAMEORIGIN"  # the order page and the print view frame it
    assert b"".join(shown.streaming_content) == PDF
    assert label_url(order).encode() in client.get(url("print", order)).content

    with responses.RequestsMock() as peer:
        peer.add(responses.POST, CALLBACK_URL, json=OK)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url("ship", order))
        (call,) = peer.calls
        body = json.loads(call.request.body)
    order.refresh_from_db()
    assert order.status == Status.SHIPPED and order.shipped_at is not None

    example = json.loads((ONEWAREHOUSE_EXAMPLES / "callback_outbound.json").read_text())
    assert body.keys() == example.keys()
    assert body["packages"][0].keys() == example["packages"][0].keys()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", body["shipped_time"])
    assert body == {**example, "shipped_time": body["shipped_time"]}  # same order number, items and package

    endpoints = list(ApiExchange.objects.order_by("pk").values_list("endpoint", flat=True))
    assert endpoints == ["shipping_label", "shipping_label_download", "outbound_callback"]
    assert levels() == {"OW-100234": (8, 0), "OW-100235": (9, 0)}
    assert stock_ledger_drift() == []


def test_label_as_base64_is_stored_from_the_bulk_action(client, warehouse, products, picker,
                                                      django_capture_on_commit_callbacks):
    orders = [order_create(warehouse, f"OB-{n}") for n in range(2)]
    for order in orders:
        pick_all(order, picker)
        pack_one(order, picker)
    client.force_login(picker)
    with responses.RequestsMock() as peer:
        for order in orders:
            peer.add(responses.POST, LABEL_URL, json=label_answer(order.outbound_order_no, base64_pdf=PDF))
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url("changelist"), {"action": "request_label", "_selected_action": [o.pk for o in orders]})
        assert len(peer.calls) == 2
    for order in orders:
        order.refresh_from_db()
        assert order.status == Status.LABELLED and order.label_file.read() == PDF

    merged = client.get(url("labels_pdf") + "?ids=" + ",".join(str(o.pk) for o in orders))
    assert merged.status_code == 200
    assert len(PdfReader(io.BytesIO(merged.content)).pages) == 2


def test_ship_without_label_is_refused(client, warehouse, products, picker):
    order = order_create(warehouse)
    pick_all(order, picker)
    pack_one(order, picker)
    with pytest.raises(InvalidTransition):
        outbound_order_ship(order=order, actor=picker)
    client.force_login(picker)
    response = client.post(url("ship", order), follow=True)
    assert "cannot go from PACKED to SHIPPED" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Status.PACKED and levels()["OW-100234"] == (10, 2)


def test_label_after_ship_is_refused_by_the_service_the_store_and_the_sender_without_calling_the_peer(
        warehouse, products, picker, django_capture_on_commit_callbacks):
    order = order_create(warehouse)
    pick_all(order, picker)
    pack_one(order, picker)
    label_store(order)
    outbound_order_ship(order=order, actor=picker)

    with pytest.raises(InvalidTransition) as refused:
        outbound_order_label_request(order=order, actor=picker)
    assert refused.value.data["status"] == "SHIPPED"
    with pytest.raises(InvalidTransition):
        label_store(order)

    with responses.RequestsMock() as peer:  # nothing registered: any call would fail the test
        with transaction.atomic():  # a message written around the service, as a bug or a stale queue would
            message = outbox_message_enqueue(kind=OutboxMessage.Kind.SHIPPING_LABEL, aggregate_type="outbound_order",
                                             aggregate_id=order.pk, payload={})
        OutboxMessage.objects.filter(kind=OutboxMessage.Kind.OUTBOUND_CALLBACK).update(
            status=OutboxMessage.Status.SENT, sent_at=timezone.now())
        assert outbox_message_dispatch(message_id=message.pk) == OutboxMessage.Status.DEAD
        assert len(peer.calls) == 0
    message.refresh_from_db()
    assert "SHIPPED" in message.last_error


def test_peer_down_during_label_and_callback_is_retried_and_nothing_is_lost(
        warehouse, products, picker, django_capture_on_commit_callbacks):
    order = order_create(warehouse)
    pick_all(order, picker)
    pack_one(order, picker)
    with responses.RequestsMock() as peer:
        peer.add(responses.POST, LABEL_URL, status=503)
        peer.add(responses.POST, LABEL_URL, json=label_answer(order.outbound_order_no, base64_pdf=PDF))
        with django_capture_on_commit_callbacks(execute=True):
            label_message = outbound_order_label_request(order=order, actor=picker)
        label_message.refresh_from_db()
        assert label_message.status == OutboxMessage.Status.FAILED
        order.refresh_from_db()
        assert order.status == Status.PACKED
        with pytest.raises(InvalidTransition):  # no label yet: no shipping
            outbound_order_ship(order=order, actor=picker)
        # Staff ask again: the failed request is retried, not duplicated.
        with django_capture_on_commit_callbacks(execute=True):
            again = outbound_order_label_request(order=order, actor=picker)
        assert again.pk == label_message.pk
    order.refresh_from_db()
    assert order.status == Status.LABELLED

    with responses.RequestsMock() as peer:
        peer.add(responses.POST, CALLBACK_URL, body=ConnectionError("peer down"))
        peer.add(responses.POST, CALLBACK_URL, json=OK)
        with django_capture_on_commit_callbacks(execute=True):
            outbound_order_ship(order=order, actor=picker)
        callback = OutboxMessage.objects.get(kind=OutboxMessage.Kind.OUTBOUND_CALLBACK)
        assert callback.status == OutboxMessage.Status.FAILED
        callback.next_attempt_at = callback.created_at
        callback.save(update_fields=["next_attempt_at"])
        assert outbox_message_dispatch(message_id=callback.pk) == OutboxMessage.Status.SENT
        assert len(peer.calls) == 2
    assert OutboxMessage.objects.filter(status=OutboxMessage.Status.SENT).count() == 2


def test_callback_never_goes_before_the_label(warehouse, products, picker):
    order = order_create(warehouse)
    pick_all(order, picker)
    pack_one(order, picker)
    label_store(order)
    # A label fetched again is still open: shipping waits for it.
    refetch = outbound_order_label_request(order=order, actor=picker, reason="the printer jammed")
    with pytest.raises(InvalidTransition, match="label request"):
        outbound_order_ship(order=order, actor=picker)

    # And the outbox keeps the order of one order's messages: a callback queued behind a label waits for it.
    with transaction.atomic():
        callback = outbox_message_enqueue(
            kind=OutboxMessage.Kind.OUTBOUND_CALLBACK, aggregate_type="outbound_order", aggregate_id=order.pk,
            payload={"outbound_order_no": order.outbound_order_no, "shipped_at": "2026-11-26T09:15:00+08:00",
                     "tracking_no": "T", "packages": []})
    with responses.RequestsMock() as peer:
        peer.add(responses.POST, LABEL_URL, json=label_answer(order.outbound_order_no, base64_pdf=PDF))
        peer.add(responses.POST, CALLBACK_URL, json=OK)
        assert outbox_message_dispatch(message_id=callback.pk) is None  # the label is not sent yet
        assert len(peer.calls) == 0
        # Sending the label hands the next message of the order to a worker (eager here): the callback follows.
        assert outbox_message_dispatch(message_id=refetch.pk) == OutboxMessage.Status.SENT
        assert [c.request.url for c in peer.calls] == [LABEL_URL, CALLBACK_URL]
    callback.refresh_from_db()
    assert callback.status == OutboxMessage.Status.SENT


def to_status(order, status, picker):
    """Walk an order forward to ``status`` through the services."""
    steps = [Status.PICKING, Status.PACKED, Status.LABELLED]
    if status in (Status.CREATED, Status.BACKORDERED, Status.ALLOCATED):
        return order
    for step in steps:
        if step == Status.PICKING:
            line = order.lines.select_related("product").order_by("pk").first()
            pick_units(order, picker, line.product, 1)
        if step == Status.PACKED:
            pick_all(order, picker)
            pack_one(order, picker)
        if step == Status.LABELLED:
            label_store(order)
        if step == status:
            break
    return order


@pytest.mark.parametrize("status", [Status.CREATED, Status.BACKORDERED, Status.ALLOCATED, Status.PICKING,
                                    Status.PACKED, Status.LABELLED])
def test_interception_before_ship_succeeds_releases_stock_and_puts_picked_goods_back(
        warehouse, products, picker, status):
    if status == Status.BACKORDERED:
        order = order_create(warehouse, items=[{"sku_id": "OW-100234", "quantity": 11}])
    else:
        order = order_create(warehouse, allocate=status != Status.CREATED)
    to_status(order, status, picker)
    order.refresh_from_db()
    assert order.status == status
    picked = {ln.product.sku_id: ln.picked_qty for ln in order.lines.select_related("product")}

    cancelled = outbound_order_cancel(actor=ONEWAREHOUSE, outbound_order_no=order.outbound_order_no,
                                      reason="buyer cancelled")
    assert cancelled.status == Status.CANCELLED
    tasks = list(PutBackTask.objects.filter(order=order, status=PutBackTask.Status.OPEN).select_related("product"))
    assert {t.product.sku_id: t.quantity for t in tasks} == {sku: n for sku, n in picked.items() if n}
    assert {sku: reserved for sku, (_, reserved) in levels().items()} == {
        "OW-100234": picked.get("OW-100234", 0), "OW-100235": picked.get("OW-100235", 0)}
    if status == Status.LABELLED:
        cancelled.refresh_from_db()
        assert cancelled.label_file  # kept for audit
        with pytest.raises(InvalidTransition):
            outbound_order_label_request(order=cancelled, actor=picker)

    for task in tasks:
        put_back_confirm(task=task, actor=picker)
    assert levels() == {"OW-100234": (10, 0), "OW-100235": (10, 0)}
    assert stock_ledger_drift() == []


def test_interception_after_ship_is_refused_with_status_and_reason(warehouse, products, picker):
    order = order_create(warehouse)
    to_status(order, Status.LABELLED, picker)
    outbound_order_ship(order=order, actor=picker)
    with pytest.raises(CancelRefused) as refused:
        outbound_order_cancel(actor=ONEWAREHOUSE, outbound_order_no=order.outbound_order_no, reason="too late")
    assert refused.value.data == {"outbound_order_no": order.outbound_order_no, "intercepted": False,
                                  "status": "SHIPPED", "reason": "already shipped"}


def test_put_back_is_listed_and_confirmed_in_admin(client, warehouse, products, picker):
    order = order_create(warehouse)
    to_status(order, Status.PACKED, picker)
    outbound_order_cancel(actor=ONEWAREHOUSE, outbound_order_no=order.outbound_order_no)
    client.force_login(picker)
    listing = client.get(reverse("admin:outbound_putbacktask_changelist") + "?status__exact=OPEN")
    assert listing.status_code == 200 and order.outbound_order_no.encode() in listing.content
    ids = list(PutBackTask.objects.values_list("pk", flat=True))
    client.post(reverse("admin:outbound_putbacktask_changelist"), {"action": "confirm", "_selected_action": ids})
    assert set(PutBackTask.objects.values_list("status", flat=True)) == {PutBackTask.Status.DONE}
    assert levels() == {"OW-100234": (10, 0), "OW-100235": (10, 0)}


def test_short_pick_is_reported_to_supervisors_and_packing_waits(client, warehouse, products, picker, supervisor):
    order = order_create(warehouse)
    client.force_login(picker)
    client.post(url("pick", order), {"code": "DOCK", "scan_submit": ""})
    client.post(url("pick", order), {"code": "4710000100234", "scan_submit": ""})
    client.post(url("pick", order), {"short": "1", "note": "shelf A3 empty"})
    report = ShortPick.objects.get(product__sku_id="OW-100234")
    assert (report.status, report.ordered_qty, report.picked_qty, report.note) == ("OPEN", 2, 1, "shelf A3 empty")
    with pytest.raises(InvalidTransition, match="not fully picked"):
        pack_one(order, picker)
    assert "shelf A3 empty" in client.get(url("change", order)).content.decode()  # on the order page too
    client.force_login(supervisor)
    listing = client.get(reverse("admin:outbound_shortpick_changelist"))
    assert order.outbound_order_no.encode() in listing.content
    client.post(reverse("admin:outbound_shortpick_changelist"), {"action": "resolve", "_selected_action": [report.pk]})
    report.refresh_from_db()
    assert report.status == "RESOLVED" and report.resolved_by == supervisor


def test_pick_scan_with_a_quantity_picks_that_many_but_never_more_than_ordered(client, warehouse, products, picker):
    order = order_create(warehouse, items=[{"sku_id": "OW-100234", "quantity": 4}])
    client.force_login(picker)
    client.post(url("pick", order), {"code": "DOCK", "scan_submit": ""})
    client.post(url("pick", order), {"code": "4710000100234", "quantity": "3", "scan_submit": ""})
    page = client.post(url("pick", order), {"code": "4710000100234", "quantity": "2"}, follow=True).content.decode()
    assert "3 of 4 picked already; 2 more would be more than the order needs" in page
    assert order.lines.get().picked_qty == 3


def test_pick_scan_of_an_unknown_code_or_one_too_many_says_so(client, warehouse, products, picker):
    order = order_create(warehouse)
    client.force_login(picker)
    client.post(url("pick", order), {"code": "DOCK", "scan_submit": ""})
    page = client.post(url("pick", order), {"code": "NOPE", "scan_submit": ""}, follow=True).content.decode()
    assert "Unknown code &#x27;NOPE&#x27;" in page
    other = order_create(warehouse, number="OB-OTHER", items=[{"sku_id": "OW-100234", "quantity": 1}])
    client.post(url("pick", other), {"code": "DOCK", "scan_submit": ""})
    page = client.post(url("pick", other), {"code": "TSHIRT-BLK-L"}, follow=True).content.decode()
    assert "OW-100235 is not on outbound order OB-OTHER" in page
    client.post(url("pick", order), {"code": "OW-100235"})
    page = client.post(url("pick", order), {"code": "OW-100235"}, follow=True).content.decode()
    assert "1 of 1 picked already" in page


def test_floor_pages_refuse_staff_without_the_picker_role(client, warehouse, products, receiver):
    order = order_create(warehouse)
    client.force_login(receiver)
    assert client.get(url("pick", order)).status_code == 403
    assert client.post(url("ship", order)).status_code == 403
    with pytest.raises(PermissionDenied):
        outbound_order_pick_confirm(order=order, location_code="DOCK", code="OW-100234", actor=receiver)


def test_packages_must_hold_exactly_the_picked_units(warehouse, products, picker):
    order = order_create(warehouse)
    pick_all(order, picker)
    a, b = order.lines.order_by("pk")
    from wms.core.errors import DomainValidationError
    with pytest.raises(DomainValidationError) as refused:
        outbound_order_pack(order=order, actor=picker, packages=[PackageSpec("1", "1", "1", "1", {a.pk: 2})])
    assert f"line.{b.pk}" in refused.value.errors
    outbound_order_pack(order=order, actor=picker, packages=[PackageSpec("0.4", "20", "10", "5", {a.pk: 2}),
                                                            PackageSpec("0.2", "10", "10", "5", {b.pk: 1})])
    assert list(order.packages.values_list("package_no", flat=True)) == ["PKG-1", "PKG-2"]


def test_label_is_requested_on_pack_when_the_setting_says_so(warehouse, products, picker, settings):
    settings.OUTBOUND_LABEL_ON_PACK = True
    order = order_create(warehouse)
    pick_all(order, picker)
    pack_one(order, picker)
    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.SHIPPING_LABEL, aggregate_id=str(order.pk)).exists()


def test_allocate_action_serves_backordered_orders(client, warehouse, products, picker, stocked):
    order = order_create(warehouse, items=[{"sku_id": "OW-100234", "quantity": 12}])
    assert order.status == Status.BACKORDERED
    stocked(5, order.lines.get().product)
    client.force_login(picker)
    client.post(url("changelist"), {"action": "allocate", "_selected_action": [order.pk]})
    order.refresh_from_db()
    assert order.status == Status.ALLOCATED


def test_outbound_list_page_query_count_does_not_grow(client, warehouse, products, supervisor):
    client.force_login(supervisor)
    order_create(warehouse, "OB-A")
    client.get(url("changelist"))
    with CaptureQueriesContext(connection) as few:
        client.get(url("changelist"))
    for n in range(8):
        order_create(warehouse, f"OB-{n}", allocate=False)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url("changelist")).status_code == 200
    assert len(many) == len(few)


def test_stock_verify_is_clean_after_the_whole_flow(warehouse, products, picker, capsys):
    for n, status in enumerate([Status.LABELLED, Status.PACKED, Status.PICKING]):
        to_status(order_create(warehouse, f"OB-{n}"), status, picker)
    outbound_order_ship(order=OutboundOrder.objects.get(outbound_order_no="OB-0"), actor=picker)
    outbound_order_cancel(actor=ONEWAREHOUSE, outbound_order_no="OB-1")
    call_command("stock_verify")
    assert "agree" in capsys.readouterr().out


def test_failed_ship_callback_is_shown_on_the_order_and_staff_can_retry_it(
        client, warehouse, products, picker, django_capture_on_commit_callbacks):
    order = order_create(warehouse)
    to_status(order, Status.LABELLED, picker)
    refused = {"code": 1001, "success": False, "msg": "1 field is invalid",
               "errors": {"packages.0.weight": ["required"]}, "data": {}}
    with responses.RequestsMock() as peer:
        peer.add(responses.POST, CALLBACK_URL, json=refused)
        peer.add(responses.POST, CALLBACK_URL, json=OK)
        with django_capture_on_commit_callbacks(execute=True):
            outbound_order_ship(order=order, actor=picker)
        client.force_login(picker)
        page = client.get(url("change", order)).content.decode()
        assert "Dead, needs staff" in page and "packages.0.weight" in page and "Retry ship callback" in page
        assert client.get(url("callback_retry", order)).status_code == 405  # a button, not a link
        with django_capture_on_commit_callbacks(execute=True):
            answer = client.post(url("callback_retry", order), follow=True)
    assert f"The ship callback of {order} will be sent again now." in answer.content.decode()
    assert answer.redirect_chain[-1][0] == url("change", order)
    assert OutboxMessage.objects.get(kind=OutboxMessage.Kind.OUTBOUND_CALLBACK).status == OutboxMessage.Status.SENT


def test_wave_pick_list_sums_each_product_per_bin_over_the_orders(client, warehouse, products, picker):
    first = order_create(warehouse, "OB-W1")
    second = order_create(warehouse, "OB-W2", items=[{"sku_id": "OW-100234", "quantity": 3}])
    client.force_login(picker)
    response = client.post(url("changelist"), {"action": "wave_pick_list", "_selected_action": [first.pk, second.pk]})
    page = client.get(response["Location"])
    rows = [(row.location.code, row.product.sku_id, row.quantity) for row in page.context["rows"]]
    assert rows == [("DOCK", "OW-100234", 5), ("DOCK", "OW-100235", 1)]  # received, not put away yet
    assert "OB-W1 ×2, OB-W2 ×3" in page.content.decode()


def test_label_file_and_print_view_need_the_floor_role(client, warehouse, products, picker, receiver):
    order = order_create(warehouse)
    to_status(order, Status.LABELLED, picker)
    client.force_login(receiver)
    assert client.get(label_url(order)).status_code == 403
    assert client.get(url("print", order)).status_code == 403
    assert client.get(url("labels_pdf") + f"?ids={order.pk}").status_code == 403


def test_an_order_is_allocated_where_the_database_cannot_return_the_new_line_ids(warehouse, products, monkeypatch):
    from django.db import connection

    from wms.inventory.models import StockMove

    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    order = order_create(warehouse)
    assert order.status == OutboundOrder.Status.ALLOCATED
    lines = list(order.lines.order_by("pk"))
    assert [(line.reserved_qty, line.quantity) for line in lines] == [(2, 2), (1, 1)]
    moves = StockMove.objects.filter(reference_type="outbound_line", reference_number=order.outbound_order_no)
    assert sorted(moves.values_list("reference_id", flat=True)) == sorted(str(line.pk) for line in lines)
