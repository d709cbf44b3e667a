"""The six receiving URLs, driven through the real URLs with real signatures (Zulip style: the contract's
example payloads in docs/contracts/onewarehouse/contract/examples/ are replayed and the resulting records asserted).

The fixtures they share with the other test_webhooks_*.py modules are in tests/conftest.py, the helpers in
helpers.py beside this module.
"""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import ProductFactory, UserFactory
from tests.integrations.onewarehouse.helpers import E, exchange_last, fixture_bytes, fixture_load, sign
from wms.catalog.models import Product
from wms.core.roles import Role
from wms.inbound.models import InboundOrder
from wms.inbound.services import LineCount, inbound_order_record_counts
from wms.inventory.models import StockLevel, StockMove
from wms.outbound.models import OutboundOrder

# --- Every example of the contract, through its URL ---------------------------------------------------------

def _check_product_sync(answer):
    product = Product.objects.select_related("owner").get(sku_id="OW-100234")
    assert (product.name, product.sku_code, product.barcode) == ("Cotton T-shirt, black, M", "TSHIRT-BLK-M",
                                                                 "4710000100234")
    assert (product.weight_kg, product.length_cm, product.declared_value) == (Decimal("0.220"), Decimal("30.00"),
                                                                              Decimal("12.50"))
    assert (product.currency, product.owner.owner_code) == ("USD", "MERCHANT-A")
    assert answer["data"] == {"sku_id": "OW-100234", "created": True}
    return "", "OW-100234"


def _check_inbound_purchase(answer):
    order = InboundOrder.objects.get(inbound_order_no="IB202611230001")
    assert (order.order_type, order.status, order.carrier) == ("PURCHASE", "CREATED", "SF Express")
    assert order.expected_arrival_at == datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    assert sorted(order.lines.values_list("product__sku_id", "expected_qty")) == [("OW-100234", 120),
                                                                                 ("OW-100235", 60)]
    assert answer["data"] == {"inbound_order_no": "IB202611230001", "status": "CREATED", "created": True}
    return "IB202611230001", ""


def _check_inbound_return(answer):
    order = InboundOrder.objects.get(inbound_order_no="RT202611230007")
    assert (order.order_type, order.original_order_no, order.platform_order_no) == (
        "RETURN", "OB202611200042", "SHOPEE-23112600042")
    assert list(order.lines.values_list("product__sku_id", "expected_qty")) == [("OW-100234", 1)]
    assert answer["data"] == {"inbound_order_no": "RT202611230007", "status": "CREATED", "created": True}
    return "RT202611230007", ""


def _check_inbound_cancel(answer):
    order = InboundOrder.objects.get(inbound_order_no="IB202611230001")
    assert (order.status, order.cancel_reason) == ("CANCELLED", "supplier delayed the shipment")
    assert answer["data"] == {"inbound_order_no": "IB202611230001", "cancelled": True, "status": "CANCELLED",
                              "reason": "supplier delayed the shipment"}
    return "IB202611230001", ""


def _check_outbound_create(answer):
    order = OutboundOrder.objects.get(outbound_order_no="OB202611230042")
    assert (order.status, order.recipient_city, order.recipient_address2) == ("ALLOCATED", "Taipei", "12F")
    assert (order.logistics_provider_code, order.cod_amount, order.currency) == ("TCAT", Decimal("0"), "TWD")
    assert sorted(order.lines.values_list("product__sku_id", "quantity", "reserved_qty")) == [
        ("OW-100234", 2, 2), ("OW-100235", 1, 1)]
    assert sorted(StockLevel.objects.values_list("product__sku_id", "reserved")) == [("OW-100234", 2),
                                                                                    ("OW-100235", 1)]
    assert answer == fixture_load("response_ok")
    return "OB202611230042", ""


def _check_outbound_cancel(answer):
    order = OutboundOrder.objects.get(outbound_order_no="OB202611230042")
    assert (order.status, order.cancel_reason) == ("CANCELLED", "buyer cancelled")
    assert set(StockLevel.objects.values_list("reserved", flat=True)) == {0}
    assert StockMove.objects.filter(kind=StockMove.Kind.DEALLOCATE).count() == 2
    assert answer["data"] == {"outbound_order_no": "OB202611230042", "intercepted": True, "status": "CANCELLED",
                              "reason": "buyer cancelled"}
    return "OB202611230042", ""


PUSH_EXAMPLES = [
    # (fixture, endpoint, fixtures pushed before it, check)
    ("product_sync", E.PRODUCT_SYNC, [], _check_product_sync),
    ("inbound_purchase", E.INBOUND_PURCHASE, [], _check_inbound_purchase),
    ("inbound_return", E.INBOUND_RETURN, [], _check_inbound_return),
    ("inbound_cancel", E.INBOUND_CANCEL, [("inbound_purchase", E.INBOUND_PURCHASE)], _check_inbound_cancel),
    ("outbound_create", E.OUTBOUND_CREATE, [], _check_outbound_create),
    ("outbound_cancel", E.OUTBOUND_CANCEL, [("outbound_create", E.OUTBOUND_CREATE)], _check_outbound_cancel),
]


@pytest.mark.django_db
@pytest.mark.parametrize("name, endpoint, before, check", PUSH_EXAMPLES, ids=[p[0] for p in PUSH_EXAMPLES])
def test_every_push_example_is_accepted_through_its_url_and_recorded(request, push, warehouse, name, endpoint,
                                                                      before, check):
    if endpoint != E.PRODUCT_SYNC:  # orders name the two products, in stock
        request.getfixturevalue("stocked_catalogue")
    for earlier, earlier_endpoint in before:
        assert push(earlier_endpoint, raw=fixture_bytes(earlier)).json()["code"] == 0
    response = push(endpoint, raw=fixture_bytes(name))
    assert response.status_code == 200
    answer = response.json()
    assert (answer["code"], answer["success"], answer["msg"]) == (0, True, "success")
    order_no, sku_id = check(answer)
    exchange = exchange_last()
    assert (exchange.endpoint, exchange.status_code, exchange.business_code) == (endpoint, 200, 0)
    assert (exchange.order_no, exchange.sku_id, exchange.signature_verdict) == (order_no, sku_id, "valid")
    assert exchange.request_body == fixture_bytes(name).decode()
    assert json.loads(exchange.response_body) == answer


def test_the_openapi_examples_are_the_contract_fixtures(client):
    # One copy of each example (docs/): the OpenAPI document shows the very files the tests replay.
    document = client.get("/api/schema/", {"format": "json"}).json()
    shown = [example["value"] for operation in document["paths"].values() for method in operation.values()
             for example in method["requestBody"]["content"]["application/json"]["examples"].values()]
    for name, *_ in PUSH_EXAMPLES:
        assert fixture_load(name) in shown, name


# --- Products -----------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_product_batch_upserts_each_and_answers_a_list(push, warehouse):
    existing = ProductFactory(sku_id="OW-1", name="old")
    product = fixture_load("product_sync")
    batch = {"products": [{**product, "sku_id": "OW-1", "product_name": "new"}, {**product, "sku_id": "OW-2"}]}
    answer = push(E.PRODUCT_SYNC, batch).json()
    assert answer == {"code": 0, "success": True, "msg": "success",
                      "data": [{"sku_id": "OW-1", "created": False}, {"sku_id": "OW-2", "created": True}]}
    existing.refresh_from_db()
    assert existing.name == "new" and Product.objects.filter(sku_id="OW-2").exists()


@pytest.mark.django_db
def test_product_batch_with_one_bad_product_writes_none(push, warehouse):
    product = fixture_load("product_sync")
    batch = {"products": [{**product, "sku_id": "OW-1"}, {**product, "sku_id": "OW-2", "weight": "-1"}]}
    answer = push(E.PRODUCT_SYNC, batch).json()
    assert answer == {"code": 1001, "success": False, "msg": "1 field is invalid",
                      "errors": {"products.1.weight": ["Ensure this value is greater than or equal to 0."]},
                      "data": {}}
    assert not Product.objects.exists()


@pytest.mark.django_db
def test_product_batch_over_500_or_with_a_repeated_sku_is_invalid(push):
    product = fixture_load("product_sync")
    too_many = push(E.PRODUCT_SYNC, {"products": [product] * 501}).json()
    assert too_many["code"] == 1001
    assert too_many["errors"] == {"products": ["Ensure this field has no more than 500 elements."]}
    repeated = push(E.PRODUCT_SYNC, {"products": [product, product]}).json()
    assert repeated["errors"] == {"products.1.sku_id": ["sku_id OW-100234 appears more than once."]}
    assert not Product.objects.exists()


@pytest.mark.django_db
def test_product_sync_leaves_absent_fields_and_clears_null_ones(push):
    push(E.PRODUCT_SYNC, raw=fixture_bytes("product_sync"))
    answer = push(E.PRODUCT_SYNC, {"sku_id": "OW-100234", "product_name": "Renamed", "owner_code": "MERCHANT-A",
                                   "barcode": None}).json()
    assert answer["data"] == {"sku_id": "OW-100234", "created": False}
    product = Product.objects.get(sku_id="OW-100234")
    assert (product.name, product.barcode, product.sku_code) == ("Renamed", "", "TSHIRT-BLK-M")


# --- Each error code, with its exact envelope ----------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("raw, msg", [
    (b"{not json", "Body is not valid JSON"),
    (b"\xff\xfe{", "Body is not UTF-8 text (invalid byte at offset 0)"),
    (b"[1, 2]", "Body must be a JSON object"),
    (b'"text"', "Body must be a JSON object"),
])
def test_a_body_that_is_not_a_json_object_is_bad_request_1000(push, raw, msg):
    response = push(E.OUTBOUND_CREATE, raw=raw)
    assert response.status_code == 400
    assert response.json() == {"code": 1000, "success": False, "msg": msg, "data": {}}
    assert exchange_last().business_code == 1000


@pytest.mark.django_db
def test_invalid_fields_are_named_by_path_1001_as_in_the_contract_example(push, stocked_catalogue):
    payload = fixture_load("outbound_create")
    payload["items"][0]["quantity"] = 0
    del payload["recipient"]["city"]
    response = push(E.OUTBOUND_CREATE, payload)
    assert response.status_code == 200
    assert response.json() == fixture_load("response_validation_error")
    assert not OutboundOrder.objects.exists()


@pytest.mark.django_db
def test_missing_nested_objects_and_wrong_types_are_named_1001(push):
    payload = fixture_load("outbound_create")
    del payload["recipient"]
    payload["logistics"] = "TCAT"
    payload["items"] = [{"sku_id": "OW-100234", "quantity": "two"}]
    payload["cod_amount"] = "-5"
    answer = push(E.OUTBOUND_CREATE, payload).json()
    assert answer == {"code": 1001, "success": False, "msg": "4 fields are invalid", "data": {}, "errors": {
        "recipient": ["This field is required."],
        "logistics": ["Invalid data. Expected a dictionary, but got str."],
        "items.0.quantity": ["A valid integer is required."],
        "cod_amount": ["Ensure this value is greater than or equal to 0."],
    }}


@pytest.mark.django_db
def test_an_order_line_repeating_a_sku_is_invalid_1001(push, catalogue):
    payload = fixture_load("inbound_purchase")
    payload["items"][1]["sku_id"] = "OW-100234"
    answer = push(E.INBOUND_PURCHASE, payload).json()
    assert answer["code"] == 1001
    assert answer["errors"] == {"items.1.sku_id": ["sku_id OW-100234 appears more than once."]}


@pytest.mark.django_db
def test_a_purchase_url_refuses_a_return_order_1001(push, catalogue):
    payload = {**fixture_load("inbound_purchase"), "order_type": "RETURN"}
    answer = push(E.INBOUND_PURCHASE, payload).json()
    assert answer == {"code": 1001, "success": False, "msg": "1 field is invalid",
                      "errors": {"order_type": ["This URL takes PURCHASE orders."]}, "data": {}}


@pytest.mark.django_db
def test_an_unknown_warehouse_is_a_validation_error_from_the_domain_1001(push, catalogue):
    payload = {**fixture_load("inbound_purchase"), "warehouse_code": "NOWHERE"}
    answer = push(E.INBOUND_PURCHASE, payload).json()
    assert answer == {"code": 1001, "success": False, "msg": "1 field is invalid",
                      "errors": {"warehouse_code": ["Unknown or inactive warehouse 'NOWHERE'."]}, "data": {}}


@pytest.mark.django_db
def test_an_unknown_sku_is_1002_and_nothing_is_written(push, warehouse):
    ProductFactory(sku_id="OW-100234")
    response = push(E.INBOUND_PURCHASE, raw=fixture_bytes("inbound_purchase"))
    assert response.status_code == 200
    assert response.json() == {"code": 1002, "success": False, "msg": "1 unknown sku_id(s)",
                               "errors": {"items.1.sku_id": ["Unknown sku_id OW-100235."]}, "data": {}}
    assert not InboundOrder.objects.exists()
    assert exchange_last().order_no == "IB202611230001"


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint, key, number, flag", [
    (E.INBOUND_CANCEL, "inbound_order_no", "IB-NONE", "cancelled"),
    (E.OUTBOUND_CANCEL, "outbound_order_no", "OB-NONE", "intercepted"),
])
def test_cancelling_an_unknown_order_is_not_found_1003(push, endpoint, key, number, flag):
    answer = push(endpoint, {key: number, "reason": "x"}).json()
    kind = key.split("_")[0]
    assert answer == {"code": 1003, "success": False, "msg": f"{kind} order {number} does not exist",
                      "data": {key: number, flag: False}}


@pytest.mark.django_db
def test_an_outbound_number_resent_with_other_content_is_conflict_1004(push, stocked_catalogue):
    push(E.OUTBOUND_CREATE, raw=fixture_bytes("outbound_create"))
    changed = fixture_load("outbound_create")
    changed["items"][0]["quantity"] = 3
    answer = push(E.OUTBOUND_CREATE, changed).json()
    assert answer == {"code": 1004, "success": False,
                      "msg": "Outbound order OB202611230042 exists with different content and cannot change",
                      "data": {"outbound_order_no": "OB202611230042", "status": "ALLOCATED"}}
    assert OutboundOrder.objects.get().lines.get(product__sku_id="OW-100234").quantity == 2


@pytest.mark.django_db
def test_an_inbound_update_after_receiving_started_is_invalid_state_1005(push, catalogue):
    push(E.INBOUND_PURCHASE, raw=fixture_bytes("inbound_purchase"))
    order = InboundOrder.objects.get()
    inbound_order_record_counts(order=order, counts=[LineCount(order.lines.first().pk, 5)],
                                actor=UserFactory(roles=[Role.RECEIVER]))
    changed = {**fixture_load("inbound_purchase"), "remark": "3 cartons"}
    answer = push(E.INBOUND_PURCHASE, changed).json()
    assert answer == {"code": 1005, "success": False,
                      "msg": "inbound order IB202611230001 is RECEIVING and can no longer be changed",
                      "data": {"inbound_order_no": "IB202611230001", "status": "RECEIVING"}}
    order.refresh_from_db()
    assert order.remark == "2 cartons"


@pytest.mark.django_db
def test_an_outbound_cancel_after_shipping_is_refused_1006_as_in_the_contract_example(push, stocked_catalogue):
    push(E.OUTBOUND_CREATE, raw=fixture_bytes("outbound_create"))
    # Shipping is the floor's flow (admin); here the order is simply put in that state.
    OutboundOrder.objects.update(status=OutboundOrder.Status.SHIPPED, label_file="labels/x.pdf",
                                 shipped_at=timezone.now())
    response = push(E.OUTBOUND_CANCEL, raw=fixture_bytes("outbound_cancel"))
    assert response.status_code == 200
    assert response.json() == fixture_load("response_cancel_refused")
    assert set(StockLevel.objects.values_list("reserved", flat=True)) == {2, 1}


@pytest.mark.django_db
def test_an_inbound_cancel_after_receiving_started_is_refused_1006_with_status_and_reason(push, catalogue):
    push(E.INBOUND_PURCHASE, raw=fixture_bytes("inbound_purchase"))
    order = InboundOrder.objects.get()
    inbound_order_record_counts(order=order, counts=[LineCount(order.lines.first().pk, 1)],
                                actor=UserFactory(roles=[Role.RECEIVER]))
    answer = push(E.INBOUND_CANCEL, raw=fixture_bytes("inbound_cancel")).json()
    assert answer == {
        "code": 1006, "success": False,
        "msg": "Inbound order IB202611230001 is RECEIVING: receiving has started, it can no longer be cancelled",
        "data": {"inbound_order_no": "IB202611230001", "cancelled": False, "status": "RECEIVING",
                 "reason": "receiving has started"},
    }


# --- Idempotency and order of events ----------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("name, endpoint", [
    ("product_sync", E.PRODUCT_SYNC), ("inbound_purchase", E.INBOUND_PURCHASE),
    ("inbound_return", E.INBOUND_RETURN), ("outbound_create", E.OUTBOUND_CREATE),
])
def test_the_same_delivery_again_answers_the_same_and_changes_nothing(push, stocked_catalogue, name, endpoint):
    Product.objects.filter(sku_id="OW-100234").update(name="before the sync")
    first = push(endpoint, raw=fixture_bytes(name)).json()
    counts = [Model.objects.count() for Model in (Product, InboundOrder, OutboundOrder, StockMove)]
    stamps = [list(Model.objects.values_list("updated_at", flat=True)) for Model in
              (Product, InboundOrder, OutboundOrder)]
    again = push(endpoint, raw=fixture_bytes(name)).json()
    assert again == {**first, "data": {**first["data"], "created": False}}
    assert [Model.objects.count() for Model in (Product, InboundOrder, OutboundOrder, StockMove)] == counts
    assert [list(Model.objects.values_list("updated_at", flat=True)) for Model in
            (Product, InboundOrder, OutboundOrder)] == stamps


@pytest.mark.django_db
@pytest.mark.parametrize("create, create_endpoint, cancel, cancel_endpoint", [
    ("inbound_purchase", E.INBOUND_PURCHASE, "inbound_cancel", E.INBOUND_CANCEL),
    ("outbound_create", E.OUTBOUND_CREATE, "outbound_cancel", E.OUTBOUND_CANCEL),
])
def test_cancelling_twice_answers_the_same(push, stocked_catalogue, create, create_endpoint, cancel,
                                           cancel_endpoint):
    push(create_endpoint, raw=fixture_bytes(create))
    first = push(cancel_endpoint, raw=fixture_bytes(cancel)).json()
    moves = StockMove.objects.count()
    assert push(cancel_endpoint, raw=fixture_bytes(cancel)).json() == first
    assert first["code"] == 0 and StockMove.objects.count() == moves


@pytest.mark.django_db
def test_an_inbound_update_while_created_replaces_the_lines(push, catalogue):
    push(E.INBOUND_PURCHASE, raw=fixture_bytes("inbound_purchase"))
    changed = fixture_load("inbound_purchase")
    changed["items"] = [{"sku_id": "OW-100235", "quantity": 7}]
    answer = push(E.INBOUND_PURCHASE, changed).json()
    assert answer["data"] == {"inbound_order_no": "IB202611230001", "status": "CREATED", "created": False}
    assert list(InboundOrder.objects.get().lines.values_list("product__sku_id", "expected_qty")) == [
        ("OW-100235", 7)]


@pytest.mark.django_db
def test_an_inbound_push_for_a_received_or_cancelled_order_is_invalid_state(push, catalogue):
    push(E.INBOUND_PURCHASE, raw=fixture_bytes("inbound_purchase"))
    push(E.INBOUND_CANCEL, raw=fixture_bytes("inbound_cancel"))
    stale = {**fixture_load("inbound_purchase"), "remark": "late update"}
    answer = push(E.INBOUND_PURCHASE, stale).json()
    assert (answer["code"], answer["data"]["status"]) == (1005, "CANCELLED")
    InboundOrder.objects.update(status=InboundOrder.Status.RECEIVED)
    assert push(E.INBOUND_PURCHASE, stale).json()["data"]["status"] == "RECEIVED"


@pytest.mark.django_db
def test_an_outbound_create_for_a_cancelled_number_is_conflict_unless_identical(push, stocked_catalogue):
    push(E.OUTBOUND_CREATE, raw=fixture_bytes("outbound_create"))
    push(E.OUTBOUND_CANCEL, raw=fixture_bytes("outbound_cancel"))
    same = push(E.OUTBOUND_CREATE, raw=fixture_bytes("outbound_create")).json()
    assert (same["code"], same["data"]) == (0, {"outbound_order_no": "OB202611230042", "status": "CANCELLED",
                                                "created": False})
    other = {**fixture_load("outbound_create"), "remark": "re-sent"}
    answer = push(E.OUTBOUND_CREATE, other).json()
    assert (answer["code"], answer["data"]["status"]) == (1004, "CANCELLED")
    assert set(StockLevel.objects.values_list("reserved", flat=True)) == {0}


@pytest.mark.django_db
def test_an_outbound_order_without_enough_stock_is_backordered(push, catalogue, stocked):
    stocked(1, catalogue[0])
    answer = push(E.OUTBOUND_CREATE, raw=fixture_bytes("outbound_create")).json()
    assert answer["data"] == {"outbound_order_no": "OB202611230042", "status": "BACKORDERED", "created": True}
    assert set(StockLevel.objects.values_list("reserved", flat=True)) == {0}


@pytest.mark.django_db
def test_a_method_other_than_post_answers_the_envelope_405(client):
    response = client.get(reverse(f"onewarehouse:{E.PRODUCT_SYNC}"))
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert response.json() == {"code": 1000, "success": False, "msg": "GET is not allowed; use POST", "data": {}}


@pytest.mark.django_db
def test_pushes_need_no_csrf_token(ow_settings):
    body = fixture_bytes("product_sync")
    response = Client(enforce_csrf_checks=True).post(reverse(f"onewarehouse:{E.PRODUCT_SYNC}"), data=body,
                                                     content_type="application/json", headers=sign(body))
    assert response.status_code == 200 and response.json()["code"] == 0
