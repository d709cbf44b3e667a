"""The same delivery 20 times at once (threads, each its own connection) makes one record."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from integrations.apilog.models import ApiExchange
from tests.helpers import race, requires_postgres
from tests.integrations.onewarehouse.helpers import E, fixture_bytes, fixture_load, sign
from wms.catalog.models import Product
from wms.inbound.models import InboundOrder, InboundOrderLine
from wms.inventory.models import StockLevel, StockMove
from wms.inventory.selectors import stock_ledger_drift
from wms.outbound.models import OutboundOrder

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]
WORKERS = 20


def deliver_at_once(endpoint: str, name: str) -> list[dict]:
    body = fixture_bytes(name)
    url = reverse(f"onewarehouse:{endpoint}")

    def deliver(_index):
        response = Client().post(url, data=body, content_type="application/json", headers=sign(body))
        return response.json()

    answers = race(WORKERS, deliver)
    assert all(isinstance(a, dict) and a["code"] == 0 for a in answers), answers
    assert sum(a["data"]["created"] for a in answers) == 1
    assert ApiExchange.objects.filter(endpoint=endpoint, business_code=0).count() == WORKERS
    return answers


def test_twenty_simultaneous_product_syncs_make_one_product(ow_settings, warehouse):
    deliver_at_once(E.PRODUCT_SYNC, "product_sync")
    assert Product.objects.filter(sku_id="OW-100234").count() == 1


def test_twenty_simultaneous_inbound_pushes_make_one_order(ow_settings, catalogue):
    deliver_at_once(E.INBOUND_PURCHASE, "inbound_purchase")
    assert InboundOrder.objects.count() == 1 and InboundOrderLine.objects.count() == 2


def test_twenty_simultaneous_outbound_creates_make_one_order_reserved_once(ow_settings, stocked_catalogue):
    answers = deliver_at_once(E.OUTBOUND_CREATE, "outbound_create")
    assert {a["data"]["status"] for a in answers} == {"ALLOCATED"}
    assert OutboundOrder.objects.count() == 1
    assert sorted(StockLevel.objects.values_list("reserved", flat=True)) == [1, 2]
    assert StockMove.objects.filter(kind=StockMove.Kind.ALLOCATE).count() == 2
    assert stock_ledger_drift() == []


def test_overlapping_product_batches_in_opposite_orders_do_not_deadlock(ow_settings, warehouse):
    product = fixture_load("product_sync")
    skus = [f"OW-{n}" for n in range(30)]
    url = reverse(f"onewarehouse:{E.PRODUCT_SYNC}")

    def deliver(index):
        order = skus if index % 2 else list(reversed(skus))
        body = json.dumps({"products": [{**product, "sku_id": sku} for sku in order]}).encode()
        return Client().post(url, data=body, content_type="application/json", headers=sign(body)).json()

    answers = race(10, deliver)
    assert [a["code"] for a in answers] == [0] * 10
    assert [item["sku_id"] for item in answers[0]["data"]] in (skus, list(reversed(skus)))
    assert Product.objects.filter(sku_id__in=skus).count() == 30
