import json
from decimal import Decimal

import pytest

from simulators.one import services, views
from simulators.one.models import Endpoint, SimFault, SimRequest, SimStock

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("simulator_urls")]

API = "/simulators/one/api/v1/stock/integrations/auth-required"


@pytest.fixture
def one(client, simulator_keys):
    """Calls the simulator with ONE's headers (the configured tenant and key unless told otherwise)."""

    def _one(method, path, body=None, *, tenant=None, api_key=None):
        headers = {"one-tenant": tenant if tenant is not None else simulator_keys.one_tenant,
                   "ApiAuth": api_key if api_key is not None else simulator_keys.one_api_key, "accept": "*/*"}
        if body is None:
            return getattr(client, method)(API + path, headers=headers)
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return getattr(client, method)(API + path, data=data, content_type="application/json", headers=headers)

    return _one


def _line(sku, quantity):
    return {"id": sku, "quantity": quantity, "sku": sku}


def _levels(warehouse="WRO"):
    return {s.stock_id: s.quantity for s in SimStock.objects.filter(warehouse__warehouse_id=warehouse)}


@pytest.mark.parametrize(("tenant", "api_key"), [("wrong", None), (None, "wrong"), ("", "")])
def test_a_wrong_tenant_or_api_key_is_refused_with_401(one, tenant, api_key):
    response = one("put", "/warehouses/WRO/stocks", {"stocks": [_line("A", 1)]}, tenant=tenant, api_key=api_key)
    assert response.status_code == 401
    assert not SimStock.objects.exists()
    assert SimRequest.objects.get().status_code == 401


def test_a_simulator_without_configured_keys_refuses_everyone(one, settings):
    settings.ONE_API_KEY = ""
    assert one("get", "/stocks?skus=A", api_key="").status_code == 401


def test_put_replaces_the_warehouse_stock_and_products_absent_become_zero(one):
    one("put", "/warehouses/WRO/stocks", {"stocks": [_line("A", 5), _line("B", 7)]})
    response = one("put", "/warehouses/WRO/stocks", {"stocks": [_line("A", 12)]})
    assert response.status_code == 200
    assert response.json() == {"warehouseId": "WRO", "updated": 1, "zeroed": 1, "removed": 0}
    assert _levels() == {"A": Decimal(12), "B": Decimal(0)}


def test_put_touches_only_its_own_warehouse(one):
    one("put", "/warehouses/W2LOC/stocks", {"stocks": [_line("A", 3)]})
    one("put", "/warehouses/WRO/stocks", {"stocks": [_line("B", 1)]})
    assert _levels("W2LOC") == {"A": Decimal(3)}


def test_put_refuses_stocks_to_remove(one):
    response = one("put", "/warehouses/WRO/stocks", {"stocks": [], "stocksToRemove": ["A"]})
    assert response.status_code == 400 and "incremental" in response.json()["message"]


@pytest.mark.parametrize("path", ["stocks/incremental", "stock/incremental", "stock/incrementa"])
def test_incremental_sets_the_absolute_quantity_and_removes_whole_rows(one, path):
    one("put", "/warehouses/WRO/stocks", {"stocks": [_line("SIGNY_51502000", 30), _line("SIGNY_51500600", 9)]})
    response = one("post", f"/warehouses/WRO/{path}",
                   {"stocks": [_line("SIGNY_51502000", 18)], "stocksToRemove": ["SIGNY_51500600"]})
    assert response.status_code == 200
    assert response.json() == {"warehouseId": "WRO", "updated": 1, "zeroed": 0, "removed": 1}
    assert _levels() == {"SIGNY_51502000": Decimal(18)}  # set to 18, not 30 + 18; the removed row is gone


def test_incremental_leaves_unmentioned_products_alone(one):
    one("put", "/warehouses/WRO/stocks", {"stocks": [_line("A", 4), _line("B", 6)]})
    one("post", "/warehouses/WRO/stocks/incremental", {"stocks": [_line("A", 1)]})
    assert _levels() == {"A": Decimal(1), "B": Decimal(6)}


def test_a_stock_id_defaults_to_the_sku_and_the_last_duplicate_line_wins(one):
    one("post", "/warehouses/WRO/stocks/incremental", {"stocks": [{"sku": "A", "quantity": 2},
                                                                  {"sku": "A", "quantity": 3}]})
    assert _levels() == {"A": Decimal(3)}


def test_decimal_quantities_are_kept_exactly(one):
    one("put", "/warehouses/WRO/stocks", {"stocks": [_line("A", 164.1)]})
    assert _levels() == {"A": Decimal("164.1")}
    assert one("get", "/stocks?skus=A&warehouses=WRO").json()["A"]["overallQuantity"] == 164.1


@pytest.mark.parametrize("body", [
    b"not json", b"[]", {"stocks": "A"}, {"nothing": []}, {"stocks": [{"quantity": 1}]},
    {"stocks": [_line("A", -1)]}, {"stocks": [_line("A", "many")]}, {"stocks": [_line("A", True)]},
])
def test_an_invalid_write_is_refused_with_400_and_a_message_and_changes_nothing(one, body):
    response = one("put", "/warehouses/WRO/stocks", body)
    assert response.status_code == 400 and response.json()["message"]
    assert not SimStock.objects.exists()


def test_a_request_over_the_line_limit_is_refused_with_413(one, settings):
    settings.ONE_MAX_LINES_PER_REQUEST = 3
    response = one("post", "/warehouses/WRO/stocks/incremental",
                   {"stocks": [_line(f"S{i}", 1) for i in range(3)], "stocksToRemove": ["X"]})
    assert response.status_code == 413 and "4 > 3" in response.json()["message"]
    assert one("put", "/warehouses/WRO/stocks", {"stocks": [_line(f"S{i}", 1) for i in range(3)]}).status_code == 200


def test_get_stocks_answers_per_sku_with_reservations_lowering_quantity_below_largest(one):
    one("put", "/warehouses/WRO/stocks", {"stocks": [_line("SIGNY_51500600", 24), _line("SIGNY_51502000", 48)]})
    one("put", "/warehouses/W2LOC/stocks", {"stocks": [_line("SIGNY_51502000", 290)]})
    services.warehouse_get_or_create(warehouse_id="WRO", label="Wroclaw")
    services.reservation_set(warehouse_id="WRO", sku="SIGNY_51500600", quantity=Decimal(6), cart_id="cart-1")
    services.reservation_set(warehouse_id="WRO", sku="SIGNY_51502000", quantity=Decimal(6), cart_id="cart-2")

    response = one("get", "/stocks?skus=SIGNY_51500600&skus=SIGNY_51502000&warehouses=WRO&withStocks=false")
    assert response.status_code == 200
    assert response.json() == {
        "SIGNY_51500600": {"overallQuantity": 18, "selectedWarehousesQuantity": 18, "warehouses": [
            {"warehouseId": "WRO", "warehouseLabel": "Wroclaw", "quantity": 18, "largestQuantity": 24, "stocks": []}]},
        "SIGNY_51502000": {"overallQuantity": 332, "selectedWarehousesQuantity": 42, "warehouses": [
            {"warehouseId": "WRO", "warehouseLabel": "Wroclaw", "quantity": 42, "largestQuantity": 48, "stocks": []}]},
    }


def test_a_cart_id_ignores_that_carts_own_reservation(one):
    one("put", "/warehouses/WRO/stocks", {"stocks": [_line("A", 10)]})
    services.reservation_set(warehouse_id="WRO", sku="A", quantity=Decimal(4), cart_id="mine")
    services.reservation_set(warehouse_id="WRO", sku="A", quantity=Decimal(1), cart_id="other")
    warehouse = one("get", "/stocks?skus=A&warehouses=WRO&cartId=mine").json()["A"]["warehouses"][0]
    assert (warehouse["quantity"], warehouse["largestQuantity"]) == (9, 10)


@pytest.mark.parametrize("path", ["/stocks?skus=A", "/stocks-for-one-product?sku=A"])
def test_with_stocks_false_answers_no_stock_rows_and_otherwise_each_row_as_sent(one, path):
    one("put", "/warehouses/WRO/stocks", {"stocks": [{"id": "A-1", "quantity": 3, "sku": "A"},
                                                     {"id": "A-2", "quantity": 1.5, "sku": "A"}]})
    services.reservation_set(warehouse_id="WRO", sku="A", quantity=Decimal(1))

    def warehouse(query: str) -> dict:
        body = one("get", f"{path}&warehouses=WRO{query}").json()
        return (body if "for-one-product" in path else body["A"])["warehouses"][0]

    without = warehouse("&withStocks=false")
    assert (without["quantity"], without["largestQuantity"], without["stocks"]) == (3.5, 4.5, [])
    listed = [{"id": "A-1", "quantity": 3, "sku": "A"}, {"id": "A-2", "quantity": 1.5, "sku": "A"}]
    assert warehouse("&withStocks=true")["stocks"] == warehouse("")["stocks"] == listed
    assert {**warehouse("&withStocks=TRUE"), "stocks": []} == without
    refused = one("get", f"{path}&warehouses=WRO&withStocks=no")
    assert refused.status_code == 400 and "withStocks must be true or false" in refused.json()["message"]


def test_get_stocks_accepts_the_products_path_and_repeated_values(one):
    one("put", "/warehouses/WRO/stocks", {"stocks": [_line("A", 1), _line("B", 2)]})
    body = one("get", "/products/stocks?skus=A&skus=B&warehouses=WRO&withStocks=false").json()
    assert set(body) == {"A", "B"}


@pytest.mark.parametrize("path", ["/stocks?skus=A%2CB&skus=C&warehouses=WRO",
                                  "/stocks-for-one-product?sku=A%2CB&warehouses=WRO"])
def test_a_value_of_a_repeated_parameter_is_taken_whole_even_with_a_comma(one, path):
    one("put", "/warehouses/WRO/stocks", {"stocks": [_line("A,B", 4), _line("A", 1), _line("B", 2), _line("C", 3)]})
    body = one("get", path).json()
    if "for-one-product" in path:
        assert body["overallQuantity"] == 4
    else:
        assert {sku: row["overallQuantity"] for sku, row in body.items()} == {"A,B": 4, "C": 3}


def test_the_glossarys_warehouses_id_parameter_filters_too(one):
    one("put", "/warehouses/WRO/stocks", {"stocks": [_line("A", 1)]})
    one("put", "/warehouses/W2LOC/stocks", {"stocks": [_line("A", 2)]})
    body = one("get", "/stocks?skus=A&warehousesId=W2LOC").json()["A"]
    assert [w["warehouseId"] for w in body["warehouses"]] == ["W2LOC"] and body["overallQuantity"] == 3


def test_a_sku_without_stock_answers_zeros_and_no_warehouses(one):
    assert one("get", "/stocks?skus=NOPE&warehouses=WRO").json() == {
        "NOPE": {"overallQuantity": 0, "selectedWarehousesQuantity": 0, "warehouses": []}}


def test_get_stocks_without_skus_is_400(one):
    assert one("get", "/stocks?warehouses=WRO").status_code == 400


@pytest.mark.parametrize("path", ["/stocks-for-one-product", "/products/stocks-for-one-product"])
def test_stocks_for_one_product_lists_the_selected_warehouses(one, path):
    one("put", "/warehouses/WRO/stocks", {"stocks": [_line("A", 48)]})
    one("put", "/warehouses/W2LOC/stocks", {"stocks": [_line("A", 25)]})
    one("put", "/warehouses/W1CEN/stocks", {"stocks": [_line("A", 26)]})
    services.reservation_set(warehouse_id="W1CEN", sku="A", quantity=Decimal(24))
    body = one("get", f"{path}?sku=A&warehouses=W1CEN&warehouses=W2LOC").json()
    assert body["overallQuantity"] == 48 + 25 + 2 and body["selectedWarehousesQuantity"] == 27
    assert [(w["warehouseId"], w["quantity"], w["largestQuantity"]) for w in body["warehouses"]] == [
        ("W1CEN", 2, 26), ("W2LOC", 25, 25)]
    all_warehouses = one("get", f"{path}?sku=A").json()
    assert all_warehouses["selectedWarehousesQuantity"] == all_warehouses["overallQuantity"] == 75


def test_a_reservation_of_zero_removes_it(one):
    services.reservation_set(warehouse_id="WRO", sku="A", quantity=Decimal(2))
    assert services.reservation_set(warehouse_id="WRO", sku="A", quantity=Decimal(0)) is None
    one("put", "/warehouses/WRO/stocks", {"stocks": [_line("A", 5)]})
    assert one("get", "/stocks?skus=A").json()["A"]["warehouses"][0]["quantity"] == 5


@pytest.mark.parametrize(("kind", "status"), [(SimFault.Kind.HTTP_429, 429), (SimFault.Kind.HTTP_503, 503)])
def test_an_armed_fault_answers_the_next_n_calls_of_its_endpoint_without_writing(one, kind, status):
    services.fault_arm(endpoint=Endpoint.PUT_STOCKS, kind=kind, count=2)
    for _ in range(2):
        assert one("put", "/warehouses/WRO/stocks", {"stocks": [_line("A", 1)]}).status_code == status
    assert not SimStock.objects.exists()
    assert one("get", "/stocks?skus=A").status_code == 200  # another endpoint: not affected
    assert one("put", "/warehouses/WRO/stocks", {"stocks": [_line("A", 1)]}).status_code == 200
    assert not SimFault.objects.exists()


def test_a_429_says_when_to_retry(one):
    services.fault_arm(endpoint=Endpoint.GET_STOCKS, kind=SimFault.Kind.HTTP_429, count=1)
    assert one("get", "/stocks?skus=A")["Retry-After"] == "1"


def test_a_slow_fault_waits_its_delay_then_answers_normally(one, monkeypatch):
    waited = []
    monkeypatch.setattr(views, "sleep", waited.append)
    services.fault_arm(endpoint=Endpoint.POST_INCREMENTAL, kind=SimFault.Kind.SLOW, count=1, delay_seconds=3)
    assert one("post", "/warehouses/WRO/stocks/incremental", {"stocks": [_line("A", 2)]}).status_code == 200
    assert waited == [3] and _levels() == {"A": Decimal(2)}


def test_every_request_is_recorded(one):
    one("put", "/warehouses/WRO/stocks", {"stocks": [_line("A", 2)]})
    record = SimRequest.objects.get()
    assert (record.endpoint, record.method, record.status_code) == (Endpoint.PUT_STOCKS, "PUT", 200)
    assert json.loads(record.body) == {"stocks": [_line("A", 2)]}


def test_a_wrong_method_is_405(one):
    assert one("get", "/warehouses/WRO/stocks").status_code == 405
    assert one("post", "/stocks", {}).status_code == 405


def test_the_stock_page_needs_a_staff_login(client):
    assert client.get("/simulators/one/").status_code == 302


def test_the_stock_page_shows_stock_per_warehouse(one, staff_client):
    one("put", "/warehouses/WRO/stocks", {"stocks": [_line("SKU-ON-PAGE", 2)]})
    page = staff_client.get("/simulators/one/").content.decode()
    assert "Warehouse WRO" in page and "SKU-ON-PAGE" in page


def test_reservations_and_faults_can_be_set_from_the_page(staff_client):
    staff_client.post("/simulators/one/reservations", {"warehouse_id": "WRO", "sku": "A", "quantity": "3"})
    staff_client.post("/simulators/one/faults", {"endpoint": "get_stocks", "kind": "http_503", "count": "2"})
    assert SimFault.objects.get().remaining == 2
    page = staff_client.get("/simulators/one/").content.decode()
    assert "HTTP 503" in page
