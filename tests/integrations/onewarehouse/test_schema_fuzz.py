"""Schema fuzzing of the six receiving URLs (issue 9 item 3).

The app's own OpenAPI document (/api/schema/) is loaded into schemathesis; for each of the six operations,
bodies generated from the documented payload schemas (valid ones, and ones that break the schema) are sent
through the real URLs with a valid signature computed over the exact bytes sent. Whatever the body, the
intake never crashes (no 5xx) and always answers the contract's JSON envelope.
"""

import json
import time

import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, given, settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.core import NotSet

from integrations.onewarehouse.auth import HEADER_APP_KEY, HEADER_SIGN, HEADER_TIMESTAMP, signature_compute
from integrations.onewarehouse.mapping import INCOMING_PATHS

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


def envelope_problems(response, *, path: str) -> list[str]:
    """What is wrong with an answer as the contract's envelope (an empty list: nothing). ``data`` is an object,
    except the contract's one exception: a product batch's success answers a list."""
    if not response["Content-Type"].startswith("application/json"):
        return [f"not JSON: {response['Content-Type']}"]
    body = json.loads(response.content)
    if not isinstance(body, dict):
        return [f"not an object: {body!r}"]
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


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize("path", sorted(INCOMING_PATHS.values()))
def test_a_signed_generated_body_never_gets_a_5xx_and_always_gets_the_envelope(api_schema, push_keys, path, mode):
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
        problems = envelope_problems(response, path=path)
        assert not problems, (problems, body[:500], response.content[:500])

    send()
    assert seen, "no example was sent"
