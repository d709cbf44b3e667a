"""Profile v20210901 (docs/contracts/onewarehouse/v20210901/README.md): the field page's pushes at the same six
URLs answered {"code": "SUCCESS"} or its FAIL shape, and our callbacks and label call at its versioned paths
with its bodies. Its examples are the ones in docs/, replayed as they are."""

import json

import pytest
import responses
from django.core.management import call_command

from integrations.apilog.models import ApiExchange
from integrations.onewarehouse.client import CallFailed, OneWarehouseClient
from integrations.onewarehouse.profiles import PROFILES, profile_active
from tests.helpers import ONEWAREHOUSE_URL, PUBLIC_IP, hosts_resolve
from tests.integrations.onewarehouse.helpers import (
    PUSH_KEY,
    PUSH_SECRET,
    E,
    exchange_last,
    field_fixture_bytes,
    field_fixture_load,
)
from tests.wms.outbound.helpers import PDF, pack_one, pick_all
from wms.catalog.models import Product
from wms.inbound.models import InboundOrder
from wms.inbound.services import LineCount, inbound_order_complete, inbound_order_record_counts
from wms.inventory.models import StockMove
from wms.outbound.models import OutboundOrder
from wms.outbound.services import outbound_order_label_request, outbound_order_ship
from wms.outbox.models import OutboxMessage

pytestmark = [pytest.mark.django_db, pytest.mark.onewarehouse_profile("v20210901")]

SUCCESS = {"code": "SUCCESS"}
BASE = f"{ONEWAREHOUSE_URL}/v20210901/onewarehouse"


def test_the_default_profile_is_the_field_one():
    from wms import settings as project_settings

    assert project_settings.ONEWAREHOUSE_PROFILE == "v20210901"
    assert profile_active().name == "v20210901" and profile_active().signature_recipe == "v20210901-hmac"
    assert PROFILES["contract"].signature_recipe == "md5"


# --- Pushes ------------------------------------------------------------------------------------------------

def _check_product(data):
    product = Product.objects.get(sku_id="OW-100234")
    assert (product.name, product.barcode, str(product.weight_kg), product.owner.owner_code) == (
        "Cotton T-shirt, black, M", "4710000100234", "0.220", "MERCHANT-A")
    assert data == {"sku_id": "OW-100234", "created": False}  # the catalogue fixture made it
    return ""


def _check_purchase(data):
    order = InboundOrder.objects.get(inbound_order_no="IB202611230001")
    assert (order.order_type, order.warehouse.code, order.owner.owner_code) == ("PURCHASE", "TW-TPE-01", "MERCHANT-A")
    assert sorted(order.lines.values_list("product__sku_id", "expected_qty")) == [("OW-100234", 120),
                                                                                   ("OW-100235", 60)]
    assert data == {"inbound_short_id": "IB202611230001", "status": "CREATED", "created": True}
    return "IB202611230001"


def _check_return(data):
    order = InboundOrder.objects.get(inbound_order_no="RT202611280003")
    assert (order.order_type, order.original_order_no, order.platform_order_no) == (
        "RETURN", "OB202611230042", "SHOPEE-23112600042")
    return "RT202611280003"


def _check_inbound_cancel(data):
    assert InboundOrder.objects.get().status == InboundOrder.Status.CANCELLED
    assert data == {"inbound_short_id": "IB202611230001", "cancelled": True, "status": "CANCELLED",
                    "reason": "supplier delayed"}
    return "IB202611230001"


def _check_outbound(data):
    order = OutboundOrder.objects.get(outbound_order_no="OB202611230042")
    assert (order.platform_order_no, order.recipient_name, order.recipient_phone, order.recipient_address1,
            order.recipient_city, order.recipient_state, order.recipient_district) == (
        "SHOPEE-23112600042", "Lin Mei", "+886223456789", "No. 7, Sec. 5, Xinyi Rd., 12F", "Taipei",
        "Taipei City", "Xinyi")
    assert (order.logistics_provider_code, order.tracking_no) == ("TCAT", "TCAT660012345678")
    assert sorted(order.lines.values_list("product__sku_id", "quantity")) == [("OW-100234", 2), ("OW-100235", 1)]
    # This profile's answer does not carry the allocation: it runs after the commit (the test never commits).
    assert data == {"outbound_short_id": "OB202611230042", "status": "CREATED", "created": True}
    return "OB202611230042"


def _check_outbound_cancel(data):
    assert OutboundOrder.objects.get().status == OutboundOrder.Status.CANCELLED
    assert data["intercepted"] is True and data["outbound_short_id"] == "OB202611230042"
    return "OB202611230042"


PUSHES = [
    (E.PRODUCT_SYNC, [], _check_product),
    (E.INBOUND_PURCHASE, [], _check_purchase),
    (E.INBOUND_RETURN, [], _check_return),
    (E.INBOUND_CANCEL, [E.INBOUND_PURCHASE], _check_inbound_cancel),
    (E.OUTBOUND_CREATE, [], _check_outbound),
    (E.OUTBOUND_CANCEL, [E.OUTBOUND_CREATE], _check_outbound_cancel),
]


@pytest.mark.parametrize("endpoint, before, check", PUSHES, ids=[p[0] for p in PUSHES])
def test_every_field_push_example_is_accepted_with_success(push, stocked_catalogue, endpoint, before, check):
    for earlier in before:
        assert push(earlier, raw=field_fixture_bytes(earlier)).json()["code"] == "SUCCESS"
    response = push(endpoint, raw=field_fixture_bytes(endpoint))
    assert response.status_code == 200
    answer = response.json()
    assert answer["code"] == "SUCCESS" and answer["msg"] == "success"
    order_no = check(answer["data"])
    exchange = exchange_last()
    assert (exchange.endpoint, exchange.status_code, exchange.business_code) == (endpoint, 200, 0)
    assert exchange.order_no == order_no
    assert exchange.sku_id == ("OW-100234" if endpoint == E.PRODUCT_SYNC else "")


def test_a_repeated_outbound_push_answers_as_the_first(push, stocked_catalogue):
    first = push(E.OUTBOUND_CREATE, raw=field_fixture_bytes(E.OUTBOUND_CREATE)).json()
    again = push(E.OUTBOUND_CREATE, raw=field_fixture_bytes(E.OUTBOUND_CREATE)).json()
    assert again == {**first, "data": {**first["data"], "created": False}}
    assert OutboundOrder.objects.count() == 1


def test_invalid_fields_answer_fail_naming_each_field_by_its_wire_path(push, catalogue):
    payload = field_fixture_load(E.OUTBOUND_CREATE)
    payload["details"][0]["qty"] = 0
    del payload["consigneer"]["consignee_city"]
    response = push(E.OUTBOUND_CREATE, payload)
    assert response.status_code == 200
    assert response.json() == field_fixture_load("response_validation_error")
    assert exchange_last().business_code == 1001 and not OutboundOrder.objects.exists()


def test_a_business_refusal_answers_fail_with_its_reason(push, catalogue):
    answer = push(E.OUTBOUND_CANCEL, field_fixture_load(E.OUTBOUND_CANCEL)).json()
    assert (answer["code"], answer["reason"]) == ("FAIL", "not_found")
    assert exchange_last().business_code == 1003


def test_a_refused_signature_is_401_in_the_profile_shape(push):
    response = push(E.PRODUCT_SYNC, raw=field_fixture_bytes(E.PRODUCT_SYNC), headers={})
    assert response.status_code == 401
    assert response.json()["code"] == "FAIL" and response.json()["reason"] == "unauthorized"


def test_warehouse_and_merchant_default_to_the_configured_ones(push, catalogue, settings):
    payload = field_fixture_load(E.INBOUND_PURCHASE)
    del payload["warehouse_code"], payload["account_no"]
    settings.ONEWAREHOUSE_DEFAULT_WAREHOUSE_CODE = ""
    settings.ONEWAREHOUSE_DEFAULT_OWNER_CODE = ""
    refused = push(E.INBOUND_PURCHASE, payload).json()
    assert set(refused["errors"]) == {"warehouse_code", "account_no"}
    assert "ONEWAREHOUSE_DEFAULT_WAREHOUSE_CODE" in refused["errors"]["warehouse_code"][0]

    settings.ONEWAREHOUSE_DEFAULT_WAREHOUSE_CODE = "TW-TPE-01"
    settings.ONEWAREHOUSE_DEFAULT_OWNER_CODE = "MERCHANT-A"
    assert push(E.INBOUND_PURCHASE, payload).json()["code"] == "SUCCESS"
    order = InboundOrder.objects.get()
    assert (order.warehouse.code, order.owner.owner_code) == ("TW-TPE-01", "MERCHANT-A")


def test_the_mobile_number_stands_in_for_a_missing_phone(push, stocked_catalogue):
    payload = field_fixture_load(E.OUTBOUND_CREATE)
    payload["consigneer"]["consignee_phone"] = ""
    assert push(E.OUTBOUND_CREATE, payload).json()["code"] == "SUCCESS"
    assert OutboundOrder.objects.get().recipient_phone == "+886912345678"


def test_the_openapi_document_shows_the_field_payloads_and_examples(client, tmp_path):
    document = client.get("/api/schema/", {"format": "json"}).json()
    create = document["paths"]["/api/onewarehouse/outbound-orders"]["post"]
    headers = {p["name"] for p in create["parameters"] if p["in"] == "header"}
    assert headers == {"appkey", "timestamp", "sign"}
    requests_shown = [e["value"] for e in create["requestBody"]["content"]["application/json"]["examples"].values()]
    assert requests_shown == [field_fixture_load(E.OUTBOUND_CREATE)]
    required = document["components"]["schemas"]["FieldOutboundOrderPayload"]["required"]
    assert set(required) == {"outbound_short_id", "consigneer", "details"}
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))


# --- Our calls ------------------------------------------------------------------------------------------------

@pytest.fixture
def field_calls(ow_settings, ow_callbacks, settings, monkeypatch):
    """Pushes signed with the push key as ``push`` does, our calls going to the sandbox with the callback key."""
    settings.ONEWAREHOUSE_KEYS["sandbox"].update(push_app_key=PUSH_KEY, push_app_secret=PUSH_SECRET)
    settings.ONEWAREHOUSE_LABEL_HOSTS = ["label.example.com"]
    settings.OUTBOUND_LABEL_ON_PACK = False
    hosts_resolve(monkeypatch, {"ow-sandbox.test": PUBLIC_IP, "label.example.com": PUBLIC_IP})


def test_the_inbound_callback_goes_to_the_versioned_path_with_the_field_body(
        push, catalogue, receiver, field_calls, django_capture_on_commit_callbacks):
    push(E.INBOUND_PURCHASE, raw=field_fixture_bytes(E.INBOUND_PURCHASE))
    order = InboundOrder.objects.get()
    counts = [LineCount(line.pk, good=line.expected_qty - (2 if line.product.sku_id == "OW-100234" else 0),
                        damaged=2 if line.product.sku_id == "OW-100234" else 0)
              for line in order.lines.select_related("product")]
    inbound_order_record_counts(order=order, counts=counts, actor=receiver)
    with responses.RequestsMock() as peer:
        peer.add(responses.POST, f"{BASE}/inbound/callback/TW-TPE-01", json=SUCCESS)
        with django_capture_on_commit_callbacks(execute=True):
            inbound_order_complete(order=order, actor=receiver)
        (call,) = peer.calls
    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.INBOUND_CALLBACK)
    body = json.loads(call.request.body)
    assert body == {
        "inbound_order_id": "IB202611230001", "unique_key": f"IB202611230001-inbound_callback-{message.pk}",
        "inbound_status": "completed",
        "details": [{"sku_id": "OW-100234", "qty_good": 118}, {"sku_id": "OW-100235", "qty_good": 60}],
    }
    assert body.keys() == field_fixture_load("callback_inbound").keys()
    assert message.status == OutboxMessage.Status.SENT
    exchange = ApiExchange.objects.get(endpoint="inbound_callback")
    assert (exchange.business_code, exchange.order_no) == (0, "IB202611230001")


def _packed_order(push, picker, capture):
    with capture(execute=True):  # allocated right after the commit (this profile's answer does not carry it)
        push(E.OUTBOUND_CREATE, raw=field_fixture_bytes(E.OUTBOUND_CREATE))
    order = OutboundOrder.objects.get()
    pick_all(order, picker)
    pack_one(order, picker)
    return order


def test_the_label_call_and_the_outbound_callback_speak_the_field_page(
        push, stocked_catalogue, picker, field_calls, django_capture_on_commit_callbacks):
    order = _packed_order(push, picker, django_capture_on_commit_callbacks)
    label = field_fixture_load("label_response")
    with responses.RequestsMock() as peer:
        peer.add(responses.POST, f"{BASE}/outbound/waybill/TW-TPE-01", json=label)
        peer.add(responses.GET, label["data"]["label_url"], body=PDF, content_type="application/pdf")
        with django_capture_on_commit_callbacks(execute=True):
            outbound_order_label_request(order=order, actor=picker)
        assert json.loads(peer.calls[0].request.body) == field_fixture_load("label_request")
    order.refresh_from_db()
    assert (order.status, order.tracking_no) == (OutboundOrder.Status.LABELLED, "TCAT660012345678")

    with responses.RequestsMock() as peer:
        peer.add(responses.POST, f"{BASE}/outbound/callback/TW-TPE-01", json=SUCCESS)
        with django_capture_on_commit_callbacks(execute=True):
            outbound_order_ship(order=order, actor=picker)
        (call,) = peer.calls
    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.OUTBOUND_CALLBACK)
    example = field_fixture_load("callback_outbound")
    assert json.loads(call.request.body) == {**example, "unique_key": f"OB202611230042-outbound_callback-{message.pk}"}
    assert message.status == OutboxMessage.Status.SENT


def test_a_fail_answer_to_a_callback_is_retried(field_calls):
    payload = {"inbound_order_no": "IB-1", "order_type": "PURCHASE", "completed_at": "2026-11-25T15:42:10+08:00",
               "items": [{"sku_id": "A", "expected_qty": 1, "received_qty": 1, "good_qty": 1, "damaged_qty": 0}]}
    with responses.RequestsMock() as peer:
        peer.add(responses.POST, f"{BASE}/inbound/callback/TW-TPE-01",
                 json={"code": "FAIL", "msg": "unknown inbound order"})
        with pytest.raises(CallFailed, match="code FAIL: unknown inbound order"):
            OneWarehouseClient().inbound_callback_send(payload=payload, outbox_message_id=7,
                                                       warehouse_code="TW-TPE-01")
    assert ApiExchange.objects.get().business_code == 1


def test_a_retry_of_the_same_callback_sends_the_same_unique_key(field_calls):
    payload = {"inbound_order_no": "IB-1", "order_type": "PURCHASE", "completed_at": "2026-11-25T15:42:10+08:00",
               "items": [{"sku_id": "A", "expected_qty": 1, "received_qty": 1, "good_qty": 1, "damaged_qty": 0}]}
    with responses.RequestsMock() as peer:
        peer.add(responses.POST, f"{BASE}/inbound/callback/TW-TPE-01", json=SUCCESS)
        for message_id in (7, 7, 8):
            OneWarehouseClient().inbound_callback_send(payload=payload, outbox_message_id=message_id,
                                                       warehouse_code="TW-TPE-01")
        keys = [json.loads(call.request.body)["unique_key"] for call in peer.calls]
    assert keys[0] == keys[1] != keys[2]


def test_an_outbound_push_is_answered_created_and_allocated_right_after_the_commit(
        push, stocked_catalogue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        answer = push(E.OUTBOUND_CREATE, raw=field_fixture_bytes(E.OUTBOUND_CREATE)).json()
    assert answer["data"]["status"] == "CREATED" and len(callbacks) == 1
    order = OutboundOrder.objects.get(outbound_order_no="OB202611230042")
    assert order.status == OutboundOrder.Status.ALLOCATED
    assert sorted(order.lines.values_list("quantity", "reserved_qty")) == [(1, 1), (2, 2)]
    assert set(StockMove.objects.filter(kind=StockMove.Kind.ALLOCATE).values_list("actor", flat=True)) == {
        "system:allocation"}
