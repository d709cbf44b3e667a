"""Both sides sign the same way (``integrations.onewarehouse.auth``); this module picks the simulator's keys:
it signs its pushes with the push pair and checks the WMS's calls with the callback pair."""

import hmac
import time
from dataclasses import dataclass

from django.conf import settings

from integrations.onewarehouse import auth


def _keys() -> dict:
    return settings.ONEWAREHOUSE_KEYS[settings.ONEWAREHOUSE_ENV]


def push_headers_build(*, body: bytes, timestamp: str | None = None, tamper: bool = False) -> dict[str, str]:
    """Headers that sign a push; ``tamper`` signs with a wrong secret (the bad-signature scenario)."""
    keys = _keys()
    secret = keys["push_app_secret"]
    if tamper:
        secret = secret + "-tampered"
    recipe = auth.recipe_get(auth.signature_mode_active())
    headers = recipe.headers(app_key=keys["push_app_key"], app_secret=secret,
                             timestamp=timestamp or recipe.timestamp_now(), body=body)
    if tamper and recipe.header_sign not in headers:  # mode none: a wrong key is the only thing left to tamper
        headers[recipe.header_app_key] = keys["push_app_key"] + "-tampered"
    return headers


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""


def call_signature_verify(*, headers, query, body: bytes, now: float | None = None) -> Verdict:
    """Checks a call from the WMS as the contract says: known app key, timestamp within the tolerance, sign
    (constant time). Headers or query parameters (both accepted)."""
    keys = _keys()
    mode = auth.outgoing_mode_active()  # what the WMS signs its calls with
    credentials = auth.recipe_get(mode).credentials(headers=headers, query=query)
    app_key, timestamp, sign = credentials.app_key, credentials.timestamp, credentials.sign
    if not keys["app_key"] or not keys["app_secret"]:
        return Verdict(False, "the simulator has no callback key pair configured")
    if not hmac.compare_digest(app_key.encode(), keys["app_key"].encode()):
        return Verdict(False, "unknown app_key")
    sent_at = auth.timestamp_seconds(timestamp)
    if sent_at is None:
        return Verdict(False, "timestamp is not Unix seconds or milliseconds")
    if abs((now if now is not None else time.time()) - sent_at) > settings.ONEWAREHOUSE_TIMESTAMP_TOLERANCE_SECONDS:
        return Verdict(False, "timestamp outside the allowed window")
    expected = auth.signature_compute(mode=mode, app_key=app_key, app_secret=keys["app_secret"],
                                      timestamp=timestamp, body=body)
    if not auth.signature_matches(expected=expected, given=sign):
        return Verdict(False, "signature does not match")
    return Verdict(True)
