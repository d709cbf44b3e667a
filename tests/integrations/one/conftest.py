"""Every test here talks to ONE at its test address (``one_settings``, with ``one_mapping`` and ``mocked``, is in
tests/conftest.py: the fault tests use them too)."""

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from .helpers import BASE_URL


@pytest.fixture(autouse=True)
def _one_settings(one_settings):
    return one_settings


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
