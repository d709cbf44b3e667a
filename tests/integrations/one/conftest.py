import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from integrations.one.models import OneWarehouseMapping
from integrations.one.services import one_mapping_create

BASE_URL = "https://one.test"
TENANT = "tenant-wms"
API_KEY = "one-key-for-tests-0123"
ONE_WH = "WRO"


@pytest.fixture(autouse=True)
def one_settings(settings):
    settings.ONE_BASE_URL = BASE_URL
    settings.ONE_TENANT = TENANT
    settings.ONE_API_KEY = API_KEY
    settings.ONE_MAX_LINES_PER_REQUEST = 10_000
    return settings


@pytest.fixture
def one_mapping(warehouse):
    def _mapping(mode=OneWarehouseMapping.Mode.INCREMENTAL, one_warehouse_id=ONE_WH, warehouse_=None):
        return one_mapping_create(warehouse=warehouse_ or warehouse, one_warehouse_id=one_warehouse_id, mode=mode)

    return _mapping


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


class FakeOne:
    """ONE's stock API as the contract describes it, kept in memory: {warehouse: {sku: quantity}}."""

    def __init__(self, rsps):
        self.stock: dict[str, dict[str, int]] = {}
        self.requests: list[tuple[str, str, dict]] = []
        warehouses = re.compile(rf"{re.escape(BASE_URL)}/api/v1/stock/integrations/auth-required/warehouses/([^/]+)/"
                                r"stocks(/incremental)?$")
        rsps.add_callback(responses.PUT, warehouses, callback=self._put)
        rsps.add_callback(responses.POST, warehouses, callback=self._post)
        rsps.add_callback(responses.GET, f"{BASE_URL}/api/v1/stock/integrations/auth-required/stocks",
                          callback=self._get)

    @staticmethod
    def _warehouse(request) -> str:
        return urlsplit(request.url).path.split("/warehouses/")[1].split("/")[0]

    def _put(self, request):
        body = json.loads(request.body)
        self.requests.append(("PUT", self._warehouse(request), body))
        self.stock[self._warehouse(request)] = {line["sku"]: line["quantity"] for line in body["stocks"]}
        return 200, {}, ""

    def _post(self, request):
        body = json.loads(request.body)
        self.requests.append(("POST", self._warehouse(request), body))
        stock = self.stock.setdefault(self._warehouse(request), {})
        for line in body["stocks"]:
            stock[line["sku"]] = line["quantity"]
        for sku in body["stocksToRemove"]:
            stock.pop(sku, None)
        return 200, {}, ""

    def _get(self, request):
        query = parse_qs(urlsplit(request.url).query)
        answer = {}
        for sku in query.get("skus", []):
            rows = [{"warehouseId": wh, "warehouseLabel": wh, "quantity": self.stock[wh][sku],
                     "largestQuantity": self.stock[wh][sku], "stocks": []}
                    for wh in query.get("warehouses", []) if sku in self.stock.get(wh, {})]
            if rows:
                answer[sku] = {"overallQuantity": sum(r["quantity"] for r in rows),
                               "selectedWarehousesQuantity": sum(r["quantity"] for r in rows), "warehouses": rows}
        return 200, {"Content-Type": "application/json"}, json.dumps(answer)


@pytest.fixture
def fake_one(mocked):
    return FakeOne(mocked)
