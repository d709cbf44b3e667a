"""Every request is logged: with the work in its one transaction when it succeeds, alone when it is refused, fails
or the handler crashes; it can be replayed once fixed, and never holds a secret."""

import json

import pytest
from django.db import OperationalError, connection
from django.test import RequestFactory
from django.urls import reverse

from integrations.apilog.masking import SecretMaskingFilter
from integrations.apilog.models import ApiExchange
from integrations.apilog.services import exchange_replay
from integrations.onewarehouse import handlers, services
from integrations.onewarehouse.views import incoming_request_read
from tests.integrations.onewarehouse.helpers import (
    PUSH_KEY,
    PUSH_SECRET,
    E,
    exchange_last,
    fixture_bytes,
    fixture_load,
    sign,
)
from wms.catalog.models import Product
from wms.inventory.models import StockMove
from wms.outbound.models import OutboundOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def crashing_outbound_create(monkeypatch):
    """A bug in the domain: the order is written, then the service blows up."""
    real = handlers.outbound_order_create

    def buggy(**kwargs):
        real(**kwargs)
        raise RuntimeError(f"bug after writing; the secret {PUSH_SECRET} must not reach the log")

    monkeypatch.setattr(handlers, "outbound_order_create", buggy)
    return monkeypatch


def test_a_crashing_handler_answers_5000_keeps_the_log_with_traceback_and_writes_nothing(
        push, stocked_catalogue, crashing_outbound_create):
    response = push(E.OUTBOUND_CREATE, raw=fixture_bytes("outbound_create"))
    assert response.status_code == 500
    assert response.json() == {"code": 5000, "success": False,
                               "msg": "Internal error; the request is kept and will be replayed once fixed",
                               "data": {}}
    exchange = exchange_last()
    assert (exchange.status_code, exchange.business_code, exchange.order_no) == (500, 5000, "OB202611230042")
    assert exchange.error.startswith("Traceback") and "RuntimeError: bug after writing" in exchange.error
    assert exchange.request_body == fixture_bytes("outbound_create").decode()
    assert not OutboundOrder.objects.exists()
    assert not StockMove.objects.filter(kind=StockMove.Kind.ALLOCATE).exists()


def test_a_crashed_request_replayed_once_fixed_creates_the_order_and_links_the_new_exchange(
        push, stocked_catalogue, crashing_outbound_create, supervisor):
    push(E.OUTBOUND_CREATE, raw=fixture_bytes("outbound_create"))
    crashed = exchange_last()
    crashing_outbound_create.undo()  # the fix is deployed
    replay = exchange_replay(exchange=crashed, actor=supervisor)
    assert (replay.replay_of, replay.signature_verdict, replay.status_code, replay.business_code) == (
        crashed, "replayed", 200, 0)
    assert (replay.endpoint, replay.request_body, replay.order_no) == (
        E.OUTBOUND_CREATE, crashed.request_body, "OB202611230042")
    assert json.loads(replay.response_body) == fixture_load("response_ok")
    assert OutboundOrder.objects.get().status == OutboundOrder.Status.ALLOCATED


@pytest.mark.django_db(transaction=True)
def test_the_log_is_committed_apart_from_the_business_transaction(push, stocked_catalogue,
                                                                  crashing_outbound_create):
    push(E.OUTBOUND_CREATE, raw=fixture_bytes("outbound_create"))
    assert ApiExchange.objects.filter(status_code=500, endpoint=E.OUTBOUND_CREATE).count() == 1
    assert not OutboundOrder.objects.exists()


def test_each_exchange_records_url_address_headers_answer_duration_and_correlation(push, stocked_catalogue):
    body = fixture_bytes("outbound_create")
    push(E.OUTBOUND_CREATE, raw=body, REMOTE_ADDR="198.51.100.20")
    exchange = exchange_last()
    assert (exchange.direction, exchange.integration, exchange.method) == ("IN", "onewarehouse", "POST")
    assert exchange.url == reverse("onewarehouse:outbound_create") == "/api/onewarehouse/outbound-orders"
    assert exchange.remote_addr == "198.51.100.20"
    assert exchange.request_headers["X-App-Key"] == PUSH_KEY
    assert exchange.request_headers["X-Sign"] == sign(body, timestamp=int(exchange.request_headers["X-Timestamp"]))[
        "X-Sign"]  # readable: a sign is no secret
    assert exchange.duration_ms is not None and exchange.finished_at is not None
    assert (exchange.order_no, exchange.sku_id, exchange.error) == ("OB202611230042", "", "")


def test_a_body_over_the_limit_by_content_length_is_413_and_not_stored(push, ow_settings):
    ow_settings.ONEWAREHOUSE_MAX_BODY_BYTES = 100
    body = fixture_bytes("product_sync")
    response = push(E.PRODUCT_SYNC, raw=body)
    assert response.status_code == 413
    assert response.json() == {"code": 4013, "success": False, "msg": "Body is larger than 100 bytes", "data": {}}
    exchange = exchange_last()
    assert exchange.request_body == f"<not stored: {len(body)} bytes, over the limit>"
    assert (exchange.status_code, exchange.business_code) == (413, 4013)
    assert not Product.objects.exists()


def test_a_body_longer_than_its_declared_length_and_the_limit_is_not_read_whole(ow_settings):
    ow_settings.ONEWAREHOUSE_MAX_BODY_BYTES = 100
    request = RequestFactory().post("/api/onewarehouse/products/sync", data=b"{" + b" " * 500 + b"}",
                                    content_type="application/json")
    request.META["CONTENT_LENGTH"] = "50"  # a lying header: the bytes actually read decide
    assert incoming_request_read(request).body is None
    small = RequestFactory().post("/x", data=b"{}", content_type="application/json")
    assert incoming_request_read(small).body == b"{}"


def test_secrets_are_never_stored_in_any_exchange(push, ow_settings, stocked_catalogue, crashing_outbound_create,
                                                  supervisor):
    signs = []

    def signed(body, **kwargs):
        headers = sign(body, **kwargs)
        signs.append(headers["X-Sign"])
        return headers

    product = fixture_bytes("product_sync")
    push(E.PRODUCT_SYNC, raw=product, headers=signed(product))
    query_headers = signed(product)
    push(E.PRODUCT_SYNC, raw=product, headers={}, query=f"?app_key={PUSH_KEY}&timestamp="
         f"{query_headers['X-Timestamp']}&sign={query_headers['X-Sign']}")
    push(E.PRODUCT_SYNC, raw=product, headers=signed(product, secret="a-wrong-secret"))
    with_secret_key = json.dumps({**fixture_load("product_sync"), "secret": PUSH_SECRET}).encode()
    push(E.PRODUCT_SYNC, raw=with_secret_key, headers=signed(with_secret_key))
    order = fixture_bytes("outbound_create")
    push(E.OUTBOUND_CREATE, raw=order, headers=signed(order))  # crashes with the secret in its message
    exchange_replay(exchange=exchange_last(), actor=supervisor)

    rows = list(ApiExchange.objects.all())
    assert len(rows) == 6
    everything = ""
    for row in rows:
        stored = json.dumps([getattr(row, f.attname) for f in ApiExchange._meta.fields], default=str)
        assert PUSH_SECRET not in stored, row.pk
        everything += stored
    assert any("***" in row.error for row in rows)
    # A sign is no secret: each stays readable, so that a mismatch can be discussed with OneWarehouse's support.
    assert all(value in everything for value in signs)


def test_a_crash_is_logged_for_operators_with_the_secret_masked(push, stocked_catalogue, crashing_outbound_create,
                                                                caplog):
    push(E.OUTBOUND_CREATE, raw=fixture_bytes("outbound_create"))
    (record,) = [r for r in caplog.records if r.name == "integrations.onewarehouse.services"]
    SecretMaskingFilter().filter(record)
    assert "RuntimeError: bug after writing" in record.getMessage() and record.exc_info is None
    assert PUSH_SECRET not in record.getMessage()


def test_a_request_that_cannot_be_logged_is_refused_with_the_envelope_and_does_nothing(push, monkeypatch):
    def database_down(**kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(services, "exchange_incoming_open", database_down)
    response = push(E.PRODUCT_SYNC, raw=fixture_bytes("product_sync"))
    assert response.status_code == 500
    assert response.json() == {"code": 5000, "success": False,
                               "msg": "The request could not be stored; nothing was done, please retry", "data": {}}
    assert not Product.objects.exists()


@pytest.mark.parametrize("raw", [b"\x00", b'{"outbound_order_no": "SO-1\x00"}'], ids=["nul", "nul-in-json"])
def test_a_body_with_a_nul_byte_is_logged_and_answered_as_a_bad_request_not_a_crash(push, raw):
    # Found by schema fuzzing: PostgreSQL text cannot hold NUL, so the log row failed and the answer was 5000.
    answer = push(E.OUTBOUND_CREATE, raw=raw)
    assert answer.status_code == 400 and answer.json()["success"] is False
    logged = exchange_last()
    assert logged.request_body == raw.decode().replace("\x00", "\ufffd") and logged.status_code == 400


def test_a_nul_escaped_in_the_correlation_field_is_logged_and_answered_without_a_crash(push):
    # Found by schema fuzzing: "\u0000" in outbound_order_no went into the log row's order_no and PostgreSQL
    # refused the row, so the answer was 5000.
    answer = push(E.OUTBOUND_CANCEL, raw=b'{"outbound_order_no": "SO-1\\u0000", "reason": "x"}')
    assert answer.status_code < 500 and answer.json()["success"] is False
    assert exchange_last().order_no == "SO-1\ufffd" and exchange_last().status_code == answer.status_code


def _transactions_counted(counted: dict):
    """Counts, on the default connection, statements, savepoints and commits (explicit ones, and each statement
    run in autocommit)."""

    def wrapper(execute, sql, params, many, context):
        counted["statements"] += 1
        counted["savepoints"] += sql.lstrip().upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
        # SQLite's BEGIN IMMEDIATE goes through the cursor: it opens the transaction, it is no autocommit.
        counted["commits"] += not connection.in_atomic_block and not sql.startswith("BEGIN")
        return execute(sql, params, many, context)

    return wrapper


@pytest.mark.django_db(transaction=True)
def test_an_accepted_push_is_one_transaction_without_savepoints_with_its_log_row(push, stocked_catalogue,
                                                                                 monkeypatch):
    counted = {"statements": 0, "savepoints": 0, "commits": 0}
    commit = connection.commit

    def commit_counted():
        counted["commits"] += 1
        commit()

    monkeypatch.setattr(connection, "commit", commit_counted)
    with connection.execute_wrapper(_transactions_counted(counted)):
        response = push(E.OUTBOUND_CREATE, raw=fixture_bytes("outbound_create"))
    assert response.json()["code"] == 0 and response.json()["data"]["status"] == "ALLOCATED"
    assert (counted["commits"], counted["savepoints"]) == (1, 0)
    assert exchange_last().status_code == 200 and exchange_last().order_no == "OB202611230042"


def test_a_log_row_that_cannot_be_written_with_the_work_undoes_the_work_and_answers_not_stored(
        push, stocked_catalogue, monkeypatch):
    real = services.exchange_incoming_close

    def fails_with_the_work(*, exchange, **kwargs):
        if not exchange.request_body.startswith("<not stored"):
            raise OperationalError("the log table refuses the row")
        return real(exchange=exchange, **kwargs)

    monkeypatch.setattr(services, "exchange_incoming_close", fails_with_the_work)
    response = push(E.OUTBOUND_CREATE, raw=fixture_bytes("outbound_create"))
    assert (response.status_code, response.json()["code"]) == (500, 5000)
    assert not OutboundOrder.objects.exists() and not StockMove.objects.filter(kind="ALLOCATE").exists()
    logged = exchange_last()
    assert logged.request_body.startswith("<not stored") and "the log table refuses the row" in logged.error
