import json
import re

import pytest
import requests
import responses
from django.core.management import CommandError, call_command

from integrations.onewarehouse import auth
from integrations.onewarehouse.profiles import PROFILES
from simulators.onewarehouse import payloads as p
from simulators.onewarehouse.models import SimPush
from simulators.onewarehouse.pdf import label_pdf_render
from simulators.onewarehouse.scenarios import Expect, scenario_run
from simulators.onewarehouse.services import PushOutcome, push_send
from tests.simulators.fake_wms import FakeWms

pytestmark = pytest.mark.django_db

WMS = "http://wms.test"

CONTRACT = PROFILES["contract"]


@pytest.fixture
def mock():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def fake_wms(mock, simulator_keys):
    return FakeWms(WMS).register(mock)


@pytest.mark.parametrize("mode", ["md5", "hmac-sha256"])
def test_a_push_is_signed_with_the_push_key_pair_over_the_exact_body(mock, simulator_keys, settings, mode):
    settings.ONEWAREHOUSE_SIGNATURE_MODE = mode
    mock.post(WMS + "/api/onewarehouse/products/sync", json=p.envelope_ok({"sku_id": "A-1", "created": True}))
    product = p.product_payload(sku_id="A-1")
    push_send(kind=p.PushKind.PRODUCT_SYNC, payload=product, wms_url=WMS)

    sent = mock.calls[0].request
    assert sent.body == json.dumps(product, ensure_ascii=False).encode()
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers[auth.HEADER_APP_KEY] == simulator_keys.push_app_key
    timestamp = sent.headers[auth.HEADER_TIMESTAMP]
    assert re.fullmatch(r"\d{10}", timestamp)
    assert sent.headers[auth.HEADER_SIGN] == auth.signature_compute(
        mode=mode, app_key=simulator_keys.push_app_key, app_secret=simulator_keys.push_app_secret,
        timestamp=timestamp, body=sent.body)


def test_every_push_is_recorded_with_the_wms_answer(mock, simulator_keys):
    mock.post(WMS + "/api/onewarehouse/outbound-orders",
              json={"code": 1004, "success": False, "msg": "conflict", "data": {}})
    payload = p.outbound_create_payload(outbound_order_no="OB-REC-1", items=[p.Item("A-1", 2)])
    push_send(kind=p.PushKind.OUTBOUND_CREATE, payload=payload, wms_url=WMS, scenario="manual")
    push = SimPush.objects.get()
    assert (push.kind, push.order_no, push.status_code, push.response_code, push.response_msg, push.scenario) == (
        p.PushKind.OUTBOUND_CREATE, "OB-REC-1", 200, 1004, "conflict", "manual")
    assert push.url == WMS + "/api/onewarehouse/outbound-orders" and json.loads(push.request_body) == payload
    assert push.request_headers[auth.HEADER_SIGN] != "***" and simulator_keys.push_app_secret not in str(
        push.request_headers)


def test_pushes_go_to_the_configured_wms_base_url_by_default(mock, simulator_keys, settings):
    settings.SIMULATOR_WMS_BASE_URL = "http://other-wms.test:9000/"
    mock.post("http://other-wms.test:9000/api/onewarehouse/inbound-orders/cancel", json=p.envelope_ok({}))
    push_send(kind=p.PushKind.INBOUND_CANCEL, payload=p.inbound_cancel_payload(inbound_order_no="IB-1"))
    assert len(mock.calls) == 1


def test_an_unreachable_wms_is_recorded_as_an_error_not_raised(mock, simulator_keys):
    mock.post(WMS + "/api/onewarehouse/outbound-orders/cancel", body=requests.ConnectionError("refused"))
    push, outcome = push_send(kind=p.PushKind.OUTBOUND_CANCEL,
                              payload=p.outbound_cancel_payload(outbound_order_no="OB-1"), wms_url=WMS)
    assert push.status_code is None and "ConnectionError" in push.error and outcome.code is None


def test_a_tampered_push_does_not_carry_the_valid_signature(mock, simulator_keys):
    mock.post(WMS + "/api/onewarehouse/products/sync", status=401, json=p.envelope_error(code=4001, msg="no"))
    push_send(kind=p.PushKind.PRODUCT_SYNC, payload={"sku_id": "A"}, wms_url=WMS, tamper_signature=True)
    sent = mock.calls[0].request
    valid = auth.signature_compute(mode="md5", app_key=simulator_keys.push_app_key,
                                   app_secret=simulator_keys.push_app_secret,
                                   timestamp=sent.headers[auth.HEADER_TIMESTAMP], body=sent.body)
    assert sent.headers[auth.HEADER_SIGN] != valid


def test_the_contract_payload_builders_use_the_contract_field_names():
    outbound = p.outbound_create_payload(outbound_order_no="OB-1", items=[p.Item("A", 1)])
    assert set(outbound) == {"outbound_order_no", "platform_order_no", "warehouse_code", "owner_code", "recipient",
                             "items", "logistics", "cod_amount", "currency", "remark"}
    assert set(outbound["recipient"]) == {"name", "phone", "email", "country_code", "state", "city", "district",
                                          "address1", "address2", "zip_code"}
    assert set(p.product_payload(sku_id="A")) == {"sku_id", "sku_code", "product_name", "barcode", "weight", "length",
                                                  "width", "height", "declared_value", "currency", "image_url",
                                                  "owner_code"}
    ret = p.inbound_return_payload(inbound_order_no="RT-1", original_order_no="OB-1", items=[p.Item("A", 1)])
    assert ret["order_type"] == "RETURN" and ret["original_order_no"] == "OB-1"


def test_the_label_pdf_has_a_correct_cross_reference_table():
    pdf = label_pdf_render(outbound_order_no="OB (1)\\x", tracking_no="SIM123")
    xref_at = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert pdf[xref_at:].startswith(b"xref\n0 6\n")
    entries = pdf[xref_at:].split(b"\n")[3:8]
    for number, entry in enumerate(entries, start=1):
        offset = int(entry[:10])
        assert pdf[offset:].startswith(b"%d 0 obj" % number)
    assert b"(Order: OB \\(1\\)\\\\x) Tj" in pdf  # parentheses and backslash escaped


# --- scenarios against a fake WMS that answers the contract ------------------------------------------


@pytest.mark.parametrize("scenario", ["happy-path", "returns", "cancellations", "bad-input", "burst"])
def test_each_scenario_gets_the_answers_the_contract_promises_from_a_conforming_wms(fake_wms, scenario, capsys):
    call_command("simulate_onewarehouse", scenario=scenario, count=3, wms_url=WMS)
    out = capsys.readouterr().out
    assert "all answers as profile contract says" in out and "DEVIATES" not in out
    assert SimPush.objects.filter(scenario=scenario).count() == len(fake_wms.requests)


def test_happy_path_pushes_products_then_a_purchase_then_n_outbound_orders(fake_wms):
    report = scenario_run(name="happy-path", count=2, wms_url=WMS)
    assert [row.kind for row in report.rows] == [p.PushKind.PRODUCT_SYNC] * 2 + [p.PushKind.INBOUND_PURCHASE] + \
        [p.PushKind.OUTBOUND_CREATE] * 2
    assert len(fake_wms.products) == 2 and len(fake_wms.outbound) == 2


def test_two_runs_of_a_scenario_use_different_numbers(fake_wms):
    scenario_run(name="happy-path", count=1, wms_url=WMS)
    scenario_run(name="happy-path", count=1, wms_url=WMS)
    assert len(fake_wms.outbound) == 2 and len(fake_wms.products) == 4


def test_returns_refer_to_the_previous_accepted_outbound_order(fake_wms):
    scenario_run(name="happy-path", count=1, wms_url=WMS)
    previous = SimPush.objects.get(kind=p.PushKind.OUTBOUND_CREATE).order_no
    report = scenario_run(name="returns", count=2, wms_url=WMS)
    bodies = [json.loads(body) for name, _, body in fake_wms.requests if name == "return"]
    assert len(bodies) == 2 and {b["original_order_no"] for b in bodies} == {previous}
    assert report.ok


def test_burst_sends_n_outbound_orders_and_records_each(fake_wms):
    report = scenario_run(name="burst", count=12, wms_url=WMS)
    assert report.ok and len(fake_wms.outbound) == 12
    assert SimPush.objects.filter(kind=p.PushKind.OUTBOUND_CREATE, response_code=0).count() == 12


def test_a_wms_that_accepts_bad_input_makes_the_command_fail(mock, simulator_keys, capsys):
    for path in p.PUSH_PATHS.values():
        mock.post(WMS + path, json=p.envelope_ok({}))
    with pytest.raises(CommandError, match="deviate"):
        call_command("simulate_onewarehouse", scenario="bad-input", wms_url=WMS)
    out = capsys.readouterr().out
    assert "DEVIATES: code 0, expected 1001" in out and "DEVIATES: HTTP 200, expected 401" in out


def test_an_unreachable_wms_makes_the_command_fail(mock, simulator_keys):
    mock.post(re.compile(WMS + ".*"), body=requests.ConnectionError("refused"))
    with pytest.raises(CommandError):
        call_command("simulate_onewarehouse", scenario="happy-path", wms_url=WMS)


def test_a_scenario_can_be_run_from_the_simulator_page(fake_wms, staff_client, simulator_urls, settings):
    settings.SIMULATOR_WMS_BASE_URL = WMS
    response = staff_client.post("/simulators/onewarehouse/scenario", {"scenario": "cancellations", "count": "1"},
                                 follow=True)
    assert "0 deviate" in response.content.decode()
    assert fake_wms.inbound and set(fake_wms.inbound.values()) == {"CANCELLED"}


def test_the_standalone_command_serves_only_the_simulator_urlconf(settings, monkeypatch):
    from django.core.servers import basehttp

    served = {}
    monkeypatch.setattr(basehttp, "run", lambda addr, port, app, threading: served.update(
        addr=addr, port=port, threading=threading))
    call_command("run_onewarehouse_simulator", port=8100)
    assert served == {"addr": "127.0.0.1", "port": 8100, "threading": True}
    assert settings.ROOT_URLCONF == "simulators.onewarehouse.standalone_urls"


def test_the_standalone_urlconf_has_the_simulators_and_not_the_wms_api(client, settings):
    from django.urls import Resolver404, resolve

    urlconf = "simulators.onewarehouse.standalone_urls"
    assert resolve("/simulators/onewarehouse/openapi/wms/outbound-orders/label", urlconf=urlconf)
    assert resolve("/simulators/one/api/v1/stock/integrations/auth-required/stocks", urlconf=urlconf)
    with pytest.raises(Resolver404):
        resolve("/api/docs/", urlconf=urlconf)


@pytest.mark.parametrize(("outcome", "deviation"), [
    (PushOutcome(status_code=200, envelope=p.envelope_ok({"sku_id": "A", "created": True}, profile=CONTRACT)), ""),
    (PushOutcome(status_code=200, envelope=p.envelope_ok({"sku_id": "A", "created": False}, profile=CONTRACT)),
     "data.created is False, expected True"),
    (PushOutcome(status_code=201, envelope=p.envelope_ok({"sku_id": "A", "created": True}, profile=CONTRACT)),
     "HTTP 201, expected 200"),
    (PushOutcome(status_code=200, envelope={"code": 0, "success": False, "msg": "", "data": {}}),
     "success False does not agree with code 0"),
    (PushOutcome(status_code=200, envelope={"code": 0, "success": True, "msg": "success"}), "data is missing"),
    (PushOutcome(error="ReadTimeout: slow"), "ReadTimeout: slow"),
])
def test_an_answer_deviates_when_any_part_of_the_envelope_differs_from_the_contract(outcome, deviation):
    # (The answers are built when the tests are collected, in the contract profile the tests speak.)
    assert Expect(data={"sku_id": "A", "created": True}).deviation(outcome) == deviation


def test_a_validation_error_must_name_its_fields():
    bare = PushOutcome(status_code=200, envelope=p.envelope_error(code=1001, msg="invalid"))
    named = PushOutcome(status_code=200, envelope=p.envelope_error(code=1001, msg="invalid", errors={"a": ["x"]}))
    assert Expect(code=1001).deviation(bare) == "a validation error must name its fields in errors"
    assert Expect(code=1001).deviation(named) == ""
