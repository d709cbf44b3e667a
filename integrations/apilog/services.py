"""Writes of the request log for incoming requests, and replay of a stored incoming request.

An incoming request's row is made as it arrived (``exchange_incoming_open``: masked and storable, not saved yet),
then completed with the answer and the signature verdict and saved in one INSERT (``exchange_incoming_close``):
inside the business transaction when the work succeeds (one commit for both: an acknowledged request is always
logged, and a request whose work rolls back is not logged as done), in a transaction of its own otherwise.
Replay is generic here; each integration registers the function that re-runs a stored request of its own (this
app does not import the integrations).
"""

import base64
import ipaddress
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from wms.core.batches import in_batches
from wms.core.errors import DomainValidationError
from wms.core.jsontext import json_dumps_safe
from wms.core.roles import Role, role_require
from wms.core.statements import rows_insert, rows_insert_linked

from .masking import MASK, mask_body, mask_headers, mask_text, mask_url, secret_values
from .models import ApiExchange

ReplayHandler = Callable[..., ApiExchange]
_replay_handlers: dict[str, ReplayHandler] = {}
_environments: dict[str, Callable[[], str]] = {}
_order_endpoints: dict[str, dict[str, set[str]]] = {}  # order type -> integration -> its endpoints about that type


def order_endpoints_register(*, integration: str, order_type: str, endpoints) -> None:
    """The endpoints of ``integration`` whose requests are about an order of ``order_type`` (``OrderEvent.OrderType``),
    by its number: an order's timeline shows those requests naming its number, and no other (an inbound and an
    outbound order may share a number)."""
    _order_endpoints.setdefault(order_type, {}).setdefault(integration, set()).update(endpoints)


def order_endpoints(order_type: str) -> dict[str, set[str]]:
    """What ``order_endpoints_register`` said for ``order_type``: integration -> endpoints."""
    return {integration: set(endpoints) for integration, endpoints in _order_endpoints.get(order_type, {}).items()}


def environment_register(*, integration: str, current: Callable[[], str]) -> None:
    """``current()`` names the environment (sandbox, production) the integration talks to now; every exchange
    logged for it records that name. An integration without one logs a blank environment."""
    _environments[integration] = current


def exchange_environment(integration: str) -> str:
    current = _environments.get(integration)
    return current() if current is not None else ""


# What PostgreSQL text (and jsonb) cannot hold: NUL, and lone UTF-16 surrogates (not encodable as UTF-8).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def text_storable(text: str) -> str:
    """``text`` with NUL and lone surrogates as U+FFFD, so that the log row is written whatever arrived."""
    return _UNSTORABLE.sub("\ufffd", text)


def json_storable(value):
    """A JSON-able value (headers) with every key and string storable."""
    if isinstance(value, dict):
        return {text_storable(str(k)): json_storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_storable(v) for v in value]
    return text_storable(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class LoggedBody:
    text: str  # what staff read: the body as text, masked, storable
    base64: str  # the exact bytes (secret values masked) when ``text`` cannot be them, else ""


def _bytes_masked(raw: bytes) -> bytes:
    for value in secret_values():
        raw = raw.replace(value.encode(), MASK.encode())
    return raw


def body_for_log(raw: bytes) -> LoggedBody:
    """The raw body as text, byte for byte when nothing in it is secret; else with the secret keys masked.

    Bytes that are not UTF-8 text and NUL, which PostgreSQL text cannot hold, are shown as U+FFFD; the exact
    bytes are then kept beside, as base64, so that a replay sends what arrived."""
    text = text_storable(raw.decode("utf-8", errors="replace"))
    exact = text.encode() == raw
    masked = mask_body(text)
    try:
        untouched_by_name = json.loads(masked) == json.loads(text)
    except (ValueError, RecursionError):  # not JSON (or too deep to parse): masked by value only
        untouched_by_name = False
    shown = text_storable(mask_text(text) if untouched_by_name else masked)
    return LoggedBody(shown, "" if exact else base64.b64encode(_bytes_masked(raw)).decode())


def body_for_replay(exchange: ApiExchange) -> bytes:
    """The bytes to send again: the exact ones when the text shown could not hold them."""
    if exchange.request_body_base64:
        return base64.b64decode(exchange.request_body_base64)
    return exchange.request_body.encode()


def _ip_or_none(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def exchange_incoming_open(*, integration: str, endpoint: str, method: str, url: str, remote_addr: str,
                           headers: dict, body: bytes | None, body_note: str = "",
                           replay_of: ApiExchange | None = None, signature_verdict: str = "") -> ApiExchange:
    """The row of an incoming request as it arrived (masked, storable whatever its bytes), made before anything
    else happens to it; ``exchange_incoming_close`` saves it with the answer."""
    logged = body_for_log(body) if body is not None else LoggedBody(body_note, "")
    return ApiExchange(
        direction=ApiExchange.Direction.INCOMING, integration=integration,
        environment=exchange_environment(integration), endpoint=endpoint,
        method=text_storable(method)[:10], url=text_storable(mask_url(url)), remote_addr=_ip_or_none(remote_addr),
        request_headers=json_storable(mask_headers(headers)), request_body=logged.text,
        request_body_base64=logged.base64, replay_of=replay_of, signature_verdict=signature_verdict,
    )


def exchange_incoming_close(*, exchange: ApiExchange, status_code: int, response_body: dict,
                            business_code: int | None, duration_ms: int, error: str = "", order_no: str = "",
                            sku_id: str = "", save: bool = True) -> ApiExchange:
    """Complete the row with the answer and save it (``save``; else the caller INSERTs it, e.g. with the rows that
    point to it: ``exchange_incoming_insert``)."""
    exchange.status_code = status_code
    exchange.response_headers = {"Content-Type": "application/json"}
    exchange.response_body = text_storable(mask_body(json_dumps_safe(response_body, cls=DjangoJSONEncoder)))
    exchange.business_code = business_code
    exchange.duration_ms = duration_ms
    exchange.error = text_storable(mask_text(error))
    # The correlation values come from the pushed payload, where a JSON "\u0000" decodes to NUL.
    exchange.order_no, exchange.sku_id = text_storable(order_no)[:64], text_storable(sku_id)[:64]
    exchange.signature_verdict = text_storable(exchange.signature_verdict)[:40]
    exchange.signature_diagnosis = text_storable(mask_text(exchange.signature_diagnosis))[:500]
    exchange.finished_at = timezone.now()
    if save:
        rows_insert([exchange])  # one INSERT: the request, its answer and verdict (the row is new: see the module doc)
    return exchange


def exchange_incoming_insert(*, exchange: ApiExchange, pointing: list, link: str) -> ApiExchange:
    """INSERT a completed incoming row (``exchange_incoming_close(save=False)``) and ``pointing``, rows of one model
    whose field ``link`` holds its id (a push's order events), in one statement where the database can."""
    return rows_insert_linked(exchange, pointing, link=link)


def replay_handler_register(*, integration: str, handler: ReplayHandler) -> None:
    """``handler(exchange=...)`` re-runs a stored incoming request and returns the new exchange."""
    _replay_handlers[integration] = handler


def exchange_replay(*, exchange: ApiExchange, actor) -> ApiExchange:
    """Re-run a stored incoming request through its integration's handler (Supervisor only)."""
    role_require(actor=actor, roles=(Role.SUPERVISOR,), action="Replaying a request")
    if exchange.direction != ApiExchange.Direction.INCOMING:
        raise DomainValidationError(f"exchange {exchange.pk} is outgoing: retry it from the outbox instead")
    handler = _replay_handlers.get(exchange.integration)
    if handler is None:
        raise DomainValidationError(f"no replay for integration {exchange.integration!r}")
    # Not atomic here: the new exchange must stay logged even if the business transaction rolls back.
    return handler(exchange=exchange)


def exchange_prune(*, older_than_days: int | None = None, batch_size: int = 5000) -> int:
    """Delete exchanges older than the retention (``APILOG_RETENTION_DAYS``), in batches. Returns how many."""
    days = settings.APILOG_RETENTION_DAYS if older_than_days is None else older_than_days
    cutoff = timezone.now() - timedelta(days=days)

    def delete(ids: list[int]) -> int:
        # A replay keeps its row; only its link to the pruned original goes.
        ApiExchange.objects.filter(replay_of_id__in=ids).update(replay_of=None)
        return ApiExchange.objects.filter(pk__in=ids).delete()[0]

    return in_batches(ApiExchange.objects.filter(created_at__lt=cutoff), batch_size=batch_size, act=delete)
