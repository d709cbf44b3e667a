"""Writes of the request log for incoming requests, and replay of a stored incoming request.

An incoming request is logged first (``exchange_incoming_open``, saved at once in autocommit, before the body
is parsed and before any business transaction starts), then completed with the answer and the signature verdict
(``exchange_incoming_close``: one write, so a request that dies in between is left without a verdict, which replay
refuses). Replay is generic here; each integration registers the function that re-runs a
stored request of its own (this app does not import the integrations).
"""

import ipaddress
import json
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from wms.core.batches import in_batches
from wms.core.errors import DomainValidationError
from wms.core.roles import Role, role_require

from .masking import mask_body, mask_headers, mask_text, mask_url
from .models import ApiExchange

ReplayHandler = Callable[..., ApiExchange]
_replay_handlers: dict[str, ReplayHandler] = {}


def _storable(text: str) -> str:
    """``text`` with NUL characters as U+FFFD: PostgreSQL text cannot hold NUL."""
    return text.replace("\x00", "\ufffd")


def body_for_log(raw: bytes) -> str:
    """The raw body as text, byte for byte when nothing in it is secret; else with the secret keys masked.

    A NUL byte is stored as U+FFFD, like undecodable bytes: PostgreSQL text cannot hold NUL, and the log row
    must be written whatever arrived."""
    text = _storable(raw.decode("utf-8", errors="replace"))
    masked = mask_body(text)
    try:
        untouched_by_name = json.loads(masked) == json.loads(text)
    except ValueError:  # not JSON: ``mask_body`` already masked it by value only
        return masked
    return mask_text(text) if untouched_by_name else masked


def _ip_or_none(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def exchange_incoming_open(*, integration: str, endpoint: str, method: str, url: str, remote_addr: str,
                           headers: dict, body: bytes | None, body_note: str = "",
                           replay_of: ApiExchange | None = None, signature_verdict: str = "") -> ApiExchange:
    """Store an incoming request as it arrived (masked) before anything else happens to it."""
    return ApiExchange.objects.create(
        direction=ApiExchange.Direction.INCOMING, integration=integration, endpoint=endpoint, method=method,
        url=mask_url(url), remote_addr=_ip_or_none(remote_addr), request_headers=mask_headers(headers),
        request_body=body_for_log(body) if body is not None else body_note, replay_of=replay_of,
        signature_verdict=signature_verdict,
    )


def exchange_incoming_close(*, exchange: ApiExchange, status_code: int, response_body: dict,
                            business_code: int | None, duration_ms: int, error: str = "", order_no: str = "",
                            sku_id: str = "") -> ApiExchange:
    exchange.status_code = status_code
    exchange.response_headers = {"Content-Type": "application/json"}
    exchange.response_body = mask_body(json.dumps(response_body, ensure_ascii=False))
    exchange.business_code = business_code
    exchange.duration_ms = duration_ms
    exchange.error = _storable(mask_text(error))
    # The correlation values come from the pushed payload, where a JSON "\u0000" decodes to NUL.
    exchange.order_no, exchange.sku_id = _storable(order_no)[:64], _storable(sku_id)[:64]
    exchange.signature_verdict = exchange.signature_verdict[:40]
    exchange.finished_at = timezone.now()
    exchange.save(update_fields=["signature_verdict", "status_code", "response_headers", "response_body",
                                 "business_code", "duration_ms", "error", "order_no", "sku_id", "finished_at"])
    return exchange


def replay_handler_register(*, integration: str, handler: ReplayHandler) -> None:
    """``handler(exchange=...)`` re-runs a stored incoming request and returns the new exchange."""
    _replay_handlers[integration] = handler


def exchange_replay(*, exchange: ApiExchange, user) -> ApiExchange:
    """Re-run a stored incoming request through its integration's handler (Supervisor only)."""
    role_require(user=user, roles=(Role.SUPERVISOR,), action="Replaying a request")
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
