from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from responses import matchers

from integrations.one.models import OnePublication, OneReconciliation, OneStockDrift, OneSyncRun
from integrations.one.services import (
    SyncRefused,
    one_drift_resync,
    one_publication_mode_switch,
    one_reconcile,
    one_sync_send_now,
)
from tests.factories import ProductFactory
from wms.catalog.services import product_set_one_sku
from wms.core.errors import PermissionDenied

from .helpers import BASE_URL, POST_URL, PUT_URL, flag, receive, reserve, sync

pytestmark = pytest.mark.django_db
Mode = OnePublication.Mode
STOCKS_URL = f"{BASE_URL}/api/v1/stock/integrations/auth-required/stocks"


@pytest.fixture
def flagged(warehouse):
    products = [ProductFactory() for _ in range(3)]
    for qty, product in zip((5, 8, 13), products, strict=True):
        receive(warehouse, product, qty)
    flag(*products)
    return products


def test_drift_is_zero_after_a_successful_sync(fake_one, one_publication, flagged, settings):
    settings.ONE_MAX_LINES_PER_REQUEST = 2
    publication = one_publication()
    assert sync(publication).status == OneSyncRun.Status.SUCCEEDED
    reconciliation = one_reconcile(publication_id=publication.pk)
    assert (reconciliation.status, reconciliation.checked, reconciliation.drifted) == ("SUCCEEDED", 3, 0)


def test_reconciliation_records_each_product_whose_largest_quantity_differs(
        fake_one, one_publication, flagged, warehouse):
    a, b, _c = flagged
    publication = one_publication()
    sync(publication)
    reserve(warehouse, a, 2)  # ours is now 3, ONE still has 5
    fake_one.stock["WRO"].pop(b.sku_id)  # ONE lost b
    reconciliation = one_reconcile(publication_id=publication.pk)
    drifts = {d.product_id: d for d in OneStockDrift.objects.filter(reconciliation=reconciliation)}
    assert reconciliation.drifted == 2 and set(drifts) == {a.pk, b.pk}
    assert (drifts[a.pk].ours, drifts[a.pk].theirs, drifts[a.pk].difference) == (3, Decimal(5), Decimal(2))
    assert (drifts[b.pk].ours, drifts[b.pk].theirs, drifts[b.pk].difference) == (8, None, Decimal(-8))


def test_reconciliation_compares_with_largest_quantity_not_quantity(mocked, one_publication, warehouse):
    product = ProductFactory(sku_id="SIGNY_51500600")
    receive(warehouse, product, 24)
    flag(product)
    publication = one_publication()
    mocked.get(STOCKS_URL, match=[matchers.query_param_matcher({"skus": "SIGNY_51500600", "warehouses": "WRO",
                                                                 "withStocks": "false"})],
               json={"SIGNY_51500600": {"overallQuantity": 164.1, "selectedWarehousesQuantity": 24, "warehouses": [
                   {"warehouseId": "WRO", "warehouseLabel": "Wroclaw", "quantity": 18, "largestQuantity": 24,
                    "stocks": []}]}})
    assert one_reconcile(publication_id=publication.pk).drifted == 0


def test_resync_selected_drift_sends_those_products_and_the_next_reconciliation_is_clean(
        fake_one, one_publication, flagged, warehouse, supervisor):
    a, _b, c = flagged
    publication = one_publication()
    sync(publication)
    reserve(warehouse, a, 1)
    fake_one.stock["WRO"][c.sku_id] = 99
    drift_ids = list(OneStockDrift.objects.filter(
        reconciliation=one_reconcile(publication_id=publication.pk)).values_list("pk", flat=True))
    fake_one.requests.clear()
    (run,) = one_drift_resync(drift_ids=drift_ids, actor=supervisor)
    run = one_sync_send_now(run_id=run.pk, wait_seconds=0)
    assert run.purpose == "RESYNC" and run.status == "SUCCEEDED"
    assert [sorted(line["sku"] for line in body["stocks"]) for _, _, body in fake_one.requests] == [
        sorted([a.sku_id, c.sku_id])]
    assert one_reconcile(publication_id=publication.pk).drifted == 0


def test_resync_needs_a_supervisor(one_publication, receiver):
    with pytest.raises(PermissionDenied):
        one_drift_resync(drift_ids=[], actor=receiver)


def test_failed_read_back_is_a_failed_reconciliation_with_the_reason(mocked, one_publication, flagged):
    mocked.get(STOCKS_URL, status=401)
    reconciliation = one_reconcile(publication_id=one_publication().pk)
    assert reconciliation.status == OneReconciliation.Status.FAILED and "credentials" in reconciliation.error


@pytest.mark.parametrize("body", ["[1, 2]", "Service Unavailable"])
def test_a_read_back_that_is_not_a_json_object_fails_the_reconciliation_with_the_reason(mocked, one_publication,
                                                                                        flagged, body):
    mocked.get(STOCKS_URL, status=200, body=body)
    reconciliation = one_reconcile(publication_id=one_publication().pk)
    assert reconciliation.status == OneReconciliation.Status.FAILED
    assert "not an object" in reconciliation.error or "not JSON" in reconciliation.error


def test_a_reconciliation_reads_by_the_one_sku(fake_one, one_publication, flagged):
    a = flagged[0]
    product_set_one_sku(product_id=a.pk, one_sku="ONE A,1")
    publication = one_publication()
    sync(publication)
    assert "ONE A,1" in fake_one.stock["WRO"]
    reconciliation = one_reconcile(publication_id=publication.pk)
    assert (reconciliation.status, reconciliation.checked, reconciliation.drifted) == ("SUCCEEDED", 3, 0)


def test_switching_mode_removes_the_warehouse_stock_on_one_then_sends_a_baseline_with_the_new_endpoint(
        fake_one, one_publication, flagged, warehouse, supervisor, django_capture_on_commit_callbacks):
    a, b, c = flagged
    publication = one_publication(mode=Mode.INCREMENTAL)
    sync(publication)
    flag(c, enabled=False)
    fake_one.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        one_publication_mode_switch(publication=publication, mode=Mode.FULL, actor=supervisor)
    run = OneSyncRun.objects.get(purpose="SWITCH")
    assert run.status == "SUCCEEDED"
    removal, baseline = fake_one.requests
    assert removal == ("POST", "WRO", {"stocks": [], "stocksToRemove": [a.sku_id, b.sku_id, c.sku_id]})
    assert baseline == ("PUT", "WRO", {"stocks": [{"id": a.sku_id, "quantity": 5, "sku": a.sku_id},
                                                  {"id": b.sku_id, "quantity": 8, "sku": b.sku_id}]})
    publication.refresh_from_db()
    assert (publication.mode, publication.switch_pending, publication.baseline_needed) == (Mode.FULL, False, False)
    assert fake_one.stock["WRO"] == {a.sku_id: 5, b.sku_id: 8}


def test_a_failed_switch_is_done_again_by_the_next_sync(mocked, one_publication, flagged, supervisor):
    mocked.put(PUT_URL, status=200)
    publication = one_publication(mode=Mode.FULL)
    sync(publication)
    one_publication_mode_switch(publication=publication, mode=Mode.INCREMENTAL, actor=supervisor)  # task not run
    mocked.post(POST_URL, status=403)
    failed = sync(publication)
    assert (failed.purpose, failed.status) == ("SWITCH", "FAILED")
    mocked.replace("POST", POST_URL, status=200)
    again = sync(publication)
    publication.refresh_from_db()
    assert (again.purpose, again.status, publication.switch_pending) == ("SWITCH", "SUCCEEDED", False)
    assert (sync(publication).purpose, sync(publication).mode) == ("CHANGES", "INCREMENTAL")


def test_switch_to_full_is_refused_over_the_limit(one_publication, flagged, settings, supervisor):
    settings.ONE_MAX_LINES_PER_REQUEST = 2
    publication = one_publication(mode=Mode.INCREMENTAL)
    with pytest.raises(SyncRefused, match="switch this warehouse to INCREMENTAL"):
        one_publication_mode_switch(publication=publication, mode=Mode.FULL, actor=supervisor)
    publication.refresh_from_db()
    assert publication.mode == Mode.INCREMENTAL and not publication.switch_pending


def test_one_sync_command_prints_a_summary_and_fails_on_refusal(fake_one, one_publication, flagged, warehouse, capsys,
                                                                settings):
    one_publication(mode=Mode.FULL)
    call_command("one_sync", "--warehouse", warehouse.code)
    out = capsys.readouterr().out
    assert "3 line(s)" in out and "1/1 chunk(s) sent" in out and "SUCCEEDED" in out
    assert "[BASELINE, FULL]" in out
    call_command("one_sync", "--warehouse", warehouse.code)  # nothing changed: a FULL warehouse is not PUT again
    assert "0/0 chunk(s) sent" in capsys.readouterr().out
    call_command("one_sync", "--warehouse", warehouse.code, "--baseline")  # PUT again, even unchanged
    assert "[BASELINE, FULL]: 3 line(s)" in capsys.readouterr().out
    settings.ONE_MAX_LINES_PER_REQUEST = 2
    with pytest.raises(CommandError, match="INCREMENTAL"):
        call_command("one_sync", "--warehouse", warehouse.code, "--baseline")


def test_one_sync_command_fails_when_one_refuses_the_key(mocked, one_publication, flagged, warehouse):
    one_publication()
    mocked.post(f"{BASE_URL}/api/v1/stock/integrations/auth-required/warehouses/WRO/stocks/incremental", status=401)
    with pytest.raises(CommandError, match="credentials"):
        call_command("one_sync", "--warehouse", warehouse.code, "--baseline")


def test_one_reconcile_command_prints_the_drift_and_fails_when_one_cannot_be_read(
        fake_one, mocked, one_publication, flagged, warehouse, capsys):
    a = flagged[0]
    sync(one_publication())
    fake_one.stock["WRO"][a.sku_id] = 1
    call_command("one_reconcile", "--warehouse", warehouse.code)
    out = capsys.readouterr().out
    assert "3 product(s) checked, 1 drifted" in out and f"{a.sku_id}: ours 5, ONE 1" in out
    mocked.replace("GET", STOCKS_URL, status=503)
    with pytest.raises(CommandError, match="503"):
        call_command("one_reconcile", "--warehouse", warehouse.code)
