"""Pushes signed with each recipe: accepted with the configured one; refused with another and diagnosed on the
request log row and the console in one sentence; one key pair for both directions; the IP allow-list keyword."""

import time

import pytest
from django.core.management import call_command
from django.urls import reverse

from integrations.onewarehouse.auth import RECIPES, SIGNING_RECIPES
from integrations.onewarehouse.checks import onewarehouse_receiving_config_check
from tests.integrations.onewarehouse.helpers import PUSH_KEY, PUSH_SECRET, E, exchange_last, fixture_bytes, keys, sign
from wms.catalog.models import Product

pytestmark = pytest.mark.django_db
BODY = fixture_bytes("product_sync")
SIGNING = [recipe.name for recipe in SIGNING_RECIPES]


def accepted(response) -> bool:
    assert response.status_code == 200, response.json()
    return response.json()["code"] == 0 and Product.objects.filter(sku_id="OW-100234").exists()


def refused(response) -> bool:
    return response.status_code == 401 and response.json()["code"] == 4001 and not Product.objects.exists()


def signed_as(mode: str, **kwargs) -> dict:
    return sign(BODY, mode=mode, **kwargs) if mode != "none" else {}


@pytest.mark.parametrize("mode", SIGNING)
def test_a_push_signed_with_the_configured_recipe_is_accepted(push, ow_settings, mode):
    ow_settings.ONEWAREHOUSE_SIGNATURE_MODE = mode
    assert accepted(push(E.PRODUCT_SYNC, raw=BODY, headers=sign(BODY, mode=mode)))
    logged = exchange_last()
    assert (logged.signature_verdict, logged.signature_diagnosis) == ("valid", "")


def test_the_field_recipe_sends_appkey_timestamp_in_milliseconds_and_sign(push, ow_settings):
    ow_settings.ONEWAREHOUSE_SIGNATURE_MODE = "v20210901-hmac"
    headers = sign(BODY, mode="v20210901-hmac")
    assert set(headers) == {"appkey", "timestamp", "sign"} and int(headers["timestamp"]) > 10**12
    assert accepted(push(E.PRODUCT_SYNC, raw=BODY, headers=headers))


def test_the_profiles_recipe_is_used_when_no_mode_is_set(push, ow_settings):
    ow_settings.ONEWAREHOUSE_SIGNATURE_MODE = ""  # the contract profile (tests/conftest.py): md5
    assert refused(push(E.PRODUCT_SYNC, raw=BODY, headers=sign(BODY, mode="v20210901-hmac")))
    assert accepted(push(E.PRODUCT_SYNC, raw=BODY, headers=sign(BODY, mode="md5")))


@pytest.mark.parametrize("unit", [1, 1000], ids=["seconds", "milliseconds"])
@pytest.mark.parametrize("mode", SIGNING)
def test_the_timestamp_window_holds_for_seconds_and_milliseconds(push, ow_settings, mode, unit):
    ow_settings.ONEWAREHOUSE_SIGNATURE_MODE = mode
    stale = int((time.time() - 400) * unit)
    assert refused(push(E.PRODUCT_SYNC, raw=BODY, headers=sign(BODY, mode=mode, timestamp=stale)))
    fresh = int((time.time() - 200) * unit)
    assert accepted(push(E.PRODUCT_SYNC, raw=BODY, headers=sign(BODY, mode=mode, timestamp=fresh)))


# Each recipe signs while another is configured: the diagnosis names the recipe that signed.
DIAGNOSED = [(signed, configured) for signed in [*SIGNING, "none"] for configured in SIGNING if configured != signed]


@pytest.mark.parametrize(("signed", "configured"), DIAGNOSED)
def test_a_push_signed_with_another_recipe_is_refused_and_diagnosed(push, ow_settings, signed, configured):
    ow_settings.ONEWAREHOUSE_SIGNATURE_MODE = configured
    assert refused(push(E.PRODUCT_SYNC, raw=BODY, headers=signed_as(signed)))
    logged = exchange_last()
    assert logged.signature_verdict.startswith("refused")
    if signed == "none":
        assert logged.signature_diagnosis.startswith(
            "pushes are not signed (no sign header or parameter); set ONEWAREHOUSE_SIGNATURE_MODE=none")
    else:
        unit = "milliseconds" if RECIPES[signed].milliseconds else "seconds"
        assert logged.signature_diagnosis == (
            f"pushes are signed with {signed} (timestamp in {unit}); set ONEWAREHOUSE_SIGNATURE_MODE={signed}")


def test_the_timestamp_unit_is_diagnosed_apart_from_the_recipe(push, ow_settings):
    ow_settings.ONEWAREHOUSE_SIGNATURE_MODE = "v20210901-hmac"
    headers = sign(BODY, mode="md5", timestamp=int(time.time() * 1000))  # the contract's recipe, a ms timestamp
    assert refused(push(E.PRODUCT_SYNC, raw=BODY, headers=headers))
    assert exchange_last().signature_diagnosis == (
        "pushes are signed with md5 (timestamp in milliseconds); set ONEWAREHOUSE_SIGNATURE_MODE=md5")


def test_a_push_signed_with_the_callback_pair_is_diagnosed_with_that_pair(push, ow_settings):
    ow_settings.ONEWAREHOUSE_KEYS = {"sandbox": {**keys(), "app_key": "cb-key", "app_secret": "cb-secret-123"},
                                     "production": keys("", "")}
    assert refused(push(E.PRODUCT_SYNC, raw=BODY, headers=sign(BODY, key="cb-key", secret="cb-secret-123")))
    assert exchange_last().signature_diagnosis == (
        "pushes are signed with md5 (timestamp in seconds) using the sandbox callback key pair; "
        "set ONEWAREHOUSE_SANDBOX_PUSH_APP_KEY/_SECRET to the callback key pair")


def test_a_push_signed_with_the_other_environments_pair_is_diagnosed_so(push, ow_settings):
    ow_settings.ONEWAREHOUSE_KEYS = {"sandbox": keys(), "production": keys("prod-key", "prod-secret-123")}
    headers = sign(BODY, mode="v20210901-hmac", key="prod-key", secret="prod-secret-123")
    assert refused(push(E.PRODUCT_SYNC, raw=BODY, headers=headers))
    assert exchange_last().signature_diagnosis == (
        "pushes are signed with v20210901-hmac (timestamp in milliseconds) using the production push key pair; "
        "set ONEWAREHOUSE_SIGNATURE_MODE=v20210901-hmac; check ONEWAREHOUSE_ENV (the pair is production's)")


def test_no_known_recipe_with_the_configured_secrets_is_said_so(push):
    assert refused(push(E.PRODUCT_SYNC, raw=BODY, headers=sign(BODY, secret="a-secret-we-do-not-have")))
    assert exchange_last().signature_diagnosis.startswith(
        "no known recipe (md5, hmac-sha256, v20210901-hmac) accepts these pushes with the configured secrets")


def test_the_log_keeps_the_sign_readable_and_the_secret_masked_in_the_diagnosis(push, ow_settings):
    ow_settings.ONEWAREHOUSE_SIGNATURE_MODE = "md5"
    headers = sign(BODY, mode="v20210901-hmac")
    push(E.PRODUCT_SYNC, raw=BODY, headers=headers)
    logged = exchange_last()
    assert logged.request_headers["Sign"] == headers["sign"]
    assert PUSH_SECRET not in logged.signature_diagnosis and PUSH_SECRET not in str(logged.request_headers)


def test_a_refusal_the_signature_cannot_explain_has_no_diagnosis(push, ow_settings):
    ow_settings.ONEWAREHOUSE_ALLOWED_IPS = ["10.0.0.0/8"]
    assert refused(push(E.PRODUCT_SYNC, raw=BODY, headers=sign(BODY, mode="hmac-sha256")))
    assert (exchange_last().signature_verdict, exchange_last().signature_diagnosis) == (
        "refused: address not allowed", "")


def test_the_console_says_the_diagnosis_until_a_push_is_accepted(push, ow_settings, client, supervisor):
    ow_settings.ONEWAREHOUSE_SIGNATURE_MODE = "md5"
    push(E.PRODUCT_SYNC, raw=BODY, headers=sign(BODY, mode="v20210901-hmac"))
    client.force_login(supervisor)
    page = client.get(reverse("integration-console")).content.decode()
    assert ("pushes are signed with v20210901-hmac (timestamp in milliseconds); "
            "set ONEWAREHOUSE_SIGNATURE_MODE=v20210901-hmac") in page
    ow_settings.ONEWAREHOUSE_SIGNATURE_MODE = "v20210901-hmac"
    assert accepted(push(E.PRODUCT_SYNC, raw=BODY, headers=sign(BODY, mode="v20210901-hmac")))
    assert 'id="signature-diagnosis"' not in client.get(reverse("integration-console")).content.decode()


def test_only_a_callback_pair_configured_verifies_the_pushes(push, ow_settings):
    ow_settings.ONEWAREHOUSE_KEYS = {"sandbox": {**keys("", ""), "app_key": PUSH_KEY, "app_secret": PUSH_SECRET},
                                     "production": keys("", "")}
    assert accepted(push(E.PRODUCT_SYNC, raw=BODY))


def test_the_allow_list_keyword_admits_onewarehouses_addresses_only(push, ow_settings):
    ow_settings.ONEWAREHOUSE_ALLOWED_IPS = ["onewarehouse", "192.0.2.0/24"]
    assert refused(push(E.PRODUCT_SYNC, raw=BODY, REMOTE_ADDR="198.51.100.7"))
    assert accepted(push(E.PRODUCT_SYNC, raw=BODY, REMOTE_ADDR="192.0.2.9"))
    assert accepted(push(E.PRODUCT_SYNC, raw=BODY, REMOTE_ADDR="120.78.71.91"))


@pytest.mark.parametrize(("allowed", "warned"), [([], True), (["onewarehouse"], False), (["10.0.0.0/8"], False)])
def test_mode_none_is_warned_about_by_the_console_and_the_check_unless_an_allow_list_is_set(
        ow_settings, client, supervisor, allowed, warned):
    ow_settings.ONEWAREHOUSE_SIGNATURE_MODE = "none"
    ow_settings.ONEWAREHOUSE_ALLOWED_IPS = allowed
    client.force_login(supervisor)
    page = client.get(reverse("integration-console")).content.decode()
    assert ('id="signature-warning"' in page) == warned
    assert ("onewarehouse.W001" in [p.id for p in onewarehouse_receiving_config_check()]) == warned
    call_command("check")  # a warning never stops the project


def test_under_the_field_profile_pushes_are_checked_with_its_recipe(push, ow_settings):
    ow_settings.ONEWAREHOUSE_PROFILE, ow_settings.ONEWAREHOUSE_SIGNATURE_MODE = "v20210901", ""
    push(E.PRODUCT_SYNC, raw=BODY, headers=sign(BODY, mode="v20210901-hmac"))
    assert exchange_last().signature_verdict == "valid"  # what the payload then gets is the profile's business
    assert push(E.PRODUCT_SYNC, raw=BODY, headers=sign(BODY, mode="md5")).status_code == 401
    assert exchange_last().signature_diagnosis == (
        "pushes are signed with md5 (timestamp in seconds); set ONEWAREHOUSE_SIGNATURE_MODE=md5")
