"""OneWarehouse request signing (both directions). The algorithm names and field order are the contract's
assumption (shared/contracts/onewarehouse/README.md); a change of the real spec is a change here.

- ``md5`` (default): UPPER(HEX(MD5(secret + "app_key" + app_key + "timestamp" + timestamp + raw_body + secret)))
- ``hmac-sha256``: HEX(HMAC_SHA256(secret, timestamp + "." + raw_body))
- ``none``: no signature (then an IP allow-list should be set)
"""

import hashlib
import hmac

from django.db import models

HEADER_APP_KEY = "X-App-Key"
HEADER_TIMESTAMP = "X-Timestamp"
HEADER_SIGN = "X-Sign"
QUERY_APP_KEY = "app_key"
QUERY_TIMESTAMP = "timestamp"
QUERY_SIGN = "sign"


class SignatureMode(models.TextChoices):
    MD5 = "md5"
    HMAC_SHA256 = "hmac-sha256"
    NONE = "none"


def signature_compute(*, mode: str, app_key: str, app_secret: str, timestamp: str, body: bytes) -> str:
    """The ``sign`` of a request with ``body`` (the raw bytes sent), or "" in mode ``none``."""
    if mode == SignatureMode.MD5:
        raw = (app_secret + "app_key" + app_key + "timestamp" + timestamp).encode() + body + app_secret.encode()
        return hashlib.md5(raw).hexdigest().upper()  # noqa: S324 - the peer's algorithm, not our choice
    if mode == SignatureMode.HMAC_SHA256:
        return hmac.new(app_secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    if mode == SignatureMode.NONE:
        return ""
    raise ValueError(f"unknown signature mode {mode!r}")


def signature_matches(*, expected: str, given: str) -> bool:
    """Constant-time comparison (case-insensitive hex)."""
    return hmac.compare_digest(expected.lower().encode(), (given or "").lower().encode())


def signed_headers(*, mode: str, app_key: str, app_secret: str, timestamp: str, body: bytes) -> dict[str, str]:
    """The headers that sign an outgoing request."""
    headers = {HEADER_APP_KEY: app_key, HEADER_TIMESTAMP: timestamp}
    sign = signature_compute(mode=mode, app_key=app_key, app_secret=app_secret, timestamp=timestamp, body=body)
    if sign:
        headers[HEADER_SIGN] = sign
    return headers
