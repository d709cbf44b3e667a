from decimal import Decimal

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured
from responses import matchers

from integrations.apilog.models import ApiExchange
from integrations.one.client import OneAnswerError, OneAuthError, OneClient, OneRequestError, OneRetryableError
from integrations.one.mapping import incremental_body, removal_json, stock_line_json

from .helpers import API_KEY, BASE_URL, TENANT

pytestmark = pytest.mark.django_db
STOCKS_URL = f"{BASE_URL}/api/v1/stock/integrations/auth-required/stocks"
INCREMENTAL_URL = f"{BASE_URL}/api/v1/stock/integrations/auth-required/warehouses/WRO/stocks/incremental"


def test_get_stocks_sends_tenant_and_key_and_parses_quantities_as_decimal(mocked):
    mocked.get(STOCKS_URL, match=[
        matchers.query_param_matcher({"skus": ["SIGNY_51500600", "SIGNY_51502000"], "warehouses": "WRO",
                                      "withStocks": "false"}),
        matchers.header_matcher({"one-tenant": TENANT, "ApiAuth": API_KEY, "accept": "*/*"}),
    ], body=(
        '{"SIGNY_51500600": {"overallQuantity": 164.1, "selectedWarehousesQuantity": 24, "warehouses": '
        '[{"warehouseId": "WRO", "warehouseLabel": "Wroclaw", "quantity": 18, "largestQuantity": 24, "stocks": []}]}}'
    ), content_type="application/json")
    found = OneClient().stocks_get(skus=["SIGNY_51500600", "SIGNY_51502000"], warehouses=["WRO"])
    stock = found["SIGNY_51500600"]
    assert stock.overall_quantity == Decimal("164.1") and isinstance(stock.overall_quantity, Decimal)
    assert stock.in_warehouse("WRO").largest_quantity == Decimal(24)
    assert stock.in_warehouse("WRO").quantity == Decimal(18)
    assert "SIGNY_51502000" not in found


def test_get_stock_of_one_product_uses_sku_and_repeated_warehouses(mocked):
    mocked.get(f"{BASE_URL}/api/v1/stock/integrations/auth-required/stocks-for-one-product", match=[
        matchers.query_param_matcher({"sku": "SIGNY_51502000", "warehouses": ["WRO", "W2LOC"],
                                      "withStocks": "false"}),
    ], json={"overallQuantity": 302, "selectedWarehousesQuantity": 69.5, "warehouses": [
        {"warehouseId": "WRO", "warehouseLabel": "Wroclaw", "quantity": 42, "largestQuantity": 48, "stocks": []}]})
    stock = OneClient().stock_for_one_product_get(sku="SIGNY_51502000", warehouses=["WRO", "W2LOC"])
    assert stock.selected_warehouses_quantity == Decimal("69.5")
    assert stock.in_warehouse("WRO").largest_quantity == 48 and stock.in_warehouse("W2LOC") is None


def test_incremental_post_sends_json_headers_and_every_exchange_is_logged_with_the_key_masked(mocked):
    body = incremental_body([stock_line_json(sku="SIGNY_51502000", quantity=18)], [removal_json(sku="SIGNY_51500600")])
    mocked.post(INCREMENTAL_URL, match=[
        matchers.json_params_matcher({"stocks": [{"id": "SIGNY_51502000", "quantity": 18, "sku": "SIGNY_51502000"}],
                                      "stocksToRemove": ["SIGNY_51500600"]}),
        matchers.header_matcher({"one-tenant": TENANT, "ApiAuth": API_KEY, "accept": "*/*",
                                 "Content-Type": "application/json"}),
    ], status=200)
    assert OneClient().stocks_incremental(warehouse="WRO", body=body, outbox_message_id=7)["status"] == 200
    exchange = ApiExchange.objects.get()
    assert (exchange.integration, exchange.endpoint, exchange.method, exchange.status_code,
            exchange.outbox_message_id) == ("one", "stocks_incremental", "POST", 200, 7)
    assert exchange.request_headers["ApiAuth"] == "***" and API_KEY not in str(exchange.request_headers)
    assert exchange.request_headers["one-tenant"] == TENANT
    assert "SIGNY_51500600" in exchange.request_body


@pytest.mark.parametrize("status", [401, 403])
def test_bad_credentials_are_an_auth_error(mocked, status):
    mocked.post(INCREMENTAL_URL, status=status, body="")
    with pytest.raises(OneAuthError):
        OneClient().stocks_incremental(warehouse="WRO", body="{}")


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_busy_or_failing_one_is_a_retryable_error(mocked, status):
    mocked.post(INCREMENTAL_URL, status=status)
    with pytest.raises(OneRetryableError):
        OneClient().stocks_incremental(warehouse="WRO", body="{}")


def test_timeout_is_retryable_and_logged(mocked):
    mocked.post(INCREMENTAL_URL, body=requests.Timeout("read timed out"))
    with pytest.raises(OneRetryableError):
        OneClient().stocks_incremental(warehouse="WRO", body="{}")
    assert "Timeout" in ApiExchange.objects.get().error


def test_other_4xx_is_refused_with_its_body_in_the_error_and_the_log(mocked):
    mocked.post(INCREMENTAL_URL, status=400, json={"message": "stocks[0].quantity must not be negative"})
    with pytest.raises(OneRequestError) as caught:
        OneClient().stocks_incremental(warehouse="WRO", body="{}")
    assert "must not be negative" in str(caught.value)
    assert "must not be negative" in ApiExchange.objects.get().response_body


def test_paths_can_be_overridden_in_settings(mocked, settings):
    settings.ONE_PATHS = {
        "incremental": "/api/v1/stock/integrations/auth-required/warehouses/{warehouse}/stock/incrementa",
    }
    mocked.post(f"{BASE_URL}/api/v1/stock/integrations/auth-required/warehouses/WRO/stock/incrementa", status=200)
    assert OneClient().stocks_incremental(warehouse="WRO", body="{}")["status"] == 200
    assert len(mocked.calls) == 1


def test_the_get_paths_follow_the_pages_examples_when_the_environment_says_so(mocked, settings):
    settings.ONE_GET_PATHS = "examples"
    mocked.get(f"{BASE_URL}/api/v1/stock/integrations/auth-required/products/stocks", json={})
    mocked.get(f"{BASE_URL}/api/v1/stock/integrations/auth-required/products/stocks-for-one-product", json={})
    assert OneClient().stocks_get(skus=["A"], warehouses=["WRO"]) == {}
    OneClient().stock_for_one_product_get(sku="A")
    assert len(mocked.calls) == 2


def test_an_unknown_get_path_variant_is_a_configuration_error(settings):
    settings.ONE_GET_PATHS = "other"
    with pytest.raises(ImproperlyConfigured, match="headings"):
        OneClient().stocks_get(skus=["A"], warehouses=["WRO"])


def test_skus_with_commas_and_spaces_are_each_one_value(mocked):
    mocked.get(STOCKS_URL, json={})
    OneClient().stocks_get(skus=["A,B", "C D", "E+F"], warehouses=["WRO"])
    query = mocked.calls[0].request.url.split("?", 1)[1]
    assert query == "skus=A%2CB&skus=C%20D&skus=E%2BF&warehouses=WRO&withStocks=false"


@pytest.mark.parametrize("body, reason", [
    ("[]", r"not an object \(list\)"), ('"ok"', r"not an object \(str\)"), ("<html>busy</html>", "not JSON"),
    ("", "not JSON"),
])
def test_a_read_answered_with_anything_but_a_json_object_is_an_error_naming_it(mocked, body, reason):
    mocked.get(STOCKS_URL, body=body, status=200)
    with pytest.raises(OneAnswerError, match=reason):
        OneClient().stocks_get(skus=["A"], warehouses=["WRO"])
