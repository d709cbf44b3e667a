"""The OneWarehouse client: environment, signature, timeouts, the answer envelope, the request log."""

import hashlib
import hmac
import json

import pytest
import requests
import responses

from integrations.apilog.models import ApiExchange
from integrations.onewarehouse.auth import signature_compute
from integrations.onewarehouse.client import CallFailed, OneWarehouseClient, RequestRejected
from tests.helpers import PUBLIC_IP, hosts_resolve
from wms.outbox.registry import PermanentSendError, RetryableSendError

pytestmark = pytest.mark.django_db
PAYLOAD = {"inbound_order_no": "IB-1", "order_type": "PURCHASE", "completed_at": "2026-11-25T07:42:10.123456+00:00",
           "items": [{"sku_id": "OW-1", "expected_qty": 2, "received_qty": 2, "good_qty": 2, "damaged_qty": 0}]}


@pytest.fixture
def keys(settings):
    settings.ONEWAREHOUSE_ENV = "sandbox"
    settings.ONEWAREHOUSE_SIGNATURE_MODE = "md5"
    settings.ONEWAREHOUSE_TIMEOUT_SECONDS = 7.5
    settings.ONEWAREHOUSE_KEYS = {
        "sandbox": {"push_app_key": "", "push_app_secret": "", "app_key": "sb-key", "app_secret": "sb-secret-xyz",
                    "base_url": "https://sandbox.ow.test/"},
        "production": {"push_app_key": "", "push_app_secret": "", "app_key": "pr-key",
                       "app_secret": "pr-secret-xyz", "base_url": "https://api.ow.test"},
    }
    return settings


def test_base_url_and_key_follow_the_environment(keys):
    keys.ONEWAREHOUSE_ENV = "production"
    with responses.RequestsMock() as peer:
        peer.add(responses.POST, "https://api.ow.test/openapi/wms/inbound-orders/callback", json={"code": 0})
        OneWarehouseClient().inbound_callback_send(payload=PAYLOAD)
        assert peer.calls[0].request.headers["X-App-Key"] == "pr-key"


def test_hmac_mode_signs_timestamp_dot_body(keys):
    keys.ONEWAREHOUSE_SIGNATURE_MODE = "hmac-sha256"
    with responses.RequestsMock() as peer:
        peer.add(responses.POST, "https://sandbox.ow.test/openapi/wms/inbound-orders/callback", json={"code": 0})
        OneWarehouseClient().inbound_callback_send(payload=PAYLOAD)
        request = peer.calls[0].request
    assert request.headers["X-Sign"] == signature_compute(
        mode="hmac-sha256", app_key="sb-key", app_secret="sb-secret-xyz", timestamp=request.headers["X-Timestamp"],
        body=request.body)
    assert json.loads(request.body)["completed_time"] == "2026-11-25T07:42:10+00:00"


def test_the_field_recipe_signs_with_appkey_a_millisecond_timestamp_and_the_body_then_the_timestamp(keys):
    keys.ONEWAREHOUSE_SIGNATURE_MODE = "v20210901-hmac"
    with responses.RequestsMock() as peer:
        peer.add(responses.POST, "https://sandbox.ow.test/openapi/wms/inbound-orders/callback", json={"code": 0})
        OneWarehouseClient().inbound_callback_send(payload=PAYLOAD)
        request = peer.calls[0].request
    stamp = request.headers["timestamp"]
    assert request.headers["appkey"] == "sb-key" and len(stamp) == 13 and "X-Sign" not in request.headers
    assert request.headers["sign"] == hmac.new(b"sb-secret-xyz", request.body + stamp.encode(),
                                               hashlib.sha256).hexdigest()


def test_mode_none_still_signs_our_calls_with_the_profiles_recipe(keys):
    keys.ONEWAREHOUSE_SIGNATURE_MODE = "none"  # the contract profile in tests: md5
    with responses.RequestsMock() as peer:
        peer.add(responses.POST, "https://sandbox.ow.test/openapi/wms/inbound-orders/callback", json={"code": 0})
        OneWarehouseClient().inbound_callback_send(payload=PAYLOAD)
        request = peer.calls[0].request
    assert request.headers["X-Sign"] == signature_compute(
        mode="md5", app_key="sb-key", app_secret="sb-secret-xyz", timestamp=request.headers["X-Timestamp"],
        body=request.body)


def test_with_only_the_push_pair_configured_our_calls_are_signed_with_it(keys):
    keys.ONEWAREHOUSE_KEYS = {"sandbox": {"push_app_key": "pu-key", "push_app_secret": "pu-secret-xyz", "app_key": "",
                                          "app_secret": "", "base_url": "https://sandbox.ow.test/"}}
    with responses.RequestsMock() as peer:
        peer.add(responses.POST, "https://sandbox.ow.test/openapi/wms/inbound-orders/callback", json={"code": 0})
        OneWarehouseClient().inbound_callback_send(payload=PAYLOAD)
        request = peer.calls[0].request
    assert request.headers["X-App-Key"] == "pu-key" and request.headers["X-Sign"] == signature_compute(
        mode="md5", app_key="pu-key", app_secret="pu-secret-xyz", timestamp=request.headers["X-Timestamp"],
        body=request.body)


def test_the_configured_timeout_is_passed_on_every_call(keys, monkeypatch):
    seen = {}

    def fake_send(self, request, **kwargs):
        seen["timeout"] = kwargs.get("timeout")
        raise requests.exceptions.ConnectTimeout("slow")

    monkeypatch.setattr(requests.Session, "send", fake_send)
    with pytest.raises(CallFailed, match="ConnectTimeout"):
        OneWarehouseClient().inbound_callback_send(payload=PAYLOAD)
    assert seen["timeout"] == 7.5


def test_missing_configuration_is_a_retryable_failure_naming_what_is_missing(settings):
    settings.ONEWAREHOUSE_KEYS = {"sandbox": {"app_key": "", "app_secret": "", "base_url": ""}}
    settings.ONEWAREHOUSE_ENV = "sandbox"
    with pytest.raises(RetryableSendError, match="app_key, app_secret, base_url missing"):
        OneWarehouseClient().inbound_callback_send(payload=PAYLOAD)


@pytest.mark.parametrize("status, body, error", [
    (200, {"code": 1001, "msg": "bad", "errors": {"items": ["x"]}}, RequestRejected),
    (200, {"code": 1005, "msg": "state"}, CallFailed),
    (502, {"code": 0}, CallFailed),
    (200, "not json", CallFailed),
    (200, ["a list"], CallFailed),
])
def test_answers_other_than_code_0_fail_and_only_1001_is_permanent(keys, status, body, error):
    with responses.RequestsMock() as peer:
        kwargs = {"json": body} if not isinstance(body, str) else {"body": body}
        peer.add(responses.POST, "https://sandbox.ow.test/openapi/wms/inbound-orders/callback", status=status, **kwargs)
        with pytest.raises(error) as failed:
            OneWarehouseClient().inbound_callback_send(payload=PAYLOAD)
    assert isinstance(failed.value, PermanentSendError) == (error is RequestRejected)


def test_every_exchange_is_logged_with_its_business_code_and_no_secret(keys):
    with responses.RequestsMock() as peer:
        peer.add(responses.POST, "https://sandbox.ow.test/openapi/wms/inbound-orders/callback",
                 json={"code": 1005, "msg": "state"})
        with pytest.raises(CallFailed):
            OneWarehouseClient().inbound_callback_send(payload=PAYLOAD, outbox_message_id=42)
        sent = peer.calls[0].request
    exchange = ApiExchange.objects.get()
    assert (exchange.endpoint, exchange.business_code, exchange.order_no, exchange.outbox_message_id) == (
        "inbound_callback", 1005, "IB-1", 42)
    stored = json.dumps([exchange.request_headers, exchange.request_body, exchange.url])
    # The sign is no secret (OneWarehouse's support needs it to discuss a mismatch); the secret is never stored.
    assert "sb-secret-xyz" not in stored and exchange.request_headers["X-Sign"] == sent.headers["X-Sign"] == (
        signature_compute(mode="md5", app_key="sb-key", app_secret="sb-secret-xyz",
                          timestamp=sent.headers["X-Timestamp"], body=sent.body))


def test_a_label_answer_with_no_label_yet_is_a_failed_attempt(keys):
    with responses.RequestsMock() as peer:
        peer.add(responses.POST, "https://sandbox.ow.test/openapi/wms/outbound-orders/label",
                 json={"code": 0, "data": {"tracking_no": "T", "label_format": "PDF"}})
        with pytest.raises(CallFailed, match="neither label_url nor label_base64"):
            OneWarehouseClient().label_fetch(outbound_order_no="OB-1")


def test_a_label_download_that_fails_is_a_failed_attempt(keys, monkeypatch):
    keys.ONEWAREHOUSE_LABEL_HOSTS = ["files.test"]
    hosts_resolve(monkeypatch, {"sandbox.ow.test": PUBLIC_IP, "files.test": PUBLIC_IP})
    with responses.RequestsMock() as peer:
        peer.add(responses.POST, "https://sandbox.ow.test/openapi/wms/outbound-orders/label",
                 json={"code": 0, "data": {"tracking_no": "T", "label_url": "https://files.test/l.pdf"}})
        peer.add(responses.GET, "https://files.test/l.pdf", status=404)
        with pytest.raises(CallFailed, match="HTTP 404"):
            OneWarehouseClient().label_fetch(outbound_order_no="OB-1")
    assert list(ApiExchange.objects.order_by("pk").values_list("endpoint", flat=True)) == [
        "shipping_label", "shipping_label_download"]
