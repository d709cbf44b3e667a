import hashlib
import hmac

import pytest

from integrations.onewarehouse.auth import (
    ONEWAREHOUSE_EGRESS_IPS,
    allowed_networks,
    callback_key_pair,
    client_ip_allowed,
    outgoing_mode_active,
    push_key_pair,
    recipe_get,
    signature_compute,
    signature_matches,
    signature_mode_active,
    signed_headers,
    timestamp_seconds,
)


def test_md5_signature_follows_the_contract_formula():
    body = b'{"sku_id":"OW-1"}'
    expected = hashlib.md5(b"SECRETapp_keyKEYtimestamp1700000000" + body + b"SECRET").hexdigest().upper()
    assert signature_compute(mode="md5", app_key="KEY", app_secret="SECRET", timestamp="1700000000",
                             body=body) == expected


def test_hmac_signature_follows_the_contract_formula():
    body = b"{}"
    expected = hmac.new(b"SECRET", b"1700000000.{}", hashlib.sha256).hexdigest()
    assert signature_compute(mode="hmac-sha256", app_key="KEY", app_secret="SECRET", timestamp="1700000000",
                             body=body) == expected


def test_mode_none_signs_nothing_and_unknown_mode_is_an_error():
    assert signed_headers(mode="none", app_key="K", app_secret="S", timestamp="1", body=b"") == {
        "X-App-Key": "K", "X-Timestamp": "1"}
    with pytest.raises(ValueError):
        signature_compute(mode="sha1", app_key="K", app_secret="S", timestamp="1", body=b"")


def test_signature_comparison_ignores_hex_case_only():
    assert signature_matches(expected="ABCDEF", given="abcdef")
    assert not signature_matches(expected="ABCDEF", given="ABCDEE")
    assert not signature_matches(expected="ABCDEF", given=None)


def test_the_field_recipe_is_lowercase_hmac_sha256_of_the_body_then_the_millisecond_timestamp():
    body = b'{"sku_id":"OW-1"}'
    expected = hmac.new(b"SECRET", body + b"1700000000123", hashlib.sha256).hexdigest()
    assert signature_compute(mode="v20210901-hmac", app_key="KEY", app_secret="SECRET", timestamp="1700000000123",
                             body=body) == expected == expected.lower()


def test_each_recipe_signs_with_its_own_header_names_and_timestamp_unit():
    field = signed_headers(mode="v20210901-hmac", app_key="K", app_secret="S", body=b"{}")
    assert set(field) == {"appkey", "timestamp", "sign"} and len(field["timestamp"]) == 13
    assert field["sign"] == signature_compute(mode="v20210901-hmac", app_key="K", app_secret="S",
                                              timestamp=field["timestamp"], body=b"{}")
    contract = signed_headers(mode="md5", app_key="K", app_secret="S", body=b"{}")
    assert set(contract) == {"X-App-Key", "X-Timestamp", "X-Sign"} and len(contract["X-Timestamp"]) == 10
    assert abs(int(field["timestamp"]) / 1000 - int(contract["X-Timestamp"])) < 5


def test_credentials_are_read_by_the_recipes_names_in_any_case_header_before_query():
    recipe = recipe_get("v20210901-hmac")
    got = recipe.credentials(headers={"Appkey": "K", "Timestamp": "1", "Sign": "ab"}, query={"sign": "cd"})
    assert (got.app_key, got.timestamp, got.sign) == ("K", "1", "ab")
    assert recipe.credentials(headers={}, query={"appkey": "K", "timestamp": "1", "sign": "cd"}).sign == "cd"
    assert recipe_get("md5").credentials(headers={"appkey": "K"}, query={}).app_key == ""


@pytest.mark.parametrize(("value", "seconds"), [("1700000000", 1700000000.0), ("1700000000123", 1700000000.123),
                                                ("17e8", None), ("", None)])
def test_a_timestamp_is_read_as_seconds_or_milliseconds_by_its_size(value, seconds):
    assert timestamp_seconds(value) == seconds


def test_the_profile_names_the_recipe_unless_the_mode_is_set(settings):
    settings.ONEWAREHOUSE_SIGNATURE_MODE = ""
    settings.ONEWAREHOUSE_PROFILE = "v20210901"
    assert signature_mode_active() == outgoing_mode_active() == "v20210901-hmac"
    settings.ONEWAREHOUSE_PROFILE = "contract"
    assert signature_mode_active() == "md5"
    settings.ONEWAREHOUSE_SIGNATURE_MODE = "hmac-sha256"
    assert signature_mode_active() == outgoing_mode_active() == "hmac-sha256"
    # "none" turns off the check of pushes only: OneWarehouse verifies our calls, signed with the profile's recipe.
    settings.ONEWAREHOUSE_SIGNATURE_MODE = "none"
    assert (signature_mode_active(), outgoing_mode_active()) == ("none", "md5")


def test_the_keyword_onewarehouse_stands_for_its_published_egress_addresses_and_combines_with_cidrs():
    allowed = ["onewarehouse", "10.0.0.0/8"]
    assert allowed_networks(allowed) == [*ONEWAREHOUSE_EGRESS_IPS, "10.0.0.0/8"]
    assert len(ONEWAREHOUSE_EGRESS_IPS) == 12
    assert client_ip_allowed(ip="13.215.123.123", allowed=allowed)
    assert client_ip_allowed(ip="10.1.2.3", allowed=allowed)
    assert not client_ip_allowed(ip="13.215.123.124", allowed=allowed)


def _keys(settings, **pairs):
    env = {"push_app_key": "", "push_app_secret": "", "app_key": "", "app_secret": "", "base_url": ""}
    settings.ONEWAREHOUSE_ENV = "sandbox"
    settings.ONEWAREHOUSE_KEYS = {"sandbox": {**env, **pairs}, "production": dict(env)}


def test_one_key_pair_configured_for_an_environment_serves_both_directions(settings):
    _keys(settings, app_key="CB", app_secret="cb-secret")
    assert (push_key_pair().app_key, callback_key_pair().app_key) == ("CB", "CB")
    _keys(settings, push_app_key="PU", push_app_secret="pu-secret")
    assert (push_key_pair().app_key, callback_key_pair().app_key) == ("PU", "PU")
    _keys(settings, push_app_key="PU", push_app_secret="pu-secret", app_key="CB", app_secret="cb-secret")
    assert (push_key_pair().app_key, callback_key_pair().app_key) == ("PU", "CB")
    _keys(settings)
    assert not push_key_pair() and not callback_key_pair()
