"""Fault: the worker dies mid-task, after the peer received the call but before the message
was marked SENT. Celery's acks_late redelivers the task, and the outbox lease does the same without Celery: once
``claimed_until`` has passed, the sweep takes the message again and re-sends it.

Delivery is therefore at-least-once: the peer may receive the same call twice. The effect happens once because
the peer deduplicates (OneWarehouse keys the inbound callback by inbound_order_no) and our own stores are
idempotent (the message ends SENT once, with one more attempt, and is never sent a third time)."""

from datetime import timedelta
from pathlib import Path

import pytest
import responses
from django.utils import timezone

from tests.wms.inbound.helpers import CALLBACK_URL, OK, callback_message, complete, example_purchase_order
from tests.wms.outbound import helpers as flow
from wms.outbound.models import OutboundOrder
from wms.outbound.services import outbound_order_label_request
from wms.outbox import services as outbox_services
from wms.outbox.models import OutboxMessage
from wms.outbox.services import outbox_message_dispatch, outbox_sweep

pytestmark = [pytest.mark.django_db, pytest.mark.faults]
Status = OutboxMessage.Status


class WorkerKilled(BaseException):
    """The process dies: not an Exception, so nothing in the task catches it."""


def test_a_message_whose_worker_died_after_the_peer_got_it_is_resent_once_the_lease_expires_and_then_only_once(
        ow_callbacks, client, warehouse, receiver, monkeypatch, django_capture_on_commit_callbacks):
    order = example_purchase_order(warehouse)
    real_finish = outbox_services._finish

    def die(message, **fields):
        raise WorkerKilled

    with responses.RequestsMock() as peer:
        peer.add(responses.POST, CALLBACK_URL, json=OK)
        monkeypatch.setattr(outbox_services, "_finish", die)
        with pytest.raises(WorkerKilled), django_capture_on_commit_callbacks(execute=True):
            complete(client, order, receiver)
        monkeypatch.setattr(outbox_services, "_finish", real_finish)

        message = callback_message()
        assert len(peer.calls) == 1  # the peer got the call
        assert message.status == Status.SENDING and message.claimed_until > timezone.now()
        assert (outbox_sweep(), outbox_message_dispatch(message_id=message.pk)) == (0, None)  # lease still held
        assert len(peer.calls) == 1

        OutboxMessage.objects.filter(pk=message.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
        assert outbox_sweep() == 1  # the lease ran out: taken again and re-sent (eager worker in tests)
        assert outbox_sweep() == 0
        assert len(peer.calls) == 2
        bodies = [call.request.body for call in peer.calls]
    message.refresh_from_db()
    assert (message.status, message.attempts, message.claimed_until) == (Status.SENT, 2, None)
    # Both deliveries carry the same order number, which is what lets OneWarehouse deduplicate them.
    assert bodies[0] == bodies[1] and b"IB202611230001" in bodies[0]


def test_a_label_request_whose_worker_died_after_the_peer_answered_is_resent_and_the_order_labelled_once(
        ow_labels, warehouse, products, picker, monkeypatch, django_capture_on_commit_callbacks, settings):
    # OneWarehouse deduplicates label requests per order: the same order gets the same tracking number again.
    order = flow.order_create(warehouse)
    flow.pick_all(order, picker)
    flow.pack_one(order, picker)
    real_finish = outbox_services._finish

    def die(message, **fields):
        raise WorkerKilled

    with responses.RequestsMock() as peer:
        peer.add(responses.POST, flow.LABEL_URL, json=flow.label_answer(order.outbound_order_no,
                                                                        base64_pdf=flow.PDF))
        monkeypatch.setattr(outbox_services, "_finish", die)
        with pytest.raises(WorkerKilled), django_capture_on_commit_callbacks(execute=True):
            message = outbound_order_label_request(order=order, actor=picker)
        monkeypatch.setattr(outbox_services, "_finish", real_finish)
        message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.SHIPPING_LABEL)
        assert message.status == Status.SENDING and len(peer.calls) == 1

        OutboxMessage.objects.filter(pk=message.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
        assert outbox_sweep() == 1
        assert outbox_sweep() == 0
        assert len(peer.calls) == 2
    message.refresh_from_db()
    order.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 2)
    assert order.status == OutboundOrder.Status.LABELLED and order.tracking_no == "TCAT660012345678"
    assert order.label_file.read() == flow.PDF
    stored = [f for f in Path(settings.OUTBOUND_LABEL_ROOT).rglob("*") if f.is_file()]
    assert len(stored) == 1  # one label file, not one per delivery
    assert OutboundOrder.objects.filter(status=OutboundOrder.Status.LABELLED).count() == 1
    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.SHIPPING_LABEL).count() == 1
