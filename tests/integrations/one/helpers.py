import json

from integrations.one.models import OneSyncRun
from integrations.one.services import one_sync_send_now, one_sync_start
from tests.helpers import TEST_ACTOR
from wms.catalog.services import product_set_sync_to_one
from wms.inventory.services import StockLine, stock_receive, stock_reserve

BASE_URL = "https://one.test"
TENANT = "tenant-wms"
API_KEY = "one-key-for-tests-0123"
ONE_WH = "WRO"
PUT_URL = f"{BASE_URL}/api/v1/stock/integrations/auth-required/warehouses/WRO/stocks"
POST_URL = f"{BASE_URL}/api/v1/stock/integrations/auth-required/warehouses/WRO/stocks/incremental"


def sync(publication, *, purpose=OneSyncRun.Purpose.CHANGES, send=True):
    run = one_sync_start(publication_id=publication.pk, purpose=purpose, trigger="COMMAND")
    if send:
        one_sync_send_now(run_id=run.pk, wait_seconds=0)
    run.refresh_from_db()
    return run


def flag(*products, enabled=True):
    product_set_sync_to_one(product_ids=[p.pk for p in products], enabled=enabled)


def receive(warehouse, product, qty, damaged=0):
    stock_receive(actor=TEST_ACTOR, warehouse_id=warehouse.pk, good=[StockLine(product.pk, qty)] if qty else [],
                  damaged=[StockLine(product.pk, damaged)] if damaged else [], reference_type="test",
                  reference_number="T")


def reserve(warehouse, product, qty):
    stock_reserve(actor=TEST_ACTOR, warehouse_id=warehouse.pk, lines=[StockLine(product.pk, qty)],
                  reference_type="test", reference_number="R")


def bodies(mocked, method=None):
    return [json.loads(call.request.body) for call in mocked.calls
            if method is None or call.request.method == method]


def sent_skus(mocked):
    return [line["sku"] for body in bodies(mocked) for line in body["stocks"]]
