"""The whole flow over real HTTP, as in production: the OneWarehouse simulator pushes to the WMS's real URLs on a
live server, staff steps run through the services, a real Celery worker (not eager) sends every outbox message
to the simulators, and ONE's simulator ends up with our available stock, reconciled to zero drift."""

import functools
import json
import os
import time

import pytest
from django.core.management import call_command

from integrations.apilog.models import ApiExchange
from integrations.one.models import OnePublication, OneSyncRun
from integrations.one.services import one_publication_create, one_reconcile, one_sync_start
from simulators.one.models import SimStock
from simulators.onewarehouse import payloads as p
from simulators.onewarehouse.models import SimReceived, SimShipment
from simulators.onewarehouse.services import push_send
from tests.helpers import TEST_ACTOR
from wms.catalog.models import Product
from wms.catalog.services import owner_get_or_create, owner_set_one_publish_new
from wms.inbound.models import InboundOrder
from wms.inbound.services import LineCount, inbound_order_complete, inbound_order_record_counts
from wms.outbound.models import OutboundOrder
from wms.outbound.services import (
    PackageSpec,
    PickCount,
    outbound_order_label_request,
    outbound_order_pack,
    outbound_order_pick_record,
    outbound_order_ship,
)
from wms.outbox.models import OutboxMessage

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _broker_use(app, url: str, transport_options: dict) -> None:
    """Publish and consume on ``url``; a fresh connection pool for it (kombu keeps one per connection)."""
    app.conf.broker_url = url
    app.conf.broker_transport_options = transport_options
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def celery_worker(simulators_live, tmp_path):
    """A real worker thread consuming the configured broker (the embedded SQLite one, or Redis on PostgreSQL).

    The embedded broker's file is this test's own: var/broker.sqlite3 is shared by every suite run from the
    checkout and by `make run`'s worker, which would take this test's tasks (or it theirs, or stale ones)."""
    from celery.contrib.testing.worker import start_worker

    from wms.broker import sqlite_connect
    from wms.celery import app

    real = app.conf.broker_url, app.conf.broker_transport_options
    # The default embedded broker only: Celery reads CELERY_BROKER_URL from the environment before its settings.
    embedded = real[0].startswith("sqla+sqlite:///") and "CELERY_BROKER_URL" not in os.environ
    if embedded:
        broker_file = str(tmp_path / "broker.sqlite3")
        _broker_use(app, f"sqla+sqlite:///{broker_file}",
                    {**real[1], "creator": functools.partial(sqlite_connect, broker_file)})
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=15):
            yield
    finally:
        app.conf.task_always_eager = True
        if embedded:
            _broker_use(app, *real)


def wait_for(what: str, predicate, timeout: float = 45.0):
    """Poll until ``predicate()`` is truthy; a bound on waiting for the worker, not a speed assertion."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"gave up waiting for {what}; outbox: "
                f"{list(OutboxMessage.objects.values_list('kind', 'status', 'last_error'))}")


def pushed(kind, payload):
    _push, outcome = push_send(kind=kind, payload=payload)
    assert (outcome.status_code, outcome.code) == (200, 0), outcome.response_body
    return outcome.envelope["data"]


def _received_counts(profile: str, body: dict) -> list[tuple]:
    """What the inbound callback says was received, in the profile's names."""
    if profile == "contract":
        return [(i["sku_id"], i["good_qty"], i["damaged_qty"]) for i in body["items"]]
    return [(d["sku_id"], d["qty_good"]) for d in body["details"]]


RECEIVED = {"contract": [("E2E-A", 10, 0), ("E2E-B", 3, 1)], "v20210901": [("E2E-A", 10), ("E2E-B", 3)]}


@pytest.mark.parametrize("profile", [pytest.param(name, marks=pytest.mark.onewarehouse_profile(name))
                                     for name in ("contract", "v20210901")])
def test_push_receive_ship_and_publish_to_one(celery_worker, simulators_live, warehouse, receiver, picker, settings,
                                             tmp_path, caplog, admin_client, profile):
    """In each wire profile: the simulator pushes and answers in its names, the WMS reads and calls in them."""
    settings.MEDIA_ROOT = tmp_path
    # The merchant publishes its new products to ONE: nobody flags them by hand.
    owner_set_one_publish_new(owner_ids=[owner_get_or_create(owner_code=p.EXAMPLE_OWNER_CODE).pk], enabled=True)
    # OneWarehouse: products, then the purchase order that brings them (the guide's order).
    for sku in ("E2E-A", "E2E-B"):
        pushed(p.PushKind.PRODUCT_SYNC, p.product_payload(sku_id=sku, barcode=f"BC-{sku}"))
    pushed(p.PushKind.INBOUND_PURCHASE, p.inbound_purchase_payload(
        inbound_order_no="IB-E2E-1", items=[p.Item("E2E-A", 10), p.Item("E2E-B", 5)]))

    # Receiver: counts (one short, one damaged), completes; the worker sends the inbound callback.
    inbound = InboundOrder.objects.get(inbound_order_no="IB-E2E-1")
    lines = {line.product.sku_id: line for line in inbound.lines.select_related("product")}
    inbound_order_record_counts(order=inbound, actor=receiver, counts=[
        LineCount(lines["E2E-A"].pk, 10), LineCount(lines["E2E-B"].pk, 3, 1)])
    inbound_order_complete(order=inbound, actor=receiver)
    callback = wait_for("the inbound callback at OneWarehouse", lambda: SimReceived.objects.filter(
        kind=p.ReceivedKind.INBOUND_CALLBACK, order_no="IB-E2E-1", response_code=0).first())
    assert callback.signature_ok
    assert _received_counts(profile, json.loads(callback.request_body)) == RECEIVED[profile]

    # OneWarehouse: an outbound order; it is allocated at once (contract: in the answer; v20210901: right after it).
    data = pushed(p.PushKind.OUTBOUND_CREATE, p.outbound_create_payload(
        outbound_order_no="OB-E2E-1", items=[p.Item("E2E-A", 2), p.Item("E2E-B", 1)]))
    assert data["status"] == ("ALLOCATED" if profile == "contract" else "CREATED")

    # Picker: pick, pack, ask for the label (the worker fetches it), ship (the worker sends the callback).
    order = wait_for("the outbound order allocated", lambda: OutboundOrder.objects.filter(
        outbound_order_no="OB-E2E-1", status=OutboundOrder.Status.ALLOCATED).first())
    order_lines = {line.product.sku_id: line for line in order.lines.select_related("product")}
    outbound_order_pick_record(order=order, actor=picker, counts=[
        PickCount(order_lines["E2E-A"].pk, 2), PickCount(order_lines["E2E-B"].pk, 1)])
    outbound_order_pack(order=order, actor=picker, packages=[
        PackageSpec("0.650", "32", "26", "6", {order_lines["E2E-A"].pk: 2, order_lines["E2E-B"].pk: 1})])
    outbound_order_label_request(order=order, actor=picker)
    wait_for("the label", lambda: OutboundOrder.objects.filter(pk=order.pk, status="LABELLED").exists())
    order.refresh_from_db()
    assert order.label_file.read().startswith(b"%PDF")
    outbound_order_ship(order=order, actor=picker)
    # The simulator books the shipment, then records the call it answered: wait for the record.
    wait_for("the shipped callback at OneWarehouse", lambda: SimReceived.objects.filter(
        kind=p.ReceivedKind.OUTBOUND_CALLBACK, order_no="OB-E2E-1", response_code=0).exists())
    shipment = SimShipment.objects.get(outbound_order_no="OB-E2E-1", shipped_at__isnull=False)
    assert shipment.tracking_no == order.tracking_no
    calls = list(SimReceived.objects.filter(order_no="OB-E2E-1").order_by("pk").values_list("kind", "response_code"))
    assert calls == [("label", 0), ("outbound_callback", 0)]  # the label first, each exactly once

    # ONE: the warehouse is published; the worker sends the chunks; the read-back shows no drift.
    assert set(Product.objects.filter(sku_id__startswith="E2E-").values_list("sync_to_one", flat=True)) == {True}
    publication = one_publication_create(actor=TEST_ACTOR, warehouse=warehouse, one_warehouse_id="TPE",
                                         mode=OnePublication.Mode.INCREMENTAL)
    run = one_sync_start(publication_id=publication.pk)
    wait_for("the ONE sync", lambda: OneSyncRun.objects.filter(pk=run.pk, status="SUCCEEDED").exists())
    assert dict(SimStock.objects.filter(warehouse__warehouse_id="TPE").values_list("sku", "quantity")) == {
        "E2E-A": 8, "E2E-B": 2}
    assert one_reconcile(publication_id=publication.pk).drifted == 0

    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"SENT"}
    call_command("stock_verify")

    # No secret anywhere a person or a log reader can see: the request log, its admin pages, the process logs.
    keys = simulators_live.keys
    secrets = [keys.push_app_secret, keys.app_secret, keys.one_api_key]
    seen = json.dumps(list(ApiExchange.objects.values()), default=str) + caplog.text
    seen += admin_client.get("/admin/apilog/apiexchange/").content.decode()
    for exchange_id in ApiExchange.objects.values_list("pk", flat=True):
        seen += admin_client.get(f"/admin/apilog/apiexchange/{exchange_id}/change/").content.decode()
    seen += admin_client.get("/admin/integration-console/").content.decode()
    assert ApiExchange.objects.filter(direction="OUT").count() >= 4
    assert ApiExchange.objects.filter(direction="IN").count() >= 4
    leaked = [secret for secret in secrets if secret in seen]
    assert leaked == []
