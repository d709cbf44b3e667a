"""The OneWarehouse simulator in profile v20210901: it pushes in the field page's names (rendered from the
profile's own serializers) and answers the WMS's calls at the profile's versioned paths, in its envelope."""

import json

import pytest

from integrations.onewarehouse import auth
from integrations.onewarehouse.profiles import PROFILES
from simulators.onewarehouse import payloads as p
from simulators.onewarehouse.models import SimPush, SimReceived, SimShipment
from simulators.onewarehouse.scenarios import scenario_run

pytestmark = [pytest.mark.django_db, pytest.mark.onewarehouse_profile("v20210901")]
FIELD = PROFILES["v20210901"]
BASE = "/simulators/onewarehouse/v20210901/onewarehouse"


def test_the_builders_speak_the_active_profile():
    outbound = p.outbound_create_payload(outbound_order_no="OB-1", items=[p.Item("A", 2)])
    assert set(outbound) == {"outbound_short_id", "order_mc_id", "warehouse_code", "account_no", "consigneer",
                             "details", "logistics"}
    assert outbound["details"] == [{"sku_id": "A", "qty": 2}] and outbound["consigneer"]["consignee_city"] == "Taipei"
    assert set(p.product_payload(sku_id="A")) == {"sku_id", "sku_name", "barcode", "weight", "length", "width",
                                                  "height", "account_no"}
    assert p.inbound_cancel_payload(inbound_order_no="IB-1") == {"inbound_short_id": "IB-1",
                                                                 "reason": "supplier delayed the shipment"}
    assert p.answer_data(p.PushKind.INBOUND_PURCHASE, {"order.inbound_order_no": "IB-1"}) == {
        "inbound_short_id": "IB-1"}


@pytest.mark.parametrize("scenario", ["happy-path", "returns", "cancellations", "bad-input"])
def test_each_scenario_against_the_wms_gets_the_answers_the_profile_promises(simulators_live, warehouse, scenario):
    report = scenario_run(name=scenario, count=2)
    assert report.ok, report.table()
    assert "all answers as profile v20210901 says" in report.table()
    bodies = [json.loads(push.request_body) for push in SimPush.objects.filter(kind=p.PushKind.INBOUND_CANCEL)]
    assert all("inbound_short_id" in body for body in bodies)


@pytest.fixture
def call(client, simulator_keys, simulator_urls):
    """POSTs ``payload`` to a v20210901 path, signed as the WMS signs its calls (the profile's recipe)."""

    def _call(path, payload):
        body = json.dumps(payload).encode()
        headers = auth.signed_headers(mode=auth.outgoing_mode_active(), app_key=simulator_keys.app_key,
                                      app_secret=simulator_keys.app_secret, body=body)
        return client.post(BASE + path, data=body, content_type="application/json", headers=headers)

    return _call


def test_the_field_calls_are_answered_at_their_paths_in_the_field_envelope(call):
    assert call("/inbound/callback/TW-TPE-01", FIELD.example("callback_inbound")).json() == {"code": "SUCCESS"}
    received = SimReceived.objects.get()
    assert (received.kind, received.order_no, received.response_code) == (
        p.ReceivedKind.INBOUND_CALLBACK, "IB202611230001", 0)

    early = call("/outbound/callback/TW-TPE-01", FIELD.example("callback_outbound")).json()
    assert early["code"] == "FAIL" and "no label yet" in early["msg"]  # the label first

    label = call("/outbound/waybill/TW-TPE-01", FIELD.example("label_request")).json()
    assert label["code"] == "SUCCESS" and label["data"]["label_format"] == "PDF"
    shipment = SimShipment.objects.get(outbound_order_no="OB202611230042")
    assert label["data"]["express_no"] == shipment.tracking_no
    assert FIELD.label_fields.parse(label["data"]).label_base64

    assert call("/outbound/callback/TW-TPE-01", FIELD.example("callback_outbound")).json() == {"code": "SUCCESS"}
    shipment.refresh_from_db()
    assert shipment.is_shipped


def test_a_field_call_with_contract_names_fails_naming_the_fields(call):
    answer = call("/inbound/callback/TW-TPE-01", PROFILES["contract"].example("callback_inbound")).json()
    assert answer["code"] == "FAIL"
    assert {"inbound_order_id", "unique_key", "inbound_status", "details"} <= set(answer["errors"])
    assert SimReceived.objects.get().response_code == 1
