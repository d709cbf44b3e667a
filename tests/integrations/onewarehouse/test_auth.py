import hashlib
import hmac

import pytest

from integrations.onewarehouse.auth import signature_compute, signature_matches, signed_headers


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
