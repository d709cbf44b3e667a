"""OneWarehouse pushing to us: each profile's example payloads and signed requests to the six receiving URLs.
The fixtures that use them (``ow_settings``, ``push``, ``catalogue``) are in tests/conftest.py."""

import json

from integrations.apilog.models import ApiExchange
from integrations.onewarehouse import mapping
from integrations.onewarehouse.auth import signed_headers
from tests.helpers import ONEWAREHOUSE_EXAMPLES, ONEWAREHOUSE_FIELD_EXAMPLES

PUSH_KEY = "ow-sandbox-push-key"
PUSH_SECRET = "push-secret-for-tests-7f3a9c"
E = mapping.Endpoint


def fixture_load(name: str) -> dict:
    return json.loads((ONEWAREHOUSE_EXAMPLES / f"{name}.json").read_text())


def fixture_bytes(name: str) -> bytes:
    return (ONEWAREHOUSE_EXAMPLES / f"{name}.json").read_bytes()


def field_fixture_load(name: str) -> dict:
    """An example of profile v20210901 (docs/contracts/onewarehouse/v20210901/examples/)."""
    return json.loads((ONEWAREHOUSE_FIELD_EXAMPLES / f"{name}.json").read_text())


def field_fixture_bytes(name: str) -> bytes:
    return (ONEWAREHOUSE_FIELD_EXAMPLES / f"{name}.json").read_bytes()


def keys(push_app_key=PUSH_KEY, push_app_secret=PUSH_SECRET) -> dict:
    return {"push_app_key": push_app_key, "push_app_secret": push_app_secret,
            "app_key": "", "app_secret": "", "base_url": ""}


def sign(body: bytes, *, mode="md5", key=PUSH_KEY, secret=PUSH_SECRET, timestamp: int | None = None) -> dict:
    """The headers of recipe ``mode``; the timestamp is now in the recipe's unit unless given."""
    return signed_headers(mode=mode, app_key=key, app_secret=secret, body=body,
                          timestamp=None if timestamp is None else str(timestamp))


def exchange_last() -> ApiExchange:
    return ApiExchange.objects.filter(direction=ApiExchange.Direction.INCOMING).order_by("-pk").first()
