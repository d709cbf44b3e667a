"""The WMS's ONE client and the ONE simulator agree on multi-valued query parameters: the client's real requests
(built by ``requests``) are answered by the simulator's views, through Django's test client."""

import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import responses
from django.test import Client

from integrations.one.client import OneClient
from integrations.one.services import one_publication_create, one_reconcile
from simulators.one import services as simulator
from tests.factories import ProductFactory
from tests.helpers import TEST_ACTOR

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("simulator_urls")]

ONE_URL = "http://one.simulator.test/simulators/one"


@pytest.fixture
def one_via_simulator(settings, simulator_keys):
    settings.ONE_BASE_URL = ONE_URL
    django_client = Client()

    def forward(request):
        url = urlsplit(request.url)
        answer = django_client.generic(request.method, f"{url.path}?{url.query}", data=request.body or b"",
                                       content_type=request.headers.get("Content-Type", ""),
                                       headers={k: v for k, v in request.headers.items() if k.lower() != "cookie"})
        return answer.status_code, {"Content-Type": answer["Content-Type"]}, answer.content

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        for method in (responses.GET, responses.PUT, responses.POST):
            mock.add_callback(method, re.compile(re.escape(ONE_URL) + ".*"), callback=forward)
        yield


SKUS = ["SKU,1", "SKU", "1", "A, B", " padded "]


def test_stocks_get_returns_each_sku_whole_even_with_commas_and_blanks(one_via_simulator):
    simulator.stock_replace(warehouse_id="WRO", lines=[
        simulator.StockLine(stock_id=sku, sku=sku, quantity=Decimal(n)) for n, sku in enumerate(SKUS, start=1)])
    found = OneClient().stocks_get(skus=SKUS, warehouses=["WRO"])
    assert {sku: found[sku].in_warehouse("WRO").largest_quantity for sku in SKUS} == {
        sku: n for n, sku in enumerate(SKUS, start=1)}
    assert OneClient().stock_for_one_product_get(sku="SKU,1", warehouses=["WRO"]).in_warehouse(
        "WRO").largest_quantity == 1


def test_one_reconcile_finds_no_drift_for_a_sku_id_with_a_comma(one_via_simulator, warehouse, stocked):
    products = [stocked(n, ProductFactory(sku_id=sku, sync_to_one=True)) for n, sku in enumerate(SKUS, start=1)]
    publication = one_publication_create(actor=TEST_ACTOR, warehouse=warehouse, one_warehouse_id="WRO")
    simulator.stock_replace(warehouse_id="WRO", lines=[
        simulator.StockLine(stock_id=p.sku_id, sku=p.sku_id, quantity=Decimal(n)) for n, p in enumerate(products, 1)])
    reconciliation = one_reconcile(publication_id=publication.pk)
    assert (reconciliation.status, reconciliation.checked, reconciliation.drifted) == ("SUCCEEDED", len(SKUS), 0)
