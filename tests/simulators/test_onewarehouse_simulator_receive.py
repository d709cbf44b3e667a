import base64
import io
import json
import time

import pytest
from PIL import Image

from integrations.onewarehouse import auth
from simulators.onewarehouse import services, views
from simulators.onewarehouse.models import SimFault, SimReceived, SimShipment
from simulators.onewarehouse.payloads import ReceivedKind

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("simulator_urls")]

BASE = "/simulators/onewarehouse/openapi/wms"
INBOUND_CALLBACK = {
    "inbound_order_no": "IB202611230001", "status": "COMPLETED", "completed_time": "2026-11-25T15:42:10+08:00",
    "items": [
        {"sku_id": "OW-100234", "expected_qty": 120, "received_qty": 118, "good_qty": 116, "damaged_qty": 2},
        {"sku_id": "OW-100235", "expected_qty": 60, "received_qty": 61, "good_qty": 61, "damaged_qty": 0},
    ],
}
OUTBOUND_CALLBACK = {
    "outbound_order_no": "OB202611230042", "status": "SHIPPED", "shipped_time": "2026-11-26T09:15:00+08:00",
    "tracking_no": "TCAT660012345678",
    "packages": [{"package_no": "PKG-1", "weight": "0.650", "length": "32.0", "width": "26.0", "height": "6.0",
                  "items": [{"sku_id": "OW-100234", "quantity": 2}, {"sku_id": "OW-100235", "quantity": 1}]}],
}


@pytest.fixture
def call(client, simulator_keys, settings):
    """POSTs ``payload`` signed as the WMS signs its calls (callback key pair)."""

    def _call(path, payload, *, secret=None, app_key=None, timestamp=None, raw=None, as_query=False, query=""):
        body = raw if raw is not None else json.dumps(payload).encode()
        headers = auth.signed_headers(
            mode=auth.outgoing_mode_active(), app_key=app_key or simulator_keys.app_key,
            app_secret=secret or simulator_keys.app_secret, timestamp=timestamp or str(int(time.time())), body=body)
        url = BASE + path
        if as_query:
            url += "?" + "&".join([f"app_key={headers[auth.HEADER_APP_KEY]}",
                                   f"timestamp={headers[auth.HEADER_TIMESTAMP]}",
                                   f"sign={headers.get(auth.HEADER_SIGN, '')}"])
            headers = {}
        if query:
            url += ("&" if "?" in url else "?") + query
        return client.post(url, data=body, content_type="application/json", headers=dict(headers))

    return _call


def _label(call, order_no="OB202611230042", **kwargs):
    return call("/outbound-orders/label", {"outbound_order_no": order_no}, **kwargs)


def test_inbound_callback_with_a_valid_signature_answers_the_success_envelope_and_is_stored(call, simulator_keys):
    response = call("/inbound-orders/callback", INBOUND_CALLBACK)
    assert response.status_code == 200
    assert response.json() == {"code": 0, "success": True, "msg": "success", "data": {}}
    received = SimReceived.objects.get()
    assert received.kind == ReceivedKind.INBOUND_CALLBACK and received.order_no == "IB202611230001"
    assert received.signature_ok and json.loads(received.request_body) == INBOUND_CALLBACK
    assert received.request_headers[auth.HEADER_SIGN]  # stored readable: a sign is no secret
    assert simulator_keys.app_secret not in json.dumps(received.request_headers)


def test_signature_in_query_parameters_is_accepted(call):
    assert call("/inbound-orders/callback", INBOUND_CALLBACK, as_query=True).json()["code"] == 0


@pytest.mark.parametrize("mode", ["md5", "hmac-sha256"])
def test_both_signature_modes_are_verified(call, settings, mode):
    settings.ONEWAREHOUSE_SIGNATURE_MODE = mode
    assert call("/inbound-orders/callback", INBOUND_CALLBACK).json()["code"] == 0
    assert call("/inbound-orders/callback", INBOUND_CALLBACK, secret="wrong-secret").status_code == 401


@pytest.mark.parametrize("tamper", [
    {"secret": "not-the-secret"},
    {"app_key": "unknown-key"},
    # Times are taken when the test runs, not when it is collected: a suite longer than the tolerance would
    # otherwise bring a "future" timestamp back inside the window.
    {"timestamp": lambda: str(int(time.time()) - 900)},
    {"timestamp": lambda: str(int(time.time()) + 900)},
    {"timestamp": "yesterday"},
])
def test_a_refused_signature_answers_401_with_code_4001_and_is_stored(call, tamper):
    tamper = {name: value() if callable(value) else value for name, value in tamper.items()}
    response = call("/inbound-orders/callback", INBOUND_CALLBACK, **tamper)
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == 4001 and body["success"] is False
    received = SimReceived.objects.get()
    assert not received.signature_ok and received.status_code == 401


def test_a_simulator_without_callback_keys_refuses_every_call(call, settings, simulator_keys):
    keys = {name: dict(v) for name, v in settings.ONEWAREHOUSE_KEYS.items()}
    keys[simulator_keys.env].update(app_key="", app_secret="")
    settings.ONEWAREHOUSE_KEYS = keys
    assert call("/inbound-orders/callback", INBOUND_CALLBACK, app_key="x", secret="y").status_code == 401


def test_missing_and_invalid_fields_answer_code_1001_naming_each_field(call):
    payload = json.loads(json.dumps(INBOUND_CALLBACK))
    del payload["completed_time"]
    payload["items"][0]["good_qty"] = "many"
    payload["items"][1]["received_qty"] = 60  # != good 61 + damaged 0
    body = call("/inbound-orders/callback", payload).json()
    assert body["code"] == 1001 and body["success"] is False
    assert set(body["errors"]) == {"completed_time", "items.0.good_qty", "items.1.received_qty"}


def test_a_body_that_is_not_a_json_object_answers_400_code_1000(call):
    assert call("/inbound-orders/callback", None, raw=b"not json").json()["code"] == 1000
    response = call("/inbound-orders/callback", None, raw=b"[1, 2]")
    assert response.status_code == 400 and response.json()["code"] == 1000


def test_label_answers_a_tracking_number_and_a_one_page_pdf_naming_order_and_tracking_no(call):
    body = _label(call).json()
    assert body["code"] == 0
    data = body["data"]
    assert data["outbound_order_no"] == "OB202611230042" and data["label_format"] == "PDF"
    assert data["label_url"] is None and data["tracking_no"].startswith("SIM")
    pdf = base64.b64decode(data["label_base64"])
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    assert b"OB202611230042" in pdf and data["tracking_no"].encode() in pdf and pdf.count(b"/Type /Page ") == 1


def test_label_url_mode_from_the_setting_points_to_a_served_pdf(call, client, settings):
    settings.SIMULATOR_ONEWAREHOUSE_LABEL_MODE = "url"
    data = _label(call).json()["data"]
    assert data["label_base64"] is None
    assert data["label_url"] == f"http://testserver/simulators/onewarehouse/labels/{data['tracking_no']}.pdf"
    response = client.get(data["label_url"].removeprefix("http://testserver"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"OB202611230042" in response.content


def test_label_mode_can_be_chosen_per_request(call):
    assert _label(call, query="label_mode=url").json()["data"]["label_url"]
    assert _label(call, query="label_mode=base64").json()["data"]["label_base64"]


def test_an_unknown_label_file_is_404(client, call):
    assert client.get("/simulators/onewarehouse/labels/SIM000.pdf").status_code == 404
    tracking_no = _label(call).json()["data"]["tracking_no"]
    assert client.get(f"/simulators/onewarehouse/labels/{tracking_no}.gif").status_code == 404


def test_the_label_is_a_png_or_a_zpl_file_by_the_setting_or_per_request(call, client, settings):
    settings.SIMULATOR_ONEWAREHOUSE_LABEL_FORMAT = "PNG"
    data = _label(call).json()["data"]
    png = base64.b64decode(data["label_base64"])
    assert data["label_format"] == "PNG" and png.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (812, 1218)  # 4 x 6 in at 203 dpi

    data = _label(call, query="label_format=zpl&label_mode=url").json()["data"]
    assert data["label_format"] == "ZPL" and data["label_base64"] is None
    assert data["label_url"].endswith(f"/labels/{data['tracking_no']}.zpl")
    served = client.get(data["label_url"].removeprefix("http://testserver"))
    assert served.status_code == 200 and served["Content-Type"] == "application/x-zpl"
    zpl = served.content
    assert zpl.startswith(b"^XA") and zpl.rstrip().endswith(b"^XZ")
    assert b"Order: OB202611230042" in zpl and f"^FD{data['tracking_no']}^FS".encode() in zpl
    assert client.get(data["label_url"].removeprefix("http://testserver").replace(".zpl", ".png")
                      )["Content-Type"] == "image/png"


def test_a_zpl_label_never_carries_a_command_from_the_order_number(call, settings):
    settings.SIMULATOR_ONEWAREHOUSE_LABEL_FORMAT = "ZPL"
    zpl = base64.b64decode(_label(call, order_no="OB^XZ~JA").json()["data"]["label_base64"])
    assert zpl.count(b"^XZ") == 1 and b"~" not in zpl and b"Order: OB?XZ?JA" in zpl


def test_a_repeated_label_request_keeps_the_tracking_number(call):
    first = _label(call).json()["data"]["tracking_no"]
    assert _label(call).json()["data"]["tracking_no"] == first
    assert SimShipment.objects.get().label_requests == 2


def test_label_is_refused_once_the_outbound_callback_said_shipped(call):
    _label(call)
    assert call("/outbound-orders/callback", OUTBOUND_CALLBACK).json()["code"] == 0
    body = _label(call).json()
    assert body["code"] == 1005 and body["success"] is False
    assert body["data"] == {"outbound_order_no": "OB202611230042", "status": "SHIPPED"}
    assert "already shipped" in body["msg"]


def test_outbound_callback_before_any_label_is_refused(call):
    body = call("/outbound-orders/callback", OUTBOUND_CALLBACK).json()
    assert body["code"] == 1005 and body["data"]["status"] == "NO_LABEL"


def test_a_repeated_outbound_callback_answers_success_again(call):
    _label(call)
    call("/outbound-orders/callback", OUTBOUND_CALLBACK)
    assert call("/outbound-orders/callback", OUTBOUND_CALLBACK).json()["code"] == 0
    shipment = SimShipment.objects.get()
    assert shipment.is_shipped and shipment.shipped_payload == OUTBOUND_CALLBACK


def test_outbound_callback_must_say_shipped_and_carry_packages(call):
    body = call("/outbound-orders/callback", {**OUTBOUND_CALLBACK, "status": "PACKED", "packages": []}).json()
    assert body["code"] == 1001 and set(body["errors"]) == {"status", "packages"}


@pytest.mark.parametrize(("kind", "status", "code"), [
    (SimFault.Kind.HTTP_500, 500, 5000),
    (SimFault.Kind.HTTP_429, 429, 4029),
])
def test_an_armed_http_fault_answers_the_next_n_calls_then_stops(call, kind, status, code):
    services.fault_arm(endpoint=ReceivedKind.LABEL, kind=kind, count=2)
    for _ in range(2):
        response = _label(call)
        assert response.status_code == status and response.json()["code"] == code
    assert _label(call).json()["code"] == 0
    assert not SimFault.objects.exists()
    assert [r.fault for r in SimReceived.objects.order_by("pk")] == [kind, kind, ""]


def test_a_429_fault_says_when_to_retry(call):
    services.fault_arm(endpoint=ReceivedKind.LABEL, kind=SimFault.Kind.HTTP_429, count=1)
    assert _label(call)["Retry-After"] == "1"


def test_a_code_error_fault_answers_http_200_with_the_armed_code(call):
    services.fault_arm(endpoint=ReceivedKind.INBOUND_CALLBACK, kind=SimFault.Kind.CODE_ERROR, count=1,
                       error_code=1099)
    response = call("/inbound-orders/callback", INBOUND_CALLBACK)
    assert response.status_code == 200 and response.json()["code"] == 1099
    assert call("/inbound-orders/callback", INBOUND_CALLBACK).json()["code"] == 0


def test_a_fault_applies_only_to_its_endpoint(call):
    services.fault_arm(endpoint=ReceivedKind.OUTBOUND_CALLBACK, kind=SimFault.Kind.HTTP_500, count=1)
    assert _label(call).status_code == 200
    assert SimFault.objects.get().remaining == 1


def test_a_slow_fault_waits_its_delay_then_answers_normally(call, monkeypatch):
    waited = []
    monkeypatch.setattr(views, "sleep", waited.append)
    services.fault_arm(endpoint=ReceivedKind.LABEL, kind=SimFault.Kind.SLOW, count=1, delay_seconds=7.5)
    assert _label(call).json()["code"] == 0
    assert waited == [7.5]


def test_a_bad_signature_does_not_consume_an_armed_fault(call):
    services.fault_arm(endpoint=ReceivedKind.LABEL, kind=SimFault.Kind.HTTP_500, count=1)
    assert _label(call, secret="wrong").status_code == 401
    assert SimFault.objects.get().remaining == 1


def test_the_receiving_urls_take_only_post(client):
    assert client.get(BASE + "/outbound-orders/label").status_code == 405


def test_the_simulator_page_needs_a_staff_login(client):
    response = client.get("/simulators/onewarehouse/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_simulator_page_lists_what_was_received_and_pushed(call, staff_client):
    _label(call, order_no="OB-PAGE-1")
    page = staff_client.get("/simulators/onewarehouse/").content.decode()
    assert "OB-PAGE-1" in page and "happy-path" in page


def test_a_fault_can_be_armed_and_cleared_from_the_page(staff_client):
    staff_client.post("/simulators/onewarehouse/faults", {"endpoint": "label", "kind": "http_500", "count": "3"})
    assert SimFault.objects.get().remaining == 3
    staff_client.post("/simulators/onewarehouse/faults", {"clear": "1"})
    assert not SimFault.objects.exists()


@pytest.mark.parametrize("enabled", [False, True])
def test_the_simulator_urls_are_mounted_only_when_simulators_are_enabled(settings, enabled):
    import importlib

    from django.urls import clear_url_caches

    import wms.urls

    original = settings.SIMULATORS_ENABLED
    settings.SIMULATORS_ENABLED = enabled
    try:
        routes = {str(p.pattern) for p in importlib.reload(wms.urls).urlpatterns}
    finally:
        settings.SIMULATORS_ENABLED = original
        importlib.reload(wms.urls)
        clear_url_caches()
    assert ("simulators/onewarehouse/" in routes) is enabled and ("simulators/one/" in routes) is enabled
