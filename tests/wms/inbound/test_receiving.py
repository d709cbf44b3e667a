"""Receiving in admin: stock booked, the inbound callback delivered to OneWarehouse through the outbox."""

import json
import re

import pytest
import requests
import responses
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from integrations.apilog.models import ApiExchange
from integrations.onewarehouse.auth import signature_compute
from tests.factories import ProductFactory
from tests.helpers import ONEWAREHOUSE_EXAMPLES
from tests.wms.inbound.helpers import (
    CALLBACK_URL,
    OK,
    callback_message,
    complete,
    example_purchase_order,
    lines_of,
    post_counts,
    receive_url,
)
from wms.core.errors import CancelRefused
from wms.inbound.models import InboundOrder
from wms.inbound.services import inbound_order_cancel, inbound_order_upsert
from wms.inventory.models import StockLevel
from wms.outbound.models import OutboundOrder
from wms.outbound.services import outbound_order_create
from wms.outbox.models import OutboxMessage
from wms.outbox.services import outbox_message_dispatch

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ow_callbacks")]


@pytest.fixture
def order(warehouse):
    return example_purchase_order(warehouse)


def test_full_receipt_in_admin_books_stock_and_delivers_the_contract_callback(
        client, order, receiver, django_capture_on_commit_callbacks):
    client.force_login(receiver)
    page = client.get(receive_url(order))
    assert page.status_code == 200 and b'autofocus' in page.content and b"OW-100234" in page.content

    # Partial receipt by scanning: three scans of the barcode, one of the sku_code.
    for code in ("4710000100234", "4710000100234", "4710000100234", "tshirt-blk-l"):
        assert client.post(receive_url(order), {"code": code, "scan_submit": ""}).status_code == 302
    order.refresh_from_db()
    assert order.status == InboundOrder.Status.RECEIVING
    lines = lines_of(order)
    assert (lines["OW-100234"].received_good, lines["OW-100235"].received_good) == (3, 1)

    # The rest, with one damaged unit and one unit over (within the 10 % tolerance).
    post_counts(client, order, {"OW-100234": (4, 1), "OW-100235": (11, 0)}, save="Save counts")
    page = client.get(receive_url(order))
    assert b"over +1" in page.content

    with responses.RequestsMock() as peer:
        peer.add(responses.POST, CALLBACK_URL, json=OK)
        with django_capture_on_commit_callbacks(execute=True):
            response = post_counts(client, order, {"OW-100234": (4, 1), "OW-100235": (11, 0)}, complete="Complete")
        assert response.status_code == 302
        (call,) = peer.calls
        sent = call.request

    order.refresh_from_db()
    assert order.status == InboundOrder.Status.RECEIVED
    body = json.loads(sent.body)
    example = json.loads((ONEWAREHOUSE_EXAMPLES / "callback_inbound.json").read_text())
    assert body.keys() == example.keys() and body["items"][0].keys() == example["items"][0].keys()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", body["completed_time"])
    assert body == {
        **example, "completed_time": body["completed_time"],
        "items": [
            {"sku_id": "OW-100234", "expected_qty": 5, "received_qty": 5, "good_qty": 4, "damaged_qty": 1},
            {"sku_id": "OW-100235", "expected_qty": 10, "received_qty": 11, "good_qty": 11, "damaged_qty": 0},
        ],
    }
    # Signed with the callback key pair over the exact bytes sent.
    assert sent.headers["X-App-Key"] == "cb-key"
    assert sent.headers["X-Sign"] == signature_compute(
        mode="md5", app_key="cb-key", app_secret="cb-secret-for-tests", timestamp=sent.headers["X-Timestamp"],
        body=sent.body)
    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.INBOUND_CALLBACK)
    assert message.status == OutboxMessage.Status.SENT
    exchange = ApiExchange.objects.get(endpoint="inbound_callback")
    assert exchange.business_code == 0 and exchange.order_no == "IB202611230001"
    assert exchange.request_headers["X-Sign"] == sent.headers["X-Sign"] and "cb-secret-for-tests" not in json.dumps(
        exchange.request_headers)

    levels = {lvl.product.sku_id: (lvl.on_hand, lvl.damaged) for lvl in StockLevel.objects.select_related("product")}
    assert levels == {"OW-100234": (4, 1), "OW-100235": (11, 0)}
    assert b"sent" in client.get(reverse("admin:inbound_inboundorder_change", args=[order.pk])).content


def test_ledger_and_levels_agree_after_receiving(order, receiver, client, capsys):
    client.force_login(receiver)
    post_counts(client, order, {"OW-100234": (2, 3), "OW-100235": (10, 0)}, complete="Complete")
    call_command("stock_verify")
    assert "agree" in capsys.readouterr().out


def test_one_scan_with_a_quantity_counts_a_whole_carton_and_a_bad_quantity_counts_nothing(client, order, receiver):
    client.force_login(receiver)
    client.post(receive_url(order), {"code": "4710000100235", "quantity": "6", "scan_submit": ""})
    response = client.post(receive_url(order), {"code": "4710000100235", "quantity": "0", "scan_submit": ""},
                           follow=True)
    assert "at least one unit" in response.content.decode()
    assert lines_of(order)["OW-100235"].received_good == 6


def test_unknown_scanned_code_is_named_and_counts_nothing(client, order, receiver):
    client.force_login(receiver)
    response = client.post(receive_url(order), {"code": "NO-SUCH-CODE", "scan_submit": ""}, follow=True)
    assert "Unknown code &#x27;NO-SUCH-CODE&#x27;" in response.content.decode()
    other = ProductFactory()
    response = client.post(receive_url(order), {"code": other.barcode, "scan_submit": ""}, follow=True)
    assert f"{other.sku_id} is not on inbound order" in response.content.decode()
    assert all(line.received_qty == 0 for line in order.lines.all())


def test_over_receipt_beyond_tolerance_in_admin_is_refused_for_a_receiver_and_allowed_for_a_supervisor(
        client, order, receiver, supervisor):
    client.force_login(receiver)
    response = post_counts(client, order, {"OW-100234": (6, 1), "OW-100235": (0, 0)}, save="Save", follow=True)
    assert "needs a Supervisor" in response.content.decode()
    assert lines_of(order)["OW-100234"].received_qty == 0
    client.force_login(supervisor)
    post_counts(client, order, {"OW-100234": (6, 1), "OW-100235": (0, 0)}, save="Save")
    assert lines_of(order)["OW-100234"].received_qty == 7


def test_staff_without_the_receiver_role_get_403_on_the_receive_page(client, order, picker):
    client.force_login(picker)
    assert client.get(receive_url(order)).status_code == 403
    assert client.post(receive_url(order), {"code": "4710000100234"}).status_code == 403
    assert all(line.received_qty == 0 for line in order.lines.all())


def test_peer_500_then_200_is_retried_and_delivered_once(client, order, receiver, django_capture_on_commit_callbacks):
    with responses.RequestsMock() as peer:
        peer.add(responses.POST, CALLBACK_URL, status=500, body="oops")
        peer.add(responses.POST, CALLBACK_URL, json=OK)
        with django_capture_on_commit_callbacks(execute=True):
            complete(client, order, receiver)
        message = callback_message()
        assert (message.status, message.attempts) == (OutboxMessage.Status.FAILED, 1)
        assert "HTTP 500" in message.last_error and message.next_attempt_at is not None
        message.next_attempt_at = message.created_at  # the backoff is over
        message.save(update_fields=["next_attempt_at"])
        assert outbox_message_dispatch(message_id=message.pk) == OutboxMessage.Status.SENT
        assert outbox_message_dispatch(message_id=message.pk) is None  # sent once, never again
        assert len(peer.calls) == 2
    assert ApiExchange.objects.filter(endpoint="inbound_callback").count() == 2
    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.INBOUND_CALLBACK, status="SENT").count() == 1


def test_peer_timeout_is_a_failed_attempt_shown_to_staff(client, order, receiver, django_capture_on_commit_callbacks):
    with responses.RequestsMock() as peer, django_capture_on_commit_callbacks(execute=True):
        peer.add(responses.POST, CALLBACK_URL, body=requests.exceptions.ReadTimeout("read timed out"))
        complete(client, order, receiver)
    message = callback_message()
    assert message.status == OutboxMessage.Status.FAILED and "ReadTimeout" in message.last_error
    page = client.get(reverse("admin:inbound_inboundorder_change", args=[order.pk])).content.decode()
    assert "failed" in page and "ReadTimeout" in page and "Retry the callback now" in page


@pytest.mark.parametrize("answer", [
    {"code": 5000, "success": False, "msg": "busy", "data": {}},
    "<html>gateway</html>",
])
def test_non_zero_code_or_non_json_answer_is_retried(client, order, receiver, answer,
                                                     django_capture_on_commit_callbacks):
    with responses.RequestsMock() as peer, django_capture_on_commit_callbacks(execute=True):
        if isinstance(answer, dict):
            peer.add(responses.POST, CALLBACK_URL, json=answer)
        else:
            peer.add(responses.POST, CALLBACK_URL, body=answer, content_type="text/html")
        complete(client, order, receiver)
    message = callback_message()
    assert message.status == OutboxMessage.Status.FAILED


def test_validation_error_is_not_retried_but_shown_and_staff_can_retry_it(
        client, order, receiver, django_capture_on_commit_callbacks):
    refused = {"code": 1001, "success": False, "msg": "1 field is invalid",
               "errors": {"items.0.good_qty": ["Ensure this value is greater than or equal to 0."]}, "data": {}}
    with responses.RequestsMock() as peer, django_capture_on_commit_callbacks(execute=True):
        peer.add(responses.POST, CALLBACK_URL, json=refused)
        complete(client, order, receiver)
    message = callback_message()
    assert message.status == OutboxMessage.Status.DEAD and "code 1001" in message.last_error
    page = client.get(reverse("admin:inbound_inboundorder_change", args=[order.pk])).content.decode()
    assert "items.0.good_qty" in page

    retry_url = reverse("admin:inbound_inboundorder_callback_retry", args=[order.pk])
    assert client.get(retry_url).status_code == 405  # a button, not a link: nothing happens on GET
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DEAD
    with responses.RequestsMock() as peer, django_capture_on_commit_callbacks(execute=True):
        peer.add(responses.POST, CALLBACK_URL, json=OK)
        answer = client.post(retry_url, follow=True)
    assert "The inbound callback will be sent again now." in answer.content.decode()
    assert answer.redirect_chain[-1][0] == reverse("admin:inbound_inboundorder_change", args=[order.pk])
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT


def test_cancel_after_receiving_started_is_refused_with_status_and_reason(client, order, receiver):
    client.force_login(receiver)
    client.post(receive_url(order), {"code": "4710000100234", "scan_submit": ""})
    with pytest.raises(CancelRefused) as refused:
        inbound_order_cancel(inbound_order_no=order.inbound_order_no, reason="supplier delayed")
    assert refused.value.data == {"inbound_order_no": order.inbound_order_no, "cancelled": False,
                                  "status": "RECEIVING", "reason": "receiving has started"}
    order.refresh_from_db()
    assert order.status == InboundOrder.Status.RECEIVING


def test_return_damaged_units_stay_out_of_sellable_stock(client, warehouse, receiver):
    product = ProductFactory()
    order, _ = inbound_order_upsert(inbound_order_no="RT-1", order_type="RETURN", warehouse_code=warehouse.code,
                                    owner_code="MERCHANT-A", items=[{"sku_id": product.sku_id, "quantity": 3}],
                                    original_order_no="OB-1")
    client.force_login(receiver)
    line = order.lines.get()
    client.post(receive_url(order), {f"good_{line.pk}": 1, f"damaged_{line.pk}": 2, "complete": "Complete"})
    level = StockLevel.objects.get(product=product)
    assert (level.on_hand, level.damaged, level.available) == (1, 2, 1)


def test_stock_arrival_allocates_backordered_orders_oldest_first(
        client, warehouse, order, receiver, django_capture_on_commit_callbacks):
    items = [{"sku_id": "OW-100234", "quantity": 3}]
    recipient = {"name": "Lin", "country_code": "TW", "city": "Taipei", "address1": "Xinyi Rd."}
    older, _ = outbound_order_create(outbound_order_no="OB-OLD", warehouse_code=warehouse.code,
                                     owner_code="MERCHANT-A", items=items, recipient=recipient,
                                     logistics={"provider_code": "TCAT"})
    younger, _ = outbound_order_create(outbound_order_no="OB-NEW", warehouse_code=warehouse.code,
                                       owner_code="MERCHANT-A", items=items, recipient=recipient,
                                       logistics={"provider_code": "TCAT"})
    assert {older.status, younger.status} == {OutboundOrder.Status.BACKORDERED}
    with responses.RequestsMock() as peer, django_capture_on_commit_callbacks(execute=True):
        peer.add(responses.POST, CALLBACK_URL, json=OK)
        client.force_login(receiver)
        post_counts(client, order, {"OW-100234": (5, 0), "OW-100235": (10, 0)}, complete="Complete")
    older.refresh_from_db()
    younger.refresh_from_db()
    assert (older.status, younger.status) == (OutboundOrder.Status.ALLOCATED, OutboundOrder.Status.BACKORDERED)


def test_inbound_list_page_query_count_does_not_grow_with_orders(client, warehouse, supervisor):
    product = ProductFactory()
    client.force_login(supervisor)
    for n in range(3):
        inbound_order_upsert(inbound_order_no=f"IB-{n}", order_type="PURCHASE", warehouse_code=warehouse.code,
                             owner_code="MERCHANT-A", items=[{"sku_id": product.sku_id, "quantity": 2}])
    url = reverse("admin:inbound_inboundorder_changelist")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(3, 13):
        inbound_order_upsert(inbound_order_no=f"IB-{n}", order_type="PURCHASE", warehouse_code=warehouse.code,
                             owner_code="MERCHANT-A", items=[{"sku_id": product.sku_id, "quantity": 2}])
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)
