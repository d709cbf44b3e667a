"""Fault: OneWarehouse answering 429 or dropping the connection during the inbound callback.

HTTP 500 and a read timeout are covered in tests/wms/inbound/test_receiving.py; these are the other ways the peer fails.
Each leaves the message FAILED with the reason; the next attempt, once the backoff is over, sends it exactly once."""

import pytest
import requests
import responses

from integrations.apilog.models import ApiExchange
from tests.wms.inbound.helpers import CALLBACK_URL, OK, callback_message, complete, example_purchase_order
from tests.wms.outbound import helpers as flow
from wms.outbound.models import OutboundOrder
from wms.outbound.services import outbound_order_label_request
from wms.outbox.models import OutboxMessage
from wms.outbox.services import outbox_message_dispatch

pytestmark = [pytest.mark.django_db, pytest.mark.faults]


@pytest.mark.parametrize(("failure", "reason"), [
    ({"status": 429, "body": "slow down"}, "HTTP 429"),
    ({"body": requests.exceptions.ConnectionError("Connection refused")}, "ConnectionError"),
    ({"body": requests.exceptions.ChunkedEncodingError("Connection broken: IncompleteRead")},
     "ChunkedEncodingError"),
], ids=["429", "connection-refused", "closed-mid-answer"])
def test_a_peer_failure_on_the_inbound_callback_leaves_it_failed_with_the_reason_and_the_retry_sends_it_once(
        ow_callbacks, client, warehouse, receiver, django_capture_on_commit_callbacks, failure, reason):
    order = example_purchase_order(warehouse)
    with responses.RequestsMock() as peer:
        peer.add(responses.POST, CALLBACK_URL, **failure)
        peer.add(responses.POST, CALLBACK_URL, json=OK)
        with django_capture_on_commit_callbacks(execute=True):
            complete(client, order, receiver)
        message = callback_message()
        assert (message.status, message.attempts) == (OutboxMessage.Status.FAILED, 1)
        assert reason in message.last_error and message.next_attempt_at is not None
        assert outbox_message_dispatch(message_id=message.pk) is None  # not before the backoff is over
        message.next_attempt_at = message.created_at
        message.save(update_fields=["next_attempt_at"])
        assert outbox_message_dispatch(message_id=message.pk) == OutboxMessage.Status.SENT
        assert outbox_message_dispatch(message_id=message.pk) is None
        assert len(peer.calls) == 2
    assert ApiExchange.objects.filter(endpoint="inbound_callback").count() == 2
    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.INBOUND_CALLBACK, status="SENT").count() == 1


# --- The label request (503 and a refused connection on the callback: tests/wms/outbound/test_outbound_flow.py)

@pytest.mark.parametrize(("failure", "reason"), [
    ({"status": 500, "body": "oops"}, "HTTP 500"),
    ({"status": 429, "body": "slow down"}, "HTTP 429"),
    ({"body": requests.exceptions.ReadTimeout("read timed out")}, "ReadTimeout"),
    ({"body": requests.exceptions.ChunkedEncodingError("Connection broken: IncompleteRead")},
     "ChunkedEncodingError"),
], ids=["500", "429", "timeout", "closed-mid-answer"])
def test_a_peer_failure_on_the_label_request_leaves_it_failed_with_the_reason_and_the_retry_labels_once(
        ow_labels, warehouse, products, picker, django_capture_on_commit_callbacks, failure, reason):
    order = flow.order_create(warehouse)
    flow.pick_all(order, picker)
    flow.pack_one(order, picker)
    with responses.RequestsMock() as peer:
        peer.add(responses.POST, flow.LABEL_URL, **failure)
        peer.add(responses.POST, flow.LABEL_URL, json=flow.label_answer(order.outbound_order_no,
                                                                        base64_pdf=flow.PDF))
        with django_capture_on_commit_callbacks(execute=True):
            message = outbound_order_label_request(order=order, actor=picker)
        message.refresh_from_db()
        assert (message.status, message.attempts) == (OutboxMessage.Status.FAILED, 1)
        assert reason in message.last_error
        order.refresh_from_db()
        assert order.status == OutboundOrder.Status.PACKED and not order.label_file
        message.next_attempt_at = message.created_at  # the backoff is over
        message.save(update_fields=["next_attempt_at"])
        assert outbox_message_dispatch(message_id=message.pk) == OutboxMessage.Status.SENT
        assert outbox_message_dispatch(message_id=message.pk) is None
        assert len(peer.calls) == 2
    order.refresh_from_db()
    assert order.status == OutboundOrder.Status.LABELLED and order.label_file.read() == flow.PDF
    assert OutboxMessage.objects.filter(kind=message.kind).count() == 1
