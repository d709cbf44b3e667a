"""OneWarehouse request signing (both directions). The algorithm names and field order are the contract's
assumption (shared/contracts/onewarehouse/README.md); a change of the real spec is a change here.

- ``md5`` (default): UPPER(HEX(MD5(secret + "app_key" + app_key + "timestamp" + timestamp + raw_body + secret)))
- ``hmac-sha256``: HEX(HMAC_SHA256(secret, timestamp + "." + raw_body))
- ``none``: no signature (then an IP allow-list should be set)
"""

import hashlib
import hmac
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

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
        return hashlib.md5(raw).hexdigest().upper()  # MD5 is the peer's algorithm, not our choice
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


# --- Verification of OneWarehouse's pushes ---------------------------------------------------------------

class Refusal(models.TextChoices):
    """Why a push was refused; the value is stored as the exchange's signature verdict."""

    NO_KEY_CONFIGURED = "refused: no push key configured"
    IP_NOT_ALLOWED = "refused: address not allowed"
    MISSING_CREDENTIALS = "refused: credentials missing"
    UNKNOWN_APP_KEY = "refused: unknown app_key"
    BAD_TIMESTAMP = "refused: timestamp not an integer"
    STALE_TIMESTAMP = "refused: timestamp out of window"
    BAD_SIGN = "refused: signature mismatch"


VERDICT_VALID = "valid"
VERDICT_NOT_CHECKED = "not checked (mode none)"


@dataclass(frozen=True)
class PushCredentials:
    app_key: str
    timestamp: str
    sign: str


@dataclass(frozen=True)
class PushVerdict:
    accepted: bool
    verdict: str
    message: str = ""


def push_credentials_extract(*, headers: Mapping[str, str], query: Mapping[str, str]) -> PushCredentials:
    """``app_key``, ``timestamp`` and ``sign`` from the headers, else from the query string (both are accepted).

    Each value is taken from the headers when the header is present, so a proxy cannot mix the two sources.
    """
    def pick(header: str, param: str) -> str:
        value = headers.get(header)
        return (value if value is not None else query.get(param, "")).strip()

    return PushCredentials(app_key=pick(HEADER_APP_KEY, QUERY_APP_KEY),
                           timestamp=pick(HEADER_TIMESTAMP, QUERY_TIMESTAMP),
                           sign=pick(HEADER_SIGN, QUERY_SIGN))


def client_ip_resolve(*, remote_addr: str, forwarded: str | None) -> str:
    """The caller's address: the trusted proxy header's value when given (``forwarded``), else REMOTE_ADDR.

    A forwarding list (``client, proxy1``) is read from the right: the last entry is the one our own trusted
    proxy wrote; entries to its left come from the caller and could be forged.
    """
    if forwarded:
        last = forwarded.split(",")[-1].strip()
        if last:
            return last
    return remote_addr or ""


def client_ip_allowed(*, ip: str, allowed: Iterable[str]) -> bool:
    """True when no allow-list is set, or ``ip`` lies in one of its networks (CIDRs or single addresses)."""
    networks = [entry.strip() for entry in allowed if entry.strip()]
    if not networks:
        return True
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for entry in networks:
        network = ipaddress.ip_network(entry, strict=False)
        if address.version == network.version and address in network:
            return True
    return False


def push_request_verify(*, mode: str, push_app_key: str, push_app_secret: str, credentials: PushCredentials,
                        body: bytes, now: float, tolerance_seconds: int, client_ip: str,
                        allowed_ips: Iterable[str]) -> PushVerdict:
    """Check a push against the contract's rules: IP allow-list (every mode), then key, timestamp and sign."""
    if not client_ip_allowed(ip=client_ip, allowed=allowed_ips):
        return PushVerdict(False, Refusal.IP_NOT_ALLOWED, f"Address {client_ip or 'unknown'} is not allowed")
    if mode == SignatureMode.NONE:
        return PushVerdict(True, VERDICT_NOT_CHECKED)
    if mode not in (SignatureMode.MD5, SignatureMode.HMAC_SHA256):
        raise ValueError(f"unknown signature mode {mode!r}")
    if not push_app_key or not push_app_secret:
        return PushVerdict(False, Refusal.NO_KEY_CONFIGURED,
                           "The warehouse has no push key configured for this environment; ask it to set one")
    if not (credentials.app_key and credentials.timestamp and credentials.sign):
        return PushVerdict(False, Refusal.MISSING_CREDENTIALS,
                           "app_key, timestamp and sign are required (headers or query parameters)")
    if not hmac.compare_digest(credentials.app_key.encode(), push_app_key.encode()):
        return PushVerdict(False, Refusal.UNKNOWN_APP_KEY, "Unknown app_key")
    try:
        sent_at = int(credentials.timestamp)
    except ValueError:
        return PushVerdict(False, Refusal.BAD_TIMESTAMP, "timestamp must be Unix seconds")
    if abs(now - sent_at) > tolerance_seconds:
        return PushVerdict(False, Refusal.STALE_TIMESTAMP,
                           f"timestamp is more than {tolerance_seconds} s away from the server clock")
    expected = signature_compute(mode=mode, app_key=credentials.app_key, app_secret=push_app_secret,
                                 timestamp=credentials.timestamp, body=body)
    if not signature_matches(expected=expected, given=credentials.sign):
        return PushVerdict(False, Refusal.BAD_SIGN, "Signature does not match")
    return PushVerdict(True, VERDICT_VALID)
