"""The ONE stock API client: owns every HTTP detail (session, headers, timeouts, status codes, parsing).

Every exchange goes through ``logged_session(integration="one")``, so it is in the request log with ``ApiAuth``
masked. Callers see typed errors, never ``requests``:

- ``OneAuthError``: 401/403, the tenant or key is wrong. Retrying cannot help; staff must fix the settings.
- ``OneRetryableError``: 429, 5xx, timeouts and connection errors. Try again later (the outbox backs off).
- ``OneRequestError``: any other 4xx: ONE refuses the request itself; the body says why.
- ``OneAnswerError``: a read answered with success, but not with a JSON object.
"""

import json
from decimal import Decimal

import requests
from django.conf import settings

from integrations.apilog.http import logged_session

from . import mapping


class OneError(Exception):
    def __init__(self, message: str, *, status_code: int | None = None, body: str = ""):
        super().__init__(message)
        self.status_code = status_code
        self.body = body


class OneAuthError(OneError):
    pass


class OneRetryableError(OneError):
    pass


class OneRequestError(OneError):
    pass


class OneNotConfigured(OneError):
    pass


class OneAnswerError(OneError):
    """ONE answered a read with success, but not with the JSON object the contract describes."""


RETRYABLE_STATUSES = {429} | set(range(500, 600))


class OneClient:
    def __init__(self, *, session: requests.Session | None = None):
        if not settings.ONE_BASE_URL:
            raise OneNotConfigured("ONE_BASE_URL is not set")
        self.base_url = settings.ONE_BASE_URL.rstrip("/")
        self.session = session or logged_session(integration="one")

    def _headers(self, *, write: bool) -> dict[str, str]:
        headers = {mapping.HEADER_TENANT: settings.ONE_TENANT, mapping.HEADER_API_KEY: settings.ONE_API_KEY,
                   "accept": "*/*"}
        if write:
            headers["Content-Type"] = "application/json"
        return headers

    def _call(self, method: str, path: str, *, endpoint: str, params=None, body: str | None = None,
              outbox_message_id: int | None = None) -> requests.Response:
        try:
            response = self.session.request(
                method, self.base_url + path, endpoint=endpoint, outbox_message_id=outbox_message_id,
                params=params, data=body.encode("utf-8") if body is not None else None,
                headers=self._headers(write=body is not None), timeout=settings.ONE_TIMEOUT_SECONDS,
            )
        except requests.Timeout as exc:
            raise OneRetryableError(f"ONE did not answer within {settings.ONE_TIMEOUT_SECONDS}s") from exc
        except requests.ConnectionError as exc:
            raise OneRetryableError(f"cannot reach ONE: {type(exc).__name__}") from exc
        status = response.status_code
        if status in (401, 403):
            raise OneAuthError(f"ONE refused the credentials (HTTP {status}): check ONE_TENANT and ONE_API_KEY",
                               status_code=status, body=response.text)
        if status in RETRYABLE_STATUSES:
            raise OneRetryableError(f"ONE answered HTTP {status}", status_code=status, body=response.text)
        if status >= 400:
            raise OneRequestError(f"ONE refused the request (HTTP {status}): {response.text[:1000]}",
                                  status_code=status, body=response.text)
        return response

    @staticmethod
    def _json(response: requests.Response):
        if not response.content:
            return None
        try:
            return json.loads(response.content, parse_float=Decimal)
        except ValueError:
            return None

    @staticmethod
    def _json_object(response: requests.Response, *, endpoint: str) -> dict:
        """A read's answer, which must be a JSON object; anything else is an ``OneAnswerError`` naming it."""
        start = response.text[:200]
        try:
            data = json.loads(response.content, parse_float=Decimal)
        except ValueError as exc:
            raise OneAnswerError(f"ONE answered {endpoint} (HTTP {response.status_code}) with something that is not "
                                 f"JSON ({exc}): {start!r}", status_code=response.status_code,
                                 body=response.text) from exc
        if not isinstance(data, dict):
            raise OneAnswerError(f"ONE answered {endpoint} (HTTP {response.status_code}) with JSON that is not an "
                                 f"object ({type(data).__name__}): {start!r}", status_code=response.status_code,
                                 body=response.text)
        return data

    # --- reads ------------------------------------------------------------------------------------------

    def stocks_get(
        self, *, skus: list[str], warehouses: list[str], cart_id: str = "",
    ) -> dict[str, mapping.ProductStock]:
        params = [(mapping.QUERY_SKUS, sku) for sku in skus] + [(mapping.QUERY_WAREHOUSES, w) for w in warehouses]
        if cart_id:
            params.append((mapping.QUERY_CART_ID, cart_id))
        params.append((mapping.QUERY_WITH_STOCKS, "false"))
        response = self._call("GET", mapping.path("stocks"), endpoint="stocks_get",
                              params=mapping.query_string(params))
        return mapping.stocks_parse(self._json_object(response, endpoint="stocks_get"))

    def stock_for_one_product_get(self, *, sku: str, warehouses: list[str] = ()) -> mapping.ProductStock:
        params = [(mapping.QUERY_SKU, sku)] + [(mapping.QUERY_WAREHOUSES, w) for w in warehouses]
        params.append((mapping.QUERY_WITH_STOCKS, "false"))
        response = self._call("GET", mapping.path("stocks_for_one_product"), endpoint="stocks_for_one_product_get",
                              params=mapping.query_string(params))
        return mapping.product_stock_parse(self._json_object(response, endpoint="stocks_for_one_product_get"))

    # --- writes: the body is JSON text built by ``mapping`` ---------------------------------------------

    def stocks_replace(self, *, warehouse: str, body: str, outbox_message_id: int | None = None) -> dict:
        response = self._call("PUT", mapping.path("replace", warehouse=warehouse), endpoint="stocks_replace",
                              body=body, outbox_message_id=outbox_message_id)
        return {"status": response.status_code, "body": _jsonable(self._json(response))}

    def stocks_incremental(self, *, warehouse: str, body: str, outbox_message_id: int | None = None) -> dict:
        response = self._call("POST", mapping.path("incremental", warehouse=warehouse),
                              endpoint="stocks_incremental", body=body, outbox_message_id=outbox_message_id)
        return {"status": response.status_code, "body": _jsonable(self._json(response))}


def _jsonable(value):
    """Decimals back to JSON numbers' text form, for storing an answer in a JSONField."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value
