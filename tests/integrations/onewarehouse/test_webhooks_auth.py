"""Authentication of OneWarehouse's pushes: signature modes, timestamp window, keys, query signing, IP allow-list."""

import json
import time

import pytest

from integrations.onewarehouse.auth import client_ip_allowed, client_ip_resolve
from tests.integrations.onewarehouse.helpers import PUSH_KEY, E, exchange_last, fixture_bytes, keys, sign
from wms.catalog.models import Product

pytestmark = pytest.mark.django_db
BODY = fixture_bytes("product_sync")


def refused(response, msg: str) -> bool:
    assert response.status_code == 401
    assert response.json() == {"code": 4001, "success": False, "msg": msg, "data": {}}
    return not Product.objects.exists()


def accepted(response) -> bool:
    assert response.status_code == 200, response.json()
    return response.json()["code"] == 0 and Product.objects.filter(sku_id="OW-100234").exists()


def test_md5_signed_headers_are_accepted(push):
    assert accepted(push(E.PRODUCT_SYNC, raw=BODY, headers=sign(BODY, mode="md5")))
    assert exchange_last().signature_verdict == "valid"


def test_hmac_sha256_signed_headers_are_accepted_in_that_mode(push, ow_settings):
    ow_settings.ONEWAREHOUSE_SIGNATURE_MODE = "hmac-sha256"
    assert accepted(push(E.PRODUCT_SYNC, raw=BODY, headers=sign(BODY, mode="hmac-sha256")))


def test_a_signature_of_the_other_mode_is_refused(push, ow_settings):
    ow_settings.ONEWAREHOUSE_SIGNATURE_MODE = "hmac-sha256"
    assert refused(push(E.PRODUCT_SYNC, raw=BODY, headers=sign(BODY, mode="md5")), "Signature does not match")
    assert exchange_last().signature_verdict == "refused: signature mismatch"


def test_mode_none_accepts_an_unsigned_request_even_without_a_key(push, ow_settings):
    ow_settings.ONEWAREHOUSE_SIGNATURE_MODE = "none"
    ow_settings.ONEWAREHOUSE_KEYS = {"sandbox": keys("", ""), "production": keys("", "")}
    assert accepted(push(E.PRODUCT_SYNC, raw=BODY, headers={}))
    assert exchange_last().signature_verdict == "not checked (mode none)"


def test_mode_none_still_applies_the_ip_allow_list(push, ow_settings):
    ow_settings.ONEWAREHOUSE_SIGNATURE_MODE = "none"
    ow_settings.ONEWAREHOUSE_ALLOWED_IPS = ["10.0.0.0/8"]
    assert refused(push(E.PRODUCT_SYNC, raw=BODY, headers={}), "Address 127.0.0.1 is not allowed")


def test_without_a_configured_push_key_every_request_is_refused_with_a_clear_message(push, ow_settings):
    ow_settings.ONEWAREHOUSE_KEYS = {"sandbox": keys("", ""), "production": keys()}
    assert refused(push(E.PRODUCT_SYNC, raw=BODY),
                   "The warehouse has no push key configured for this environment; ask it to set one")


def test_the_key_pair_of_the_configured_environment_is_used(push, ow_settings):
    ow_settings.ONEWAREHOUSE_ENV = "production"
    ow_settings.ONEWAREHOUSE_KEYS = {"sandbox": keys(), "production": keys("prod-key", "prod-secret-xyz")}
    assert refused(push(E.PRODUCT_SYNC, raw=BODY), "Unknown app_key")
    assert accepted(push(E.PRODUCT_SYNC, raw=BODY, headers=sign(BODY, key="prod-key", secret="prod-secret-xyz")))


@pytest.mark.parametrize("offset", [-400, 400], ids=["stale", "future"])
def test_a_timestamp_outside_the_window_is_refused(push, offset):
    headers = sign(BODY, timestamp=int(time.time()) + offset)
    assert refused(push(E.PRODUCT_SYNC, raw=BODY, headers=headers),
                   "timestamp is more than 300 s away from the server clock")


@pytest.mark.parametrize("offset", [-200, 200])
def test_a_timestamp_inside_the_window_is_accepted(push, offset):
    assert accepted(push(E.PRODUCT_SYNC, raw=BODY, headers=sign(BODY, timestamp=int(time.time()) + offset)))


def test_a_timestamp_that_is_not_unix_time_is_refused(push):
    headers = {**sign(BODY), "X-Timestamp": "2026-11-23T11:00:00Z"}
    assert refused(push(E.PRODUCT_SYNC, raw=BODY, headers=headers), "timestamp must be Unix seconds or milliseconds")


def test_an_unknown_app_key_is_refused(push):
    headers = sign(BODY, key="someone-else")
    assert refused(push(E.PRODUCT_SYNC, raw=BODY, headers=headers), "Unknown app_key")


def test_a_signature_made_with_another_secret_is_refused(push):
    headers = sign(BODY, secret="not-the-secret")
    assert refused(push(E.PRODUCT_SYNC, raw=BODY, headers=headers), "Signature does not match")


def test_a_body_changed_after_signing_is_refused(push):
    tampered = BODY.replace(b"12.50", b"1.50")
    assert refused(push(E.PRODUCT_SYNC, raw=tampered, headers=sign(BODY)), "Signature does not match")


def test_missing_credentials_are_refused(push):
    headers = {k: v for k, v in sign(BODY).items() if k != "X-Sign"}
    assert refused(push(E.PRODUCT_SYNC, raw=BODY, headers=headers), "app_key, timestamp and sign are required "
                   "(headers X-App-Key, X-Timestamp and X-Sign, or query parameters)")


def test_query_parameter_signing_is_accepted_and_the_sign_stays_readable_in_the_log(push):
    signed = sign(BODY)
    query = f"?app_key={PUSH_KEY}&timestamp={signed['X-Timestamp']}&sign={signed['X-Sign']}"
    assert accepted(push(E.PRODUCT_SYNC, raw=BODY, headers={}, query=query))
    url = exchange_last().url
    assert f"sign={signed['X-Sign']}" in url and f"app_key={PUSH_KEY}" in url


def test_a_wrong_sign_in_the_query_is_refused(push):
    signed = sign(BODY)
    query = f"?app_key={PUSH_KEY}&timestamp={signed['X-Timestamp']}&sign={'0' * 32}"
    assert refused(push(E.PRODUCT_SYNC, raw=BODY, headers={}, query=query), "Signature does not match")


def test_an_address_outside_the_allow_list_is_refused_and_inside_accepted(push, ow_settings):
    ow_settings.ONEWAREHOUSE_ALLOWED_IPS = ["10.0.0.0/8", "2001:db8::/32"]
    assert refused(push(E.PRODUCT_SYNC, raw=BODY, REMOTE_ADDR="192.168.1.9"), "Address 192.168.1.9 is not allowed")
    assert exchange_last().signature_verdict == "refused: address not allowed"
    assert accepted(push(E.PRODUCT_SYNC, raw=BODY, REMOTE_ADDR="10.20.30.40"))
    assert exchange_last().remote_addr == "10.20.30.40"


def test_the_trusted_proxy_header_is_honoured_only_when_configured(push, ow_settings):
    ow_settings.ONEWAREHOUSE_ALLOWED_IPS = ["203.0.113.0/24"]
    forwarded = {"HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    assert refused(push(E.PRODUCT_SYNC, raw=BODY, **forwarded), "Address 127.0.0.1 is not allowed")
    ow_settings.ONEWAREHOUSE_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    assert accepted(push(E.PRODUCT_SYNC, raw=BODY, **forwarded))
    assert exchange_last().remote_addr == "203.0.113.7"


def test_a_forged_left_entry_of_the_proxy_header_is_not_believed(push, ow_settings):
    ow_settings.ONEWAREHOUSE_ALLOWED_IPS = ["203.0.113.0/24"]
    ow_settings.ONEWAREHOUSE_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    response = push(E.PRODUCT_SYNC, raw=BODY, HTTP_X_FORWARDED_FOR="203.0.113.7, 198.51.100.1")
    assert refused(response, "Address 198.51.100.1 is not allowed")


def test_ip_helpers_read_cidrs_single_addresses_and_both_families():
    assert client_ip_allowed(ip="1.2.3.4", allowed=[])
    assert client_ip_allowed(ip="1.2.3.4", allowed=["1.2.3.4"])
    assert not client_ip_allowed(ip="1.2.3.5", allowed=["1.2.3.4", "2001:db8::/32"])
    assert client_ip_allowed(ip="2001:db8::1", allowed=["1.2.3.4", "2001:db8::/32"])
    assert not client_ip_allowed(ip="garbage", allowed=["0.0.0.0/0"])
    assert client_ip_resolve(remote_addr="10.0.0.1", forwarded=None) == "10.0.0.1"
    assert client_ip_resolve(remote_addr="10.0.0.1", forwarded=" 1.1.1.1 , 2.2.2.2 ") == "2.2.2.2"


def test_a_refused_request_is_still_logged_with_its_body_and_verdict(push):
    push(E.PRODUCT_SYNC, raw=BODY, headers=sign(BODY, secret="wrong-secret"))
    exchange = exchange_last()
    assert (exchange.status_code, exchange.business_code) == (401, 4001)
    assert exchange.request_body == BODY.decode() and exchange.signature_verdict == "refused: signature mismatch"
    assert json.loads(exchange.response_body)["msg"] == "Signature does not match"
