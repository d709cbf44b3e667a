"""The ``simulators_live`` fixture over real HTTP: what the WMS's clients will see when the lead's end-to-end tests
point them at the simulators on pytest-django's live server."""

import json
import time

import pytest
import requests

from integrations.onewarehouse import auth
from simulators.onewarehouse import payloads as p
from simulators.onewarehouse.models import SimPush, SimShipment
from simulators.onewarehouse.services import push_send

pytestmark = pytest.mark.e2e


def _signed_post(url, payload, keys, settings):
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", **auth.signed_headers(
        mode=auth.outgoing_mode_active(), app_key=keys.app_key, app_secret=keys.app_secret,
        timestamp=str(int(time.time())), body=body)}
    return requests.post(url, data=body, headers=headers, timeout=10)


def test_the_wms_settings_point_at_the_simulators_on_the_live_server(simulators_live, settings):
    keys = settings.ONEWAREHOUSE_KEYS[settings.ONEWAREHOUSE_ENV]
    assert keys["base_url"] == simulators_live.url + "/simulators/onewarehouse"
    assert settings.ONE_BASE_URL == simulators_live.url + "/simulators/one"
    assert keys["app_key"] == simulators_live.keys.app_key and settings.ONE_API_KEY == simulators_live.keys.one_api_key


def test_label_then_callback_then_refused_label_over_real_http(simulators_live, settings):
    base = settings.ONEWAREHOUSE_KEYS[settings.ONEWAREHOUSE_ENV]["base_url"]
    keys = simulators_live.keys
    label = _signed_post(base + "/openapi/wms/outbound-orders/label?label_mode=url",
                         {"outbound_order_no": "OB-LIVE-1"}, keys, settings).json()
    assert label["code"] == 0
    pdf = requests.get(label["data"]["label_url"], timeout=10)
    assert pdf.headers["Content-Type"] == "application/pdf" and b"OB-LIVE-1" in pdf.content
    shipped = _signed_post(base + "/openapi/wms/outbound-orders/callback", {
        "outbound_order_no": "OB-LIVE-1", "status": "SHIPPED", "shipped_time": "2026-11-26T09:15:00+08:00",
        "tracking_no": label["data"]["tracking_no"],
        "packages": [{"package_no": "PKG-1", "weight": "0.650", "items": [{"sku_id": "A", "quantity": 1}]}],
    }, keys, settings).json()
    assert shipped["code"] == 0 and SimShipment.objects.get().is_shipped
    assert _signed_post(base + "/openapi/wms/outbound-orders/label", {"outbound_order_no": "OB-LIVE-1"}, keys,
                        settings).json()["code"] == 1005


def test_one_stock_round_trip_over_real_http(simulators_live, settings):
    headers = {"one-tenant": settings.ONE_TENANT, "ApiAuth": settings.ONE_API_KEY, "accept": "*/*"}
    api = settings.ONE_BASE_URL + "/api/v1/stock/integrations/auth-required"
    put = requests.put(api + "/warehouses/WRO/stocks", json={"stocks": [{"id": "A", "quantity": 7, "sku": "A"}]},
                       headers=headers, timeout=10)
    assert put.status_code == 200
    got = requests.get(api + "/stocks", params=[("skus", "A"), ("warehouses", "WRO")], headers=headers, timeout=10)
    assert got.json()["A"]["warehouses"][0]["largestQuantity"] == 7


def test_a_signed_push_over_real_http_creates_the_product_and_its_answer_is_recorded(simulators_live):
    from wms.catalog.models import Product

    push, outcome = push_send(kind=p.PushKind.PRODUCT_SYNC, payload=p.product_payload(sku_id="LIVE-1"))
    assert push.url == simulators_live.url + "/api/onewarehouse/products/sync"
    assert (outcome.status_code, outcome.code) == (200, 0)
    recorded = SimPush.objects.get()
    assert (recorded.status_code, recorded.response_code) == (200, 0)
    assert Product.objects.filter(sku_id="LIVE-1").exists()
