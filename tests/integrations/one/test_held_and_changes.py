"""What ONE holds per publication and the changes waiting for it: exactly what changed is sent, once; only ids ONE
holds are ever removed."""

import pytest

from integrations.one.models import OneHeldStock, OneStockChange, OneSyncRun
from tests.factories import ProductFactory, WarehouseFactory
from tests.helpers import TEST_ACTOR
from wms.catalog.services import product_set_one_sku
from wms.inventory.services import StockLine, stock_receive

from .helpers import POST_URL, bodies, flag, receive, reserve, sent_skus, sync

Purpose = OneSyncRun.Purpose

pytestmark = pytest.mark.django_db


def held(mapping):
    return dict(OneHeldStock.objects.filter(mapping=mapping).values_list("one_sku", "quantity"))


def test_a_product_never_published_is_never_in_stocks_to_remove(fake_one, one_mapping, warehouse, stocked):
    published, never = stocked(4), stocked(5)
    flag(published)
    mapping = one_mapping()
    sync(mapping)  # baseline
    receive(warehouse, never, 1)  # moves of an unflagged product
    flag(never)  # flagged...
    flag(never, enabled=False)  # ...and unflagged before any sync sent it
    receive(warehouse, published, 1)
    sync(mapping)
    sync(mapping, purpose=Purpose.BASELINE)
    removed = [sku for _, _, body in fake_one.requests for sku in body.get("stocksToRemove", [])]
    assert never.sku_id not in removed and removed == []
    assert held(mapping) == {published.sku_id: 5} == fake_one.stock["WRO"]


def test_unflagging_a_published_product_removes_it_once(fake_one, one_mapping, stocked):
    a, b = stocked(2), stocked(3)
    flag(a, b)
    mapping = one_mapping()
    sync(mapping)
    flag(b, enabled=False)
    fake_one.requests.clear()
    sync(mapping)
    sync(mapping)
    assert [body for _, _, body in fake_one.requests] == [{"stocks": [], "stocksToRemove": [b.sku_id]}]
    assert held(mapping) == {a.sku_id: 2}


def test_after_a_bulk_flag_of_1000_products_one_run_sends_them_and_the_next_runs_send_nothing(
        fake_one, one_mapping, warehouse, settings):
    products = ProductFactory.create_batch(1000)
    stock_receive(warehouse_id=warehouse.pk, good=[StockLine(p.pk, 3) for p in products], reference_type="test",
                  reference_number="BULK", actor=TEST_ACTOR)
    mapping = one_mapping()
    sync(mapping)  # the baseline: nothing flagged yet
    flag(*products)
    assert OneStockChange.objects.filter(mapping=mapping).count() == 1000
    first = sync(mapping)
    assert (first.purpose, first.changes, first.lines, first.removals) == ("CHANGES", 1000, 1000, 0)
    fake_one.requests.clear()
    for _ in range(3):
        run = sync(mapping)
        assert (run.status, run.changes, run.lines, run.chunks_total) == (OneSyncRun.Status.SUCCEEDED, 0, 0, 0)
    assert fake_one.requests == [] and len(held(mapping)) == 1000


def test_a_move_that_does_not_change_available_sends_nothing(fake_one, one_mapping, warehouse, stocked):
    product = stocked(5)
    flag(product)
    mapping = one_mapping()
    sync(mapping)
    fake_one.requests.clear()
    receive(warehouse, product, 0, damaged=2)  # damaged units are not for sale
    run = sync(mapping)
    assert (run.changes, run.lines) == (1, 0) and fake_one.requests == []


def test_held_stock_is_written_only_when_a_chunk_succeeds(mocked, one_mapping, warehouse, stocked):
    product = stocked(5)
    flag(product)
    mapping = one_mapping()
    mocked.post(POST_URL, status=400, body="no")
    failed = sync(mapping)
    assert failed.status == OneSyncRun.Status.FAILED and held(mapping) == {}
    mocked.replace("POST", POST_URL, status=200)
    assert sync(mapping).status == OneSyncRun.Status.SUCCEEDED and held(mapping) == {product.sku_id: 5}
    reserve(warehouse, product, 2)
    mocked.replace("POST", POST_URL, status=503)
    sync(mapping)
    assert held(mapping) == {product.sku_id: 5}  # ONE has not taken the 3 yet


def test_a_changed_one_sku_removes_the_old_id_and_sends_the_new_one(fake_one, one_mapping, stocked):
    product = stocked(6)
    flag(product)
    mapping = one_mapping()
    sync(mapping)
    product_set_one_sku(product_id=product.pk, one_sku="ONE-77")
    fake_one.requests.clear()
    run = sync(mapping)
    assert (run.lines, run.removals) == (1, 1)
    assert [body for _, _, body in fake_one.requests] == [
        {"stocks": [{"id": "ONE-77", "quantity": 6, "sku": "ONE-77"}], "stocksToRemove": [product.sku_id]}]
    assert fake_one.stock["WRO"] == {"ONE-77": 6} == held(mapping)


def test_the_one_sku_is_used_in_baselines_and_puts(fake_one, one_mapping, stocked):
    product = stocked(2)
    flag(product)
    product_set_one_sku(product_id=product.pk, one_sku="X 1,2")  # a space and a comma
    sync(one_mapping())
    assert [line["sku"] for _, _, body in fake_one.requests for line in body["stocks"]] == ["X 1,2"]


def test_a_warehouse_not_published_captures_nothing(one_mapping, warehouse, stocked):
    one_mapping(warehouse_=WarehouseFactory(code="OTHER"), one_warehouse_id="OTH")
    product = stocked(3)
    flag(product)
    receive(warehouse, product, 1)
    assert not OneStockChange.objects.exists()


def test_incremental_after_a_baseline_sends_only_the_changed_products(mocked, one_mapping, warehouse, stocked):
    products = [stocked(1) for _ in range(5)]
    flag(*products)
    mapping = one_mapping()
    mocked.post(POST_URL, status=200)
    sync(mapping)
    mocked.calls.reset()
    receive(warehouse, products[1], 2)
    receive(warehouse, products[3], 1)
    run = sync(mapping)
    assert sorted(sent_skus(mocked)) == sorted([products[1].sku_id, products[3].sku_id])
    assert (run.changes, run.lines) == (2, 2) and bodies(mocked)[0]["stocksToRemove"] == []
