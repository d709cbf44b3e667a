"""Any bytes, any text: a lone UTF-16 surrogate, nesting deeper than the limit, bytes that are
not UTF-8, NUL, on every URL, signed or not, in the body, a header or the query string: the request is logged
(with a status) and answered with the envelope; nothing is written by a request that is refused, and the answer
is rendered before the business transaction commits."""

import base64
import json
from dataclasses import replace

import pytest
from django.urls import reverse
from rest_framework import serializers

from integrations.apilog.masking import mask_body
from integrations.apilog.models import ApiExchange
from integrations.apilog.selectors import exchanges_export
from integrations.apilog.services import body_for_log, exchange_replay
from integrations.onewarehouse import services
from integrations.onewarehouse.mapping import INCOMING_PATHS
from integrations.onewarehouse.profiles import PROFILES
from tests.integrations.onewarehouse.helpers import PUSH_SECRET, E, exchange_last, fixture_bytes, fixture_load, sign
from wms.inbound.models import InboundOrder
from wms.outbound.models import OutboundOrder

pytestmark = pytest.mark.django_db

EXAMPLES = {E.PRODUCT_SYNC: "product_sync", E.INBOUND_PURCHASE: "inbound_purchase",
            E.INBOUND_RETURN: "inbound_return", E.INBOUND_CANCEL: "inbound_cancel",
            E.OUTBOUND_CREATE: "outbound_create", E.OUTBOUND_CANCEL: "outbound_cancel"}
ENDPOINTS = sorted(INCOMING_PATHS)


def _first_string_key(payload: dict) -> str:
    return next(key for key, value in payload.items() if isinstance(value, str))


def _bodies(endpoint: str) -> dict[str, tuple[bytes, str]]:
    """Hostile bodies built on the endpoint's own example: (bytes, the start of the expected ``msg``)."""
    example = fixture_load(EXAMPLES[endpoint])
    key = _first_string_key(example)
    nested = {**example, "extra": {"list": [{"deep": "\ud800"}]}}
    return {
        "surrogate-in-a-value": (json.dumps({**example, key: "A\ud800"}).encode(),
                                 f"Body holds a lone UTF-16 surrogate (U+D800) at {key}"),
        "low-surrogate-in-a-key": (json.dumps({**example, "\udc00": "x"}).encode(),
                                   "Body holds a lone UTF-16 surrogate (U+DC00) at \\udc00"),
        "surrogate-nested": (json.dumps(nested).encode(),
                             "Body holds a lone UTF-16 surrogate (U+D800) at extra.list.0.deep"),
        "surrogate-as-raw-bytes": (fixture_bytes(EXAMPLES[endpoint]).replace(b"{", b'{"x": "\xed\xa0\x80", ', 1),
                                   "Body is not UTF-8 text"),
        "invalid-utf8": (fixture_bytes(EXAMPLES[endpoint]).replace(b"{", b'{"x": "\xff\xc3", ', 1),
                         "Body is not UTF-8 text"),
        "nested-475-deep": (b'{"a": ' + b"[" * 475 + b"]" * 475 + b"}",
                            "Body nests arrays or objects deeper than 32 levels"),
        "nested-200000-deep": (b"[" * 200_000, "Body nests arrays or objects deeper than 32 levels"),
        "nan": (json.dumps({**example, "weight": float("nan")}).encode(), "Body is not valid JSON"),
    }


CASES = [(endpoint, case) for endpoint in ENDPOINTS for case in _bodies(endpoint)]


@pytest.mark.parametrize("endpoint, case", CASES, ids=[f"{e}-{c}" for e, c in CASES])
def test_a_body_that_is_not_json_text_is_refused_400_1000_naming_why_and_logged(push, stocked_catalogue, endpoint,
                                                                              case):
    raw, msg = _bodies(endpoint)[case]
    response = push(endpoint, raw=raw)
    assert (response.status_code, response["Content-Type"]) == (400, "application/json")
    answer = response.json()
    assert (answer["code"], answer["success"], answer["data"]) == (1000, False, {})
    assert answer["msg"].startswith(msg), answer["msg"]
    logged = exchange_last()
    assert (logged.endpoint, logged.status_code, logged.business_code) == (endpoint, 400, 1000)
    assert not OutboundOrder.objects.exists() and not InboundOrder.objects.exists()


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_an_unsigned_body_with_a_surrogate_and_a_secret_key_is_logged_then_refused_401(push, endpoint):
    # The masked copy of the body (a secret key name is in it) held the surrogate: the log row failed to insert.
    raw = json.dumps({**fixture_load(EXAMPLES[endpoint]), "secret": "x", "remark": "\ud800"}).encode()
    response = push(endpoint, raw=raw, headers={})
    assert response.status_code == 401 and response.json()["code"] == 4001
    logged = exchange_last()
    assert (logged.status_code, logged.business_code) == (401, 4001)
    assert '"secret": "***"' in logged.request_body and "\\ud800" in logged.request_body


def test_a_field_message_that_would_echo_a_surrogate_cannot_be_reached(push, catalogue):
    # DRF's "is not a valid choice" quoted the value: the answer could not be encoded (a plain-text 500).
    response = push(E.INBOUND_PURCHASE, {**fixture_load("inbound_purchase"), "order_type": "\ud800"})
    assert response.status_code == 400 and "U+D800" in response.json()["msg"]
    assert exchange_last().status_code == 400


@pytest.mark.parametrize("where", ["header", "query"])
def test_nul_and_surrogates_in_a_header_or_the_query_string_are_logged_and_answered(push, catalogue, where):
    body = fixture_bytes("product_sync")
    if where == "header":
        response = push(E.PRODUCT_SYNC, raw=body, headers={**sign(body), "X-Odd": "a\x00b\ud800c"})
    else:
        response = push(E.PRODUCT_SYNC, raw=body, query="?a=%00%ED%A0%80&b=\x00")
    assert response.status_code == 200 and response.json()["code"] == 0
    logged = exchange_last()
    assert (logged.status_code, logged.business_code) == (200, 0)
    stored = json.dumps([logged.url, logged.request_headers])
    assert "\\u0000" not in stored and "\\ud800" not in stored


def test_a_body_that_is_not_utf8_keeps_its_exact_bytes_and_a_replay_sends_them(push, catalogue, supervisor,
                                                                             monkeypatch):
    raw = b'{"sku_id": "\xff\x00", "secret": "' + PUSH_SECRET.encode() + b'"}'
    push(E.PRODUCT_SYNC, raw=raw)
    logged = exchange_last()
    assert logged.request_body == '{"sku_id": "\ufffd\ufffd", "secret": "***"}'
    exact = base64.b64decode(logged.request_body_base64)
    assert exact == b'{"sku_id": "\xff\x00", "secret": "***"}'  # secret values are masked in the bytes too
    assert exchanges_export(queryset=ApiExchange.objects.filter(pk=logged.pk))[0]["request_body_base64"]
    logged.signature_verdict = "valid"  # as if it had been signed: replay takes only authenticated requests
    logged.save()
    replay = exchange_replay(exchange=logged, actor=supervisor)
    assert replay.request_body_base64 == logged.request_body_base64
    assert (replay.status_code, replay.business_code) == (400, 1000)


def test_a_utf8_body_is_stored_as_text_alone():
    assert body_for_log(fixture_bytes("outbound_create")).base64 == ""


def test_masking_runs_on_any_depth_without_recursion_and_still_masks_secret_keys():
    deep = '{"app_secret": "abc", "a": ' + "[" * 100_000 + "]" * 100_000 + "}"
    masked = mask_body(deep)
    assert '"app_secret": "***"' in masked and "abc" not in masked
    assert mask_body("[" * 200_000) == "[" * 200_000
    nested = json.dumps({"a": [{"b": {"password": "p4ss", "keep": [{"secret": 1}]}}]})
    assert json.loads(mask_body(nested)) == {"a": [{"b": {"password": "***", "keep": [{"secret": "***"}]}}]}


def test_an_answer_that_cannot_be_rendered_undoes_the_order_and_is_answered_5000(push, stocked_catalogue,
                                                                                 monkeypatch):
    receiving = PROFILES["contract"].receiving
    row = receiving[E.OUTBOUND_CREATE]

    def unrenderable(validated):
        return {**row.act(validated), "oops": object()}

    class Unrenderable(row.result):
        oops = serializers.ReadOnlyField()

    monkeypatch.setitem(receiving, E.OUTBOUND_CREATE, replace(row, act=unrenderable, result=Unrenderable))
    response = push(E.OUTBOUND_CREATE, raw=fixture_bytes("outbound_create"))
    assert response.status_code == 500 and response.json()["code"] == 5000
    assert not OutboundOrder.objects.exists()
    assert exchange_last().status_code == 500 and "not JSON serializable" in exchange_last().error


@pytest.mark.parametrize("method", ["options", "head", "get", "put", "patch", "delete"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_method_but_post_answers_the_405_envelope_and_is_logged(client, ow_settings, endpoint, method):
    response = getattr(client, method)(reverse(f"onewarehouse:{endpoint}"))
    assert (response.status_code, response["Allow"], response["Content-Type"]) == (405, "POST", "application/json")
    if method != "head":  # the server sends no body to HEAD
        assert response.json() == {"code": 1000, "success": False,
                                   "msg": f"{method.upper()} is not allowed; use POST", "data": {}}
    logged = exchange_last()
    assert (logged.endpoint, logged.method, logged.status_code, logged.business_code) == (
        endpoint, method.upper(), 405, 1000)


def test_a_request_that_cannot_be_logged_as_it_arrived_is_refused_and_still_leaves_a_row(push, stocked_catalogue,
                                                                                          monkeypatch):
    real = services.exchange_incoming_open

    def fails_on_what_arrived(**kwargs):
        if kwargs["body"] is not None:
            raise ValueError("something in these bytes no column can hold")
        return real(**kwargs)

    monkeypatch.setattr(services, "exchange_incoming_open", fails_on_what_arrived)
    response = push(E.OUTBOUND_CREATE, raw=fixture_bytes("outbound_create"))
    assert (response.status_code, response.json()["code"]) == (500, 5000)
    assert not OutboundOrder.objects.exists()  # it could not be replayed, so nothing is done with it
    logged = exchange_last()
    assert (logged.status_code, logged.business_code) == (500, 5000)
    assert logged.request_body.startswith("<not stored") and "ValueError: something in these" in logged.error
