"""The intake of OneWarehouse's pushes: authenticate, validate, act and log in one transaction, answer.

``webhook_receive`` serves the six URLs; ``webhook_replay`` re-runs a stored request (admin "Replay") through the
same path, skipping only the arrival checks (signature, timestamp, key, IP) that the stored request passed.
"""

import json
import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace

from django.conf import settings
from django.db import transaction

from integrations.apilog.models import ApiExchange
from integrations.apilog.services import (
    body_for_replay,
    exchange_incoming_close,
    exchange_incoming_insert,
    exchange_incoming_open,
)
from wms.core.db import TransactionConflict, atomic_with_retry
from wms.core.errors import DomainError, DomainValidationError
from wms.core.events import EventSourceKind, event_source, order_events_together
from wms.core.jsontext import lone_surrogate_find, nesting_exceeds

from . import mapping
from .auth import (
    DIAGNOSED_REFUSALS,
    VERDICT_NOT_CHECKED,
    VERDICT_VALID,
    client_ip_resolve,
    push_credentials_extract,
    push_key_pair,
    push_request_verify,
    push_signature_diagnose,
    signature_mode_active,
)
from .envelope import (
    Answer,
    answer_bad_request,
    answer_busy,
    answer_domain_error,
    answer_invalid,
    answer_method_not_allowed,
    answer_not_stored,
    answer_ok,
    answer_server_error,
    answer_too_large,
    answer_unauthorized,
)
from .profiles import profile_active
from .profiles.base import Receiving
from .serializers import errors_flatten, payload_validate

logger = logging.getLogger(__name__)

INTEGRATION = "onewarehouse"
VERDICT_REPLAYED = "replayed"
# Verdicts of a request that passed the arrival checks: only such a request may be replayed.
REPLAYABLE_VERDICTS = (VERDICT_VALID, VERDICT_NOT_CHECKED, VERDICT_REPLAYED)


@dataclass(frozen=True)
class IncomingRequest:
    """What the view read off the HTTP request; ``body`` is None when it was over the size limit (not read)."""

    method: str
    url: str
    headers: dict[str, str]
    query: dict[str, str]
    remote_addr: str
    forwarded_for: str | None  # the trusted proxy header's value, only when one is configured
    body: bytes | None
    declared_length: int


SKU_KEY = "sku_id"  # the product's id, the same name in every profile: the request log's correlation


def _correlation(row: Receiving, payload: dict) -> tuple[str, str]:
    """(order number, sku_id) a request is about, read from its raw JSON for the request log."""
    order_no = payload.get(row.order_no_field) if row.order_no_field else ""
    sku_id = payload.get(SKU_KEY)
    return (order_no if isinstance(order_no, str) else "")[:64], (sku_id if isinstance(sku_id, str) else "")[:64]


def _constant_refuse(name: str):
    raise ValueError(f"{name} is not JSON")


_ENDPOINT_WORDS = dict(mapping.Endpoint.choices)


def _push_words(exchange: ApiExchange) -> str:
    """A push as its order's timeline names it: "OneWarehouse Outbound creation" (and which request it replays)."""
    words = f"OneWarehouse {_ENDPOINT_WORDS.get(exchange.endpoint, exchange.endpoint)}"
    return words + (f" (replay of request #{exchange.replay_of_id})" if exchange.replay_of_id else "")


def _payload_parse(body: bytes) -> tuple[dict | None, Answer | None]:
    """The body as a JSON object, or the 400/1000 answer naming why it is not JSON text we can take: not UTF-8
    (RFC 8259), nested deeper than ``ONEWAREHOUSE_MAX_JSON_DEPTH`` (checked before parsing, which recurses), not
    JSON (NaN and Infinity included), a lone UTF-16 surrogate in any key or string (not Unicode text: no reply,
    log row or database column could hold it)."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, answer_bad_request(f"Body is not UTF-8 text (invalid byte at offset {exc.start})")
    max_depth = settings.ONEWAREHOUSE_MAX_JSON_DEPTH
    if nesting_exceeds(text, max_depth):
        return None, answer_bad_request(f"Body nests arrays or objects deeper than {max_depth} levels")
    try:
        payload = json.loads(text, parse_constant=_constant_refuse)
    except (ValueError, RecursionError):
        return None, answer_bad_request("Body is not valid JSON")
    surrogate = lone_surrogate_find(payload)
    if surrogate is not None:
        path, char = surrogate
        return None, answer_bad_request(
            f"Body holds a lone UTF-16 surrogate ({char}) at {path}: not valid Unicode text")
    if not isinstance(payload, dict):
        return None, answer_bad_request("Body must be a JSON object")
    return payload, None


class _LogNotStored(Exception):
    """The request's log row could not be written with the work: the work is rolled back with it."""


def _payload_act(*, row: Receiving, payload: dict, exchange: ApiExchange, close: Callable[[Answer], None]
                 ) -> tuple[Answer, bool]:
    """Validate, then act and log in one transaction: (the answer, whether the log row was written with it).

    A refused or crashing request writes nothing; its log row is written afterwards, alone, by the caller."""
    validated, errors = payload_validate(row.payload(payload), payload)
    if errors is not None:
        return answer_invalid(errors_flatten(errors)), False

    def log_and_events(events: list) -> None:
        # The log row, last, in this transaction (the commit acknowledges work and log at once), and the order
        # events of this push, which name it: one statement where the database can.
        try:
            exchange_incoming_insert(exchange=exchange, pointing=events, link="exchange_id")
        except Exception as exc:
            raise _LogNotStored(traceback.format_exc()) from exc

    def act_and_log() -> Answer:
        exchange.pk, exchange._state.adding = None, True  # a re-run inserts its own row again
        with order_events_together(write=log_and_events), event_source(
                kind=EventSourceKind.PUSH, detail=_push_words(exchange), exchange_id=lambda: exchange.pk):
            answer = answer_ok(row.data(row.act(validated)))
            # Rendered before the commit: an answer that cannot be sent must undo the work, not follow it.
            answer.content  # noqa: B018
            try:
                close(answer)  # the log row completed with the answer; written with the events as the block ends
            except Exception as exc:
                raise _LogNotStored(traceback.format_exc()) from exc
        return answer

    try:
        # One transaction, run again as a whole if it meets a deadlock (wms.core.db).
        return atomic_with_retry(act_and_log)(), True
    except DomainError as exc:
        return answer_domain_error(exc), False
    except TransactionConflict:  # still conflicting after the re-runs: nothing was written, OneWarehouse retries
        return answer_busy(), False


def _pipeline(*, exchange: ApiExchange, endpoint: str, started: float, checks: Callable[[], Answer | None],
              body: bytes) -> tuple[ApiExchange | None, Answer]:
    """Everything after the request's row is made; a crash anywhere answers 5000 and keeps the traceback. The row
    is saved with the work when it succeeds, else alone here; returns it (unsaved, its pk None, if the log could
    not be written; None if only a row without the request could be)."""
    order_no = sku_id = ""
    logged = False
    crashed = ""

    def close(answer: Answer) -> None:  # in the work's transaction, which then INSERTs the row (_payload_act)
        _close(exchange=exchange, answer=answer, started=started, order_no=order_no, sku_id=sku_id, alone=False)

    try:
        answer = checks()
        if answer is None:
            payload, answer = _payload_parse(body)
        if answer is None:
            row = profile_active().receiving[endpoint]  # the active profile's serializer, handler and answer
            order_no, sku_id = _correlation(row, payload)
            answer, logged = _payload_act(row=row, payload=payload, exchange=exchange, close=close)
    except _LogNotStored as exc:  # the work was rolled back with it: refused as a request we could not store
        return _not_stored(endpoint=endpoint, request_ip=exchange.remote_addr or "", method=exchange.method,
                           started=started, error=str(exc))
    except Exception:  # a bug: the log keeps the traceback and the raw request for replay
        answer = answer_server_error(traceback=traceback.format_exc())
        crashed = answer.error
    if not logged:
        exchange.pk, exchange._state.adding = None, True
        _close(exchange=exchange, answer=answer, started=started, order_no=order_no, sku_id=sku_id)
    if crashed:
        # The traceback goes in the message, not as exc_info: the secret-masking log filter sees messages only.
        logger.error("OneWarehouse %s request (exchange %s) crashed:\n%s", endpoint, exchange.pk, crashed)
    return exchange, answer


def _close(*, exchange: ApiExchange, answer: Answer, started: float, order_no: str = "", sku_id: str = "",
           alone: bool = True) -> None:
    """Complete the request's row with its answer. ``alone``: and save it, in a transaction of its own, and a failure
    is only reported (the answer is decided: it is still sent); else it is left for the caller's transaction to
    INSERT (with the push's order events, ``_payload_act``), and a failure raises."""

    def save(*, insert: bool = True) -> None:
        exchange_incoming_close(
            exchange=exchange, status_code=answer.http_status, response_body=answer.body,
            business_code=answer.code, duration_ms=int((time.monotonic() - started) * 1000), error=answer.error,
            order_no=order_no, sku_id=sku_id, save=insert,
        )

    if not alone:
        save(insert=False)  # completed here, INSERTed with the push's order events
        return
    try:
        with transaction.atomic():
            save()
    except Exception:  # the answer is decided (maybe committed): it is still sent; the log lacks the row
        logger.error("OneWarehouse %s answer could not be logged:\n%s", exchange.endpoint, traceback.format_exc())


def _not_stored(*, endpoint: str, request_ip: str, method: str, started: float, error: str
                ) -> tuple[ApiExchange | None, Answer]:
    """The request could not be logged as it arrived (nothing was done with it: it could not be replayed): the
    500/5000 "not stored" answer (OneWarehouse retries), logged without its headers and body, with the traceback,
    if the log can be written at all."""
    refused = replace(answer_not_stored(), error=error)
    logger.error("OneWarehouse %s request could not be logged, refused:\n%s", endpoint, refused.error)
    try:
        exchange = exchange_incoming_open(
            integration=INTEGRATION, endpoint=endpoint, method=method, url="", remote_addr=request_ip,
            headers={}, body=None, body_note="<not stored: the request could not be logged as it arrived>",
        )
        with transaction.atomic():
            exchange_incoming_close(exchange=exchange, status_code=refused.http_status,
                                    response_body=refused.body, business_code=refused.code,
                                    duration_ms=int((time.monotonic() - started) * 1000), error=refused.error)
    except Exception:  # no log at all (database down)
        logger.error("OneWarehouse %s request could not be logged at all:\n%s", endpoint, traceback.format_exc())
        return None, refused
    return exchange, refused


def _open(*, endpoint: str, request: IncomingRequest, client_ip: str, started: float
          ) -> tuple[ApiExchange | None, Answer | None]:
    """The request's row as it arrived: (the row, None), saved later with the answer. When it cannot be made,
    nothing may be done with the request: (None, the "not stored" answer, ``_not_stored``)."""
    limit = settings.ONEWAREHOUSE_MAX_BODY_BYTES
    note = f"<not stored: {request.declared_length or 'more than ' + str(limit)} bytes, over the limit>"
    try:
        return exchange_incoming_open(
            integration=INTEGRATION, endpoint=endpoint, method=request.method, url=request.url,
            remote_addr=client_ip, headers=request.headers, body=request.body, body_note=note,
        ), None
    except Exception:
        error = traceback.format_exc()
    return None, _not_stored(endpoint=endpoint, request_ip=client_ip, method=request.method, started=started,
                             error=error)[1]


def webhook_method_refuse(*, endpoint: str, request: IncomingRequest) -> Answer:
    """A method other than POST (OPTIONS and HEAD included): logged, answered 405 with the envelope."""
    started = time.monotonic()
    answer = answer_method_not_allowed(request.method)
    client_ip = client_ip_resolve(remote_addr=request.remote_addr, forwarded=request.forwarded_for)
    exchange, _ = _open(endpoint=endpoint, request=request, client_ip=client_ip, started=started)
    if exchange is not None:
        _close(exchange=exchange, answer=answer, started=started)  # one INSERT, its own commit
    return answer


def webhook_receive(*, endpoint: str, request: IncomingRequest) -> Answer:
    """Serve one push to one of the six URLs. Must not run inside a transaction: the work and its log row commit
    together, and a request refused or failed is logged in a transaction of its own."""
    started = time.monotonic()
    client_ip = client_ip_resolve(remote_addr=request.remote_addr, forwarded=request.forwarded_for)
    limit = settings.ONEWAREHOUSE_MAX_BODY_BYTES
    exchange, refused = _open(endpoint=endpoint, request=request, client_ip=client_ip, started=started)
    if refused is not None:
        return refused

    def checks() -> Answer | None:
        if request.body is None:
            return answer_too_large(limit=limit)
        mode = signature_mode_active()
        pair = push_key_pair()  # an unknown environment has none
        now, tolerance = time.time(), settings.ONEWAREHOUSE_TIMESTAMP_TOLERANCE_SECONDS
        verdict = push_request_verify(
            mode=mode, push_app_key=pair.app_key, push_app_secret=pair.app_secret,
            credentials=push_credentials_extract(headers=request.headers, query=request.query, mode=mode),
            body=request.body, now=now, tolerance_seconds=tolerance,
            client_ip=client_ip, allowed_ips=settings.ONEWAREHOUSE_ALLOWED_IPS,
        )
        exchange.signature_verdict = verdict.verdict  # saved with the answer by exchange_incoming_close
        if verdict.verdict in DIAGNOSED_REFUSALS:
            exchange.signature_diagnosis = push_signature_diagnose(
                headers=request.headers, query=request.query, body=request.body, now=now,
                tolerance_seconds=tolerance).sentence
        return None if verdict.accepted else answer_unauthorized(verdict.message)

    return _pipeline(exchange=exchange, endpoint=endpoint, started=started, checks=checks, body=request.body)[1]


def webhook_replay(*, exchange: ApiExchange) -> ApiExchange:
    """Re-run a stored request that passed the arrival checks; the new exchange points back to it."""
    if exchange.endpoint not in mapping.INCOMING_PATHS:
        raise DomainValidationError(f"exchange {exchange.pk}: {exchange.endpoint!r} is not a receiving URL")
    if exchange.signature_verdict not in REPLAYABLE_VERDICTS:
        raise DomainValidationError(
            f"exchange {exchange.pk} was not accepted at arrival ({exchange.signature_verdict or 'no verdict'}); "
            f"only an authenticated request can be replayed"
        )
    started = time.monotonic()
    body = body_for_replay(exchange)
    replay = exchange_incoming_open(
        integration=INTEGRATION, endpoint=exchange.endpoint, method=exchange.method, url=exchange.url,
        remote_addr=exchange.remote_addr or "", headers=exchange.request_headers,
        body=body, replay_of=exchange, signature_verdict=VERDICT_REPLAYED,
    )
    logged, answer = _pipeline(exchange=replay, endpoint=exchange.endpoint, started=started, checks=lambda: None,
                               body=body)
    if logged is None or logged.pk is None:
        raise DomainValidationError(f"the replay of exchange {exchange.pk} could not be logged "
                                    f"(answer {answer.http_status}/{answer.code}); see the server's log")
    return logged
