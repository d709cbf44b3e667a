"""OneWarehouse request signing (both directions): the signature recipes, key pairs, verification of pushes and
the diagnosis of a push that fails it. A recipe is its header (and query parameter) names, the unit of its
timestamp and its compute function; verifying a push and signing our own calls both use it.

- ``md5`` (the contract, docs/contracts/onewarehouse/contract/README.md): headers ``X-App-Key``/``X-Timestamp`` (Unix
  seconds)/``X-Sign``; UPPER(HEX(MD5(secret + "app_key" + app_key + "timestamp" + timestamp + raw_body + secret)))
- ``hmac-sha256`` (the contract): same headers; HEX(HMAC_SHA256(secret, timestamp + "." + raw_body))
- ``v20210901-hmac`` (the field page, docs/contracts/onewarehouse/v20210901/README.md): headers ``appkey``/
  ``timestamp`` (Unix milliseconds)/``sign``; lowercase HEX(HMAC_SHA256(secret, raw_body + timestamp))
- ``none``: pushes are not checked (the FAQ makes checking optional; then an IP allow-list should be set); our own
  calls are still signed, with the profile's recipe, since OneWarehouse verifies them.

``ONEWAREHOUSE_SIGNATURE_MODE`` names the recipe; empty, the active profile's (its ``signature_recipe``).
"""

import hashlib
import hmac
import ipaddress
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db import models

# The contract's names (recipes md5, hmac-sha256 and none).
HEADER_APP_KEY = "X-App-Key"
HEADER_TIMESTAMP = "X-Timestamp"
HEADER_SIGN = "X-Sign"
QUERY_APP_KEY = "app_key"
QUERY_TIMESTAMP = "timestamp"
QUERY_SIGN = "sign"

# OneWarehouse's published egress addresses, from its FAQ for warehouses as quoted on the field page
# (docs/contracts/onewarehouse/v20210901/README.md, "IP allow-list"): ``ONEWAREHOUSE_ALLOWED_IPS=onewarehouse``.
ALLOWED_IPS_KEYWORD = "onewarehouse"
ONEWAREHOUSE_EGRESS_IPS = (
    "121.11.221.130", "121.11.221.131", "52.77.143.211", "122.248.196.11", "46.51.219.5", "13.214.244.173",
    "18.143.33.165", "13.215.123.123", "120.78.70.56", "120.78.69.89", "120.78.67.40", "120.78.71.91",
)
# A timestamp above this is read as milliseconds (as seconds it would be the year 5138).
MILLISECONDS_FROM = 10**11


class SignatureMode(models.TextChoices):
    MD5 = "md5"
    HMAC_SHA256 = "hmac-sha256"
    V20210901_HMAC = "v20210901-hmac"
    NONE = "none"


def _md5(*, app_key: str, app_secret: str, timestamp: str, body: bytes) -> str:
    raw = (app_secret + "app_key" + app_key + "timestamp" + timestamp).encode() + body + app_secret.encode()
    return hashlib.md5(raw).hexdigest().upper()  # MD5 is the peer's algorithm, not our choice


def _hmac_sha256(*, app_key: str, app_secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(app_secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _v20210901_hmac(*, app_key: str, app_secret: str, timestamp: str, body: bytes) -> str:
    # The body exactly as sent, immediately followed by the timestamp's decimal digits.
    return hmac.new(app_secret.encode(), body + timestamp.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class PushCredentials:
    app_key: str
    timestamp: str
    sign: str


@dataclass(frozen=True)
class Recipe:
    name: str
    header_app_key: str
    header_timestamp: str
    header_sign: str
    query_app_key: str
    query_timestamp: str
    query_sign: str
    milliseconds: bool  # the unit of the timestamp we send
    compute: Callable[..., str] | None  # None: signs nothing

    def sign(self, *, app_key: str, app_secret: str, timestamp: str, body: bytes) -> str:
        if self.compute is None:
            return ""
        return self.compute(app_key=app_key, app_secret=app_secret, timestamp=timestamp, body=body)

    def timestamp_now(self, now: float | None = None) -> str:
        now = time.time() if now is None else now
        return str(int(now * 1000) if self.milliseconds else int(now))

    def headers(self, *, app_key: str, app_secret: str, timestamp: str, body: bytes) -> dict[str, str]:
        headers = {self.header_app_key: app_key, self.header_timestamp: timestamp}
        sign = self.sign(app_key=app_key, app_secret=app_secret, timestamp=timestamp, body=body)
        if sign:
            headers[self.header_sign] = sign
        return headers

    def credentials(self, *, headers: Mapping[str, str], query: Mapping[str, str]) -> PushCredentials:
        """``app_key``, ``timestamp`` and ``sign`` from the headers (any case), else from the query string.

        Each value is taken from the headers when the header is present, so a proxy cannot mix the two sources.
        """
        lowered = {str(name).lower(): value for name, value in headers.items()}

        def pick(header: str, param: str) -> str:
            value = lowered.get(header.lower())
            return (value if value is not None else query.get(param, "")).strip()

        return PushCredentials(app_key=pick(self.header_app_key, self.query_app_key),
                               timestamp=pick(self.header_timestamp, self.query_timestamp),
                               sign=pick(self.header_sign, self.query_sign))


def _contract(name: str, compute) -> Recipe:
    return Recipe(name, HEADER_APP_KEY, HEADER_TIMESTAMP, HEADER_SIGN, QUERY_APP_KEY, QUERY_TIMESTAMP, QUERY_SIGN,
                  milliseconds=False, compute=compute)


RECIPES: dict[str, Recipe] = {
    SignatureMode.MD5: _contract(SignatureMode.MD5.value, _md5),
    SignatureMode.HMAC_SHA256: _contract(SignatureMode.HMAC_SHA256.value, _hmac_sha256),
    # The field page names headers only; the same names are accepted as query parameters, as in the contract.
    SignatureMode.V20210901_HMAC: Recipe(SignatureMode.V20210901_HMAC.value, "appkey", "timestamp", "sign",
                                         "appkey", "timestamp", "sign", milliseconds=True, compute=_v20210901_hmac),
    SignatureMode.NONE: _contract(SignatureMode.NONE.value, None),
}
# The recipes that sign, in the order the diagnosis tries them.
SIGNING_RECIPES = tuple(recipe for recipe in RECIPES.values() if recipe.compute is not None)


def recipe_get(mode: str) -> Recipe:
    try:
        return RECIPES[mode]
    except KeyError:
        raise ValueError(f"unknown signature mode {mode!r}") from None


def profile_recipe_name(profile: str | None = None) -> str:
    """The recipe of a wire profile (the active one by default); an unknown profile has none ("")."""
    # Imported here: the profiles import this module (their recipes' header names).
    from integrations.onewarehouse.profiles import PROFILES

    found = PROFILES.get(settings.ONEWAREHOUSE_PROFILE if profile is None else profile)
    return found.signature_recipe if found else ""


def signature_mode_active() -> str:
    """``ONEWAREHOUSE_SIGNATURE_MODE``, or the active profile's recipe when it is empty."""
    return (settings.ONEWAREHOUSE_SIGNATURE_MODE or "").strip() or profile_recipe_name()


def outgoing_mode_active() -> str:
    """The recipe our calls to OneWarehouse are signed with: the active one; with ``none`` (which only turns off
    the check of pushes) the profile's, since OneWarehouse always verifies our calls."""
    mode = signature_mode_active()
    return profile_recipe_name() if mode == SignatureMode.NONE else mode


def signature_compute(*, mode: str, app_key: str, app_secret: str, timestamp: str, body: bytes) -> str:
    """The ``sign`` of a request with ``body`` (the raw bytes sent), or "" in mode ``none``."""
    return recipe_get(mode).sign(app_key=app_key, app_secret=app_secret, timestamp=timestamp, body=body)


def signature_matches(*, expected: str, given: str) -> bool:
    """Constant-time comparison (case-insensitive hex)."""
    return hmac.compare_digest(expected.lower().encode(), (given or "").lower().encode())


def signed_headers(*, mode: str, app_key: str, app_secret: str, body: bytes, timestamp: str | None = None
                   ) -> dict[str, str]:
    """The headers that sign an outgoing request; the timestamp is now, in the recipe's unit, unless given."""
    recipe = recipe_get(mode)
    stamp = recipe.timestamp_now() if timestamp is None else timestamp
    return recipe.headers(app_key=app_key, app_secret=app_secret, timestamp=stamp, body=body)


# --- Key pairs --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class KeyPair:
    app_key: str
    app_secret: str
    source: str  # which setting pair it is, e.g. "sandbox push key pair"

    def __bool__(self) -> bool:
        return bool(self.app_key and self.app_secret)


def _pair(keys: Mapping, env: str, prefix: str, what: str) -> KeyPair:
    return KeyPair(keys.get(f"{prefix}app_key", ""), keys.get(f"{prefix}app_secret", ""), f"{env} {what} key pair")


def push_key_pair(env: str | None = None) -> KeyPair:
    """The pair OneWarehouse's pushes are verified with; an environment with only the callback pair uses that."""
    env = settings.ONEWAREHOUSE_ENV if env is None else env
    keys = settings.ONEWAREHOUSE_KEYS.get(env) or {}
    push, callback = _pair(keys, env, "push_", "push"), _pair(keys, env, "", "callback")
    return push if push or not callback else callback


def callback_key_pair(env: str | None = None) -> KeyPair:
    """The pair our calls to OneWarehouse are signed with; an environment with only the push pair uses that."""
    env = settings.ONEWAREHOUSE_ENV if env is None else env
    keys = settings.ONEWAREHOUSE_KEYS.get(env) or {}
    push, callback = _pair(keys, env, "push_", "push"), _pair(keys, env, "", "callback")
    return callback if callback or not push else push


def _key_pairs_all() -> list[KeyPair]:
    """Every configured pair, the active environment's push pair first (what the diagnosis tries)."""
    pairs = [push_key_pair()]
    for env, keys in settings.ONEWAREHOUSE_KEYS.items():
        pairs += [_pair(keys, env, "push_", "push"), _pair(keys, env, "", "callback")]
    unique = []
    for pair in pairs:
        if pair and all((pair.app_key, pair.app_secret) != (u.app_key, u.app_secret) for u in unique):
            unique.append(pair)
    return unique


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
# Refusals a diagnosis can explain (a push signed otherwise than configured); not the address or a missing key.
DIAGNOSED_REFUSALS = (Refusal.MISSING_CREDENTIALS, Refusal.UNKNOWN_APP_KEY, Refusal.BAD_TIMESTAMP,
                      Refusal.STALE_TIMESTAMP, Refusal.BAD_SIGN)


@dataclass(frozen=True)
class PushVerdict:
    accepted: bool
    verdict: str
    message: str = ""


def push_credentials_extract(*, headers: Mapping[str, str], query: Mapping[str, str],
                             mode: str = SignatureMode.MD5) -> PushCredentials:
    """``app_key``, ``timestamp`` and ``sign`` by the names of recipe ``mode``: headers, else query parameters."""
    return recipe_get(mode).credentials(headers=headers, query=query)


def timestamp_seconds(value: str) -> float | None:
    """A timestamp as Unix seconds, whether it was sent in seconds or milliseconds; None if not an integer."""
    try:
        stamp = int(value)
    except ValueError:
        return None
    return stamp / 1000 if abs(stamp) >= MILLISECONDS_FROM else float(stamp)


def allowed_networks(allowed: Iterable[str]) -> list[str]:
    """The allow-list's entries with the keyword ``onewarehouse`` replaced by OneWarehouse's egress addresses."""
    entries = []
    for entry in (entry.strip() for entry in allowed):
        if entry.lower() == ALLOWED_IPS_KEYWORD:
            entries += ONEWAREHOUSE_EGRESS_IPS
        elif entry:
            entries.append(entry)
    return entries


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
    """True when no allow-list is set, or ``ip`` lies in one of its networks (CIDRs, single addresses, or the
    keyword ``onewarehouse``)."""
    networks = allowed_networks(allowed)
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
    """Check a push: IP allow-list (every mode), then key, timestamp (seconds or milliseconds) and sign."""
    if not client_ip_allowed(ip=client_ip, allowed=allowed_ips):
        return PushVerdict(False, Refusal.IP_NOT_ALLOWED, f"Address {client_ip or 'unknown'} is not allowed")
    recipe = recipe_get(mode)
    if recipe.compute is None:
        return PushVerdict(True, VERDICT_NOT_CHECKED)
    if not push_app_key or not push_app_secret:
        return PushVerdict(False, Refusal.NO_KEY_CONFIGURED,
                           "The warehouse has no push key configured for this environment; ask it to set one")
    if not (credentials.app_key and credentials.timestamp and credentials.sign):
        names = f"{recipe.header_app_key}, {recipe.header_timestamp} and {recipe.header_sign}"
        return PushVerdict(False, Refusal.MISSING_CREDENTIALS,
                           f"app_key, timestamp and sign are required (headers {names}, or query parameters)")
    if not hmac.compare_digest(credentials.app_key.encode(), push_app_key.encode()):
        return PushVerdict(False, Refusal.UNKNOWN_APP_KEY, "Unknown app_key")
    sent_at = timestamp_seconds(credentials.timestamp)
    if sent_at is None:
        return PushVerdict(False, Refusal.BAD_TIMESTAMP, "timestamp must be Unix seconds or milliseconds")
    if abs(now - sent_at) > tolerance_seconds:
        return PushVerdict(False, Refusal.STALE_TIMESTAMP,
                           f"timestamp is more than {tolerance_seconds} s away from the server clock")
    expected = recipe.sign(app_key=credentials.app_key, app_secret=push_app_secret,
                           timestamp=credentials.timestamp, body=body)
    if not signature_matches(expected=expected, given=credentials.sign):
        return PushVerdict(False, Refusal.BAD_SIGN, "Signature does not match")
    return PushVerdict(True, VERDICT_VALID)


# --- Diagnosis of a refused push --------------------------------------------------------------------------

@dataclass(frozen=True)
class Diagnosis:
    recipe: str  # the recipe whose signature matches, "" when none does
    key_source: str  # the configured pair whose secret made it match
    timestamp_unit: str  # "seconds", "milliseconds", or "" (none found or not an integer)
    in_window: bool  # the timestamp lies within the tolerance
    sentence: str  # what the request log and the console say


def _unit(timestamp: str) -> str:
    try:
        stamp = int(timestamp)
    except ValueError:
        return ""
    return "milliseconds" if abs(stamp) >= MILLISECONDS_FROM else "seconds"


def push_signature_diagnose(*, headers: Mapping[str, str], query: Mapping[str, str], body: bytes, now: float,
                            tolerance_seconds: int) -> Diagnosis:
    """Which known recipe, with which configured key pair, would have accepted a refused push; said in one sentence.

    Every signing recipe is tried, each with its own header names, against every configured secret (the active
    environment's push pair first). The timestamp is read as seconds or milliseconds by its size. A push without
    any sign is diagnosed as ``none``."""
    configured = signature_mode_active()
    active_pair = push_key_pair()
    signed = [(recipe, recipe.credentials(headers=headers, query=query)) for recipe in SIGNING_RECIPES]
    signed = [(recipe, credentials) for recipe, credentials in signed if credentials.sign]
    if not signed:
        return Diagnosis(SignatureMode.NONE.value, "", "", False,
                         "pushes are not signed (no sign header or parameter); set ONEWAREHOUSE_SIGNATURE_MODE=none "
                         "with ONEWAREHOUSE_ALLOWED_IPS=onewarehouse, or ask OneWarehouse to sign them")
    for recipe, credentials in signed:
        for pair in _key_pairs_all():
            expected = recipe.sign(app_key=credentials.app_key or pair.app_key, app_secret=pair.app_secret,
                                   timestamp=credentials.timestamp, body=body)
            if signature_matches(expected=expected, given=credentials.sign):
                return _found(recipe=recipe, pair=pair, credentials=credentials, configured=configured,
                              active_pair=active_pair, now=now, tolerance_seconds=tolerance_seconds)
    tried = ", ".join(recipe.name for recipe in SIGNING_RECIPES)
    return Diagnosis("", "", "", False, f"no known recipe ({tried}) accepts these pushes with the configured "
                                        f"secrets: ask OneWarehouse which key and recipe sign them")


def _found(*, recipe: Recipe, pair: KeyPair, credentials: PushCredentials, configured: str, active_pair: KeyPair,
           now: float, tolerance_seconds: int) -> Diagnosis:
    unit = _unit(credentials.timestamp)
    sent_at = timestamp_seconds(credentials.timestamp)
    in_window = sent_at is not None and abs(now - sent_at) <= tolerance_seconds
    said = f"pushes are signed with {recipe.name} (timestamp in {unit or 'an unknown unit'})"
    fixes = []
    if recipe.name != configured:
        fixes.append(f"set ONEWAREHOUSE_SIGNATURE_MODE={recipe.name}")
    if pair != active_pair:
        said += f" using the {pair.source}"
        env, direction = pair.source.split()[:2]
        if env != settings.ONEWAREHOUSE_ENV:
            fixes.append(f"check ONEWAREHOUSE_ENV (the pair is {env}'s)")
        else:
            fixes.append(f"set ONEWAREHOUSE_{env.upper()}_PUSH_APP_KEY/_SECRET to the {direction} key pair")
    elif credentials.app_key and credentials.app_key != pair.app_key:
        fixes.append(f"the app key sent ({credentials.app_key}) is not the {pair.source}'s")
    if not in_window:
        fixes.append(f"the timestamp is more than {tolerance_seconds} s away from our clock: check both clocks")
    if not fixes:
        fixes.append("the signature itself is right")
    return Diagnosis(recipe.name, pair.source, unit, in_window, f"{said}; {'; '.join(fixes)}")
