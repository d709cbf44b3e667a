"""Fault: Redis (the Celery broker) is down while webhooks arrive; nothing is lost and nothing is sent twice.

Pushes are answered from the database alone; each outgoing call waits as a PENDING outbox message (publishing to
the dead broker fails fast and is only logged). Once the broker is back, the sweep hands every due message to the
worker and each is sent exactly once. Runs on the PostgreSQL + Redis run only (the broker must be Redis)."""

import os

import pytest
import responses

from integrations.onewarehouse.senders import SENDERS
from tests.factories import ProductFactory
from tests.integrations.onewarehouse.helpers import E, fixture_load, keys
from wms.celery import app as celery_app
from wms.inbound.models import InboundOrder
from wms.inbound.services import LineCount, inbound_order_complete, inbound_order_record_counts
from wms.outbound.models import OutboundOrder
from wms.outbox import services as outbox_services
from wms.outbox.models import OutboxMessage
from wms.outbox.registry import sender_register
from wms.outbox.services import outbox_sweep

pytestmark = [
    pytest.mark.django_db, pytest.mark.faults,
    pytest.mark.skipif(not os.environ.get("CELERY_BROKER_URL", "").startswith("redis://"),
                       reason="needs the Redis broker (the PostgreSQL + Redis run)"),
]
DEAD_BROKER = "redis://127.0.0.1:6399/0"  # a closed port: the shared Redis is never stopped
BASE_URL = "https://ow-sandbox.test"
CALLBACK_URL = BASE_URL + "/openapi/wms/inbound-orders/callback"
OK = {"code": 0, "success": True, "msg": "success", "data": {}}


def _broker_use(url: str | None) -> None:
    """Publish to ``url`` (None: the configured broker again). Publishing reads broker_write_url first."""
    celery_app.conf.broker_write_url = url
    # A fresh connection pool for the URL (kombu keeps one per connection); the producer pool follows it.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def ow_settings(settings):
    for kind, sender in SENDERS.items():
        sender_register(kind, sender)
    settings.ONEWAREHOUSE_ENV = "sandbox"
    settings.ONEWAREHOUSE_SIGNATURE_MODE = "md5"
    settings.ONEWAREHOUSE_ALLOWED_IPS = []
    settings.ONEWAREHOUSE_TRUSTED_PROXY_HEADER = ""
    settings.ONEWAREHOUSE_TIMESTAMP_TOLERANCE_SECONDS = 300
    settings.ONEWAREHOUSE_KEYS = {
        "sandbox": {**keys(), "app_key": "cb-key", "app_secret": "cb-secret-for-tests", "base_url": BASE_URL},
        "production": keys("", ""),
    }


@pytest.fixture
def dead_broker():
    real = celery_app.conf.broker_write_url
    celery_app.conf.task_always_eager = False
    _broker_use(DEAD_BROKER)
    try:
        yield real
    finally:
        _broker_use(real)
        celery_app.conf.task_always_eager = True


def test_webhooks_are_answered_with_redis_down_and_the_sweep_sends_each_waiting_message_once(
        push, warehouse, receiver, dead_broker, django_capture_on_commit_callbacks, monkeypatch):
    for sku in ("OW-100234", "OW-100235"):
        ProductFactory(sku_id=sku)
    refused = []
    monkeypatch.setattr(outbox_services.logger, "warning", lambda msg, *args: refused.append(msg % args))
    with django_capture_on_commit_callbacks(execute=True):
        answers = []
        for n in range(3):
            payload = {**fixture_load("outbound_create"), "outbound_order_no": f"OB-FAULT-{n}",
                       "warehouse_code": warehouse.code}
            answers.append(push(E.OUTBOUND_CREATE, payload))
        payload = {**fixture_load("inbound_purchase"), "warehouse_code": warehouse.code}
        answers.append(push(E.INBOUND_PURCHASE, payload))
        inbound = InboundOrder.objects.get(inbound_order_no=payload["inbound_order_no"])
        inbound_order_record_counts(order=inbound, actor=receiver, counts=[
            LineCount(line.pk, line.expected_qty) for line in inbound.lines.all()])
        inbound_order_complete(order=inbound, actor=receiver)

    assert [(a.status_code, a.json()["code"]) for a in answers] == [(200, 0)] * 4
    # Every publish was really tried against the dead broker, and failed (without hanging) instead of raising.
    assert len(refused) == OutboxMessage.objects.count() and all("broker unavailable" in r for r in refused)
    assert OutboundOrder.objects.count() == 3
    waiting = list(OutboxMessage.objects.all())
    assert waiting and {m.status for m in waiting} == {OutboxMessage.Status.PENDING}
    assert {m.kind for m in waiting} >= {OutboxMessage.Kind.INBOUND_CALLBACK}

    _broker_use(dead_broker)  # Redis is back
    celery_app.conf.task_always_eager = True  # the worker runs the handed-over tasks in this process
    with responses.RequestsMock() as peer:
        peer.add(responses.POST, CALLBACK_URL, json=OK)
        assert outbox_sweep() == len(waiting)
        assert outbox_sweep() == 0  # nothing is due any more: nothing is sent twice
        assert len(peer.calls) == len(waiting)
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxMessage.Status.SENT}
    assert list(OutboxMessage.objects.values_list("attempts", flat=True)) == [1] * len(waiting)
