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


def held(publication):
    return dict(OneHeldStock.objects.filter(publication=publication).values_list("one_sku", "quantity"))


def test_a_product_never_published_is_never_in_stocks_to_remove(fake_one, one_publication, warehouse, stocked):
    published, never = stocked(4), stocked(5)
    flag(published)
    publication = one_publication()
    sync(publication)  # baseline
    receive(warehouse, never, 1)  # moves of an unflagged product
    flag(never)  # flagged...
    flag(never, enabled=False)  # ...and unflagged before any sync sent it
    receive(warehouse, published, 1)
    sync(publication)
    sync(publication, purpose=Purpose.BASELINE)
    removed = [sku for _, _, body in fake_one.requests for sku in body.get("stocksToRemove", [])]
    assert never.sku_id not in removed and removed == []
    assert held(publication) == {published.sku_id: 5} == fake_one.stock["WRO"]


def test_unflagging_a_published_product_removes_it_once(fake_one, one_publication, stocked):
    a, b = stocked(2), stocked(3)
    flag(a, b)
    publication = one_publication()
    sync(publication)
    flag(b, enabled=False)
    fake_one.requests.clear()
    sync(publication)
    sync(publication)
    assert [body for _, _, body in fake_one.requests] == [{"stocks": [], "stocksToRemove": [b.sku_id]}]
    assert held(publication) == {a.sku_id: 2}


def test_after_a_bulk_flag_of_1000_products_one_run_sends_them_and_the_next_runs_send_nothing(
        fake_one, one_publication, warehouse, settings):
    products = ProductFactory.create_batch(1000)
    stock_receive(warehouse_id=warehouse.pk, good=[StockLine(p.pk, 3) for p in products], reference_type="test",
                  reference_number="BULK", actor=TEST_ACTOR)
    publication = one_publication()
    sync(publication)  # the baseline: nothing flagged yet
    flag(*products)
    assert OneStockChange.objects.filter(publication=publication).count() == 1000
    first = sync(publication)
    assert (first.purpose, first.changes, first.lines, first.removals) == ("CHANGES", 1000, 1000, 0)
    fake_one.requests.clear()
    for _ in range(3):
        run = sync(publication)
        assert (run.status, run.changes, run.lines, run.chunks_total) == (OneSyncRun.Status.SUCCEEDED, 0, 0, 0)
    assert fake_one.requests == [] and len(held(publication)) == 1000


def test_a_move_that_does_not_change_available_sends_nothing(fake_one, one_publication, warehouse, stocked):
    product = stocked(5)
    flag(product)
    publication = one_publication()
    sync(publication)
    fake_one.requests.clear()
    receive(warehouse, product, 0, damaged=2)  # damaged units are not for sale
    run = sync(publication)
    assert (run.changes, run.lines) == (1, 0) and fake_one.requests == []


def test_held_stock_is_written_only_when_a_chunk_succeeds(mocked, one_publication, warehouse, stocked):
    product = stocked(5)
    flag(product)
    publication = one_publication()
    mocked.post(POST_URL, status=400, body="no")
    failed = sync(publication)
    assert failed.status == OneSyncRun.Status.FAILED and held(publication) == {}
    mocked.replace("POST", POST_URL, status=200)
    assert sync(publication).status == OneSyncRun.Status.SUCCEEDED and held(publication) == {product.sku_id: 5}
    reserve(warehouse, product, 2)
    mocked.replace("POST", POST_URL, status=503)
    sync(publication)
    assert held(publication) == {product.sku_id: 5}  # ONE has not taken the 3 yet


def test_a_changed_one_sku_removes_the_old_id_and_sends_the_new_one(fake_one, one_publication, stocked):
    product = stocked(6)
    flag(product)
    publication = one_publication()
    sync(publication)
    product_set_one_sku(product_id=product.pk, one_sku="ONE-77")
    fake_one.requests.clear()
    run = sync(publication)
    assert (run.lines, run.removals) == (1, 1)
    assert [body for _, _, body in fake_one.requests] == [
        {"stocks": [{"id": "ONE-77", "quantity": 6, "sku": "ONE-77"}], "stocksToRemove": [product.sku_id]}]
    assert fake_one.stock["WRO"] == {"ONE-77": 6} == held(publication)


def test_the_one_sku_is_used_in_baselines_and_puts(fake_one, one_publication, stocked):
    product = stocked(2)
    flag(product)
    product_set_one_sku(product_id=product.pk, one_sku="X 1,2")  # a space and a comma
    sync(one_publication())
    assert [line["sku"] for _, _, body in fake_one.requests for line in body["stocks"]] == ["X 1,2"]


def test_a_warehouse_not_published_captures_nothing(one_publication, warehouse, stocked):
    one_publication(warehouse_=WarehouseFactory(code="OTHER"), one_warehouse_id="OTH")
    product = stocked(3)
    flag(product)
    receive(warehouse, product, 1)
    assert not OneStockChange.objects.exists()


def test_incremental_after_a_baseline_sends_only_the_changed_products(mocked, one_publication, warehouse, stocked):
    products = [stocked(1) for _ in range(5)]
    flag(*products)
    publication = one_publication()
    mocked.post(POST_URL, status=200)
    sync(publication)
    mocked.calls.reset()
    receive(warehouse, products[1], 2)
    receive(warehouse, products[3], 1)
    run = sync(publication)
    assert sorted(sent_skus(mocked)) == sorted([products[1].sku_id, products[3].sku_id])
    assert (run.changes, run.lines) == (2, 2) and bodies(mocked)[0]["stocksToRemove"] == []
