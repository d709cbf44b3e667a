"""Schema fuzzing of the six receiving URLs: whatever the body, the answer is the envelope, never a 5xx.

The app's own OpenAPI document (/api/schema/) is loaded into schemathesis; for each of the six operations,
bodies generated from the documented payload schemas (valid ones, and ones that break the schema) are sent
through the real URLs with a valid signature computed over the exact bytes sent. Whatever the body, the
intake never crashes (no 5xx) and always answers the contract's JSON envelope.
"""

import copy
import json
import time

import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core import NotSet

from integrations.apilog.models import ApiExchange
from integrations.onewarehouse.auth import HEADER_APP_KEY, HEADER_SIGN, HEADER_TIMESTAMP, signature_compute
from integrations.onewarehouse.mapping import INCOMING_PATHS
from integrations.onewarehouse.profiles import PROFILES
from tests.integrations.onewarehouse.helpers import fixture_load

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

MAX_EXAMPLES = 25
SIGNED_HEADERS = {HEADER_APP_KEY.lower(), HEADER_TIMESTAMP.lower(), HEADER_SIGN.lower()}


@pytest.fixture
def push_keys(settings):
    """Random push keys for this test, set the way production sets them: through settings."""
    import secrets

    key, secret = f"fuzz-{secrets.token_hex(4)}", secrets.token_hex(16)
    blank = {"push_app_key": "", "push_app_secret": "", "app_key": "", "app_secret": "", "base_url": ""}
    settings.ONEWAREHOUSE_ENV = "sandbox"
    settings.ONEWAREHOUSE_KEYS = {"sandbox": {**blank, "push_app_key": key, "push_app_secret": secret},
                                  "production": blank}
    settings.ONEWAREHOUSE_SIGNATURE_MODE = "md5"
    settings.ONEWAREHOUSE_ALLOWED_IPS = []
    settings.ONEWAREHOUSE_TRUSTED_PROXY_HEADER = ""
    settings.ONEWAREHOUSE_TIMESTAMP_TOLERANCE_SECONDS = 300
    return key, secret


@pytest.fixture
def api_schema(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return schemathesis.openapi.from_dict(response.json())


def body_bytes(generated) -> bytes:
    """The bytes to send: a generated JSON value serialised, raw bytes (negative mode) as they are."""
    if isinstance(generated, bytes):
        return generated
    if isinstance(generated, NotSet):
        return b""
    return json.dumps(generated, ensure_ascii=False).encode()


def envelope_problems(response, *, path: str, profile: str = "contract") -> list[str]:
    """What is wrong with an answer as the profile's envelope (an empty list: nothing). ``data`` is an object,
    except the contract's one exception: a product batch's success answers a list."""
    if not response["Content-Type"].startswith("application/json"):
        return [f"not JSON: {response['Content-Type']}"]
    body = json.loads(response.content)
    if not isinstance(body, dict):
        return [f"not an object: {body!r}"]
    if profile != "contract":  # a word for a code: read back through the profile's own envelope
        problems = [] if PROFILES[profile].envelope.business_code(body) is not None else [f"no code: {body!r}"]
        if not isinstance(body.get("msg"), str) or not isinstance(body.get("data"), dict):
            problems.append(f"msg or data missing: {body!r}")
        return problems
    problems = []
    if path == "products/sync" and body.get("success") is True and isinstance(body.get("data"), list):
        body = {**body, "data": {}}
    for field, kind in (("code", int), ("success", bool), ("msg", str), ("data", dict)):
        if field not in body:
            problems.append(f"{field} missing")
        elif not isinstance(body[field], kind) or (kind is int and isinstance(body[field], bool)):
            problems.append(f"{field} is not {kind.__name__}: {body[field]!r}")
    if "errors" in body and not isinstance(body["errors"], dict):
        problems.append(f"errors is not an object: {body['errors']!r}")
    return problems


@pytest.mark.parametrize("profile", [pytest.param(name, marks=pytest.mark.onewarehouse_profile(name))
                                     for name in ("contract", "v20210901")])
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize("path", sorted(INCOMING_PATHS.values()))
def test_a_signed_generated_body_never_gets_a_5xx_and_always_gets_the_envelope(api_schema, push_keys, path, mode,
                                                                              profile):
    key, secret = push_keys
    url = f"/api/onewarehouse/{path}"
    strategy = api_schema[url]["POST"].as_strategy(generation_mode=mode)
    http = Client()
    seen = []

    @hypothesis_settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                         suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def send(case):
        body = body_bytes(case.body)
        stamp = str(int(time.time()))
        sign = signature_compute(mode="md5", app_key=key, app_secret=secret, timestamp=stamp, body=body)
        extra = {k: str(v) for k, v in (case.headers or {}).items()
                 if k.lower() not in SIGNED_HEADERS and k.lower() not in {"content-type", "content-length"}}
        # The signature headers are the real ones; any generated query ``sign`` etc. is overridden by them.
        response = http.post(url, data=body, content_type="application/json", QUERY_STRING="",
                             headers={**extra, HEADER_APP_KEY: key, HEADER_TIMESTAMP: stamp, HEADER_SIGN: sign})
        seen.append(response.status_code)
        # The signature is valid, so the body itself is what gets judged, never the credentials.
        assert response.status_code != 401, response.content[:500]
        assert response.status_code < 500, (response.status_code, body[:500], response.content[:2000])
        problems = envelope_problems(response, path=path, profile=profile)
        assert not problems, (problems, body[:500], response.content[:500])

    send()
    assert seen, "no example was sent"


# --- Text no log or answer could hold -------------------------------------------------------------------------
# Built on each URL's example payload: a string (a value or a key, at any depth) gets a lone surrogate or NUL, a
# value becomes a deeply nested array, bytes that are not UTF-8 (or a NUL byte) go in anywhere; the body is sent
# signed and unsigned. Whatever happens, the answer is the envelope, never a 5xx, and the request has a log row
# with that status.
EXAMPLES = {path: fixture_load(name)
            for path, name in [("products/sync", "product_sync"), ("inbound-orders/purchase", "inbound_purchase"),
                               ("inbound-orders/return", "inbound_return"), ("inbound-orders/cancel", "inbound_cancel"),
                               ("outbound-orders", "outbound_create"), ("outbound-orders/cancel", "outbound_cancel")]}

ODD_CHARACTERS = st.one_of(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), st.just("\x00"))
ODD_TEXT = st.builds(lambda before, odd, after: before + odd + after, st.text(max_size=5), ODD_CHARACTERS,
                     st.text(max_size=5))


def _string_positions(value, path=()):
    """Paths to every string value, and to every key (marked by a final ``None``), of a parsed JSON value."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield (*path, key, None)
            yield from _string_positions(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _string_positions(child, (*path, index))
    elif isinstance(value, str):
        yield path


def _set(payload, path, text):
    *parents, last = path
    if last is None:  # rename the key at parents[-1]
        *parents, key = parents
    node = payload
    for part in parents:
        node = node[part]
    if last is None:
        node[text] = node.pop(key)
    else:
        node[last] = text


@st.composite
def hostile_bodies(draw, example: dict) -> bytes:
    payload = copy.deepcopy(example)
    kind = draw(st.sampled_from(["odd-text", "deep", "raw-bytes"]))
    if kind == "odd-text":
        for path in draw(st.lists(st.sampled_from(list(_string_positions(example))), min_size=1, max_size=3,
                                  unique=True)):
            try:
                _set(payload, path, draw(ODD_TEXT))
            except (KeyError, IndexError, TypeError):  # an earlier rename moved it: that is hostile enough
                pass
    elif kind == "deep":
        depth = draw(st.integers(min_value=20, max_value=5000))
        path = draw(st.sampled_from([p for p in _string_positions(example) if p[-1] is not None]))
        _set(payload, path, "\x01DEEP\x01")
        opener = draw(st.sampled_from(["[", '{"a":']))
        closer = "]" if opener == "[" else "}"
        text = json.dumps(payload).replace('"\\u0001DEEP\\u0001"', opener * depth + "1" + closer * depth)
        return text.encode()
    body = json.dumps(payload, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    if kind == "raw-bytes":
        at = draw(st.integers(min_value=0, max_value=len(body)))
        odd = draw(st.one_of(st.sampled_from([b"\x00", b"\xff", b"\xed\xa0\x80", b"\xc3", b"\xe2\x82"]),
                             st.binary(min_size=1, max_size=4)))
        body = body[:at] + odd + body[at:]
    return body


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
@pytest.mark.parametrize("path", sorted(INCOMING_PATHS.values()))
def test_text_no_log_or_answer_could_hold_gets_the_envelope_and_a_log_row_with_its_status(push_keys, path, signed):
    key, secret = push_keys
    url = f"/api/onewarehouse/{path}"
    http = Client()

    @hypothesis_settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                         suppress_health_check=list(HealthCheck))
    @given(body=hostile_bodies(EXAMPLES[path]))
    def send(body):
        headers = {}
        if signed:
            stamp = str(int(time.time()))
            headers = {HEADER_APP_KEY: key, HEADER_TIMESTAMP: stamp,
                       HEADER_SIGN: signature_compute(mode="md5", app_key=key, app_secret=secret, timestamp=stamp,
                                                      body=body)}
        logged = ApiExchange.objects.count()
        response = http.post(url, data=body, content_type="application/json", headers=headers)
        assert response.status_code < 500, (response.status_code, body[:300], response.content[:2000])
        problems = envelope_problems(response, path=path)
        assert not problems, (problems, body[:300], response.content[:500])
        assert ApiExchange.objects.count() == logged + 1
        row = ApiExchange.objects.order_by("-pk").first()
        assert (row.status_code, row.business_code) == (response.status_code, response.json()["code"])

    send()
