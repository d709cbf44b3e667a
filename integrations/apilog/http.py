"""An HTTP session for calling peers that logs every exchange (masked) in ``ApiExchange``.

Clients of the integrations get their session here, so that no outgoing call escapes the request log.
"""

import time

import requests
from django.utils import timezone

from .masking import mask_body, mask_headers, mask_text, mask_url
from .models import ApiExchange
from .services import exchange_environment, json_storable, text_storable

MAX_STORED_BODY = 200_000


class LoggedSession(requests.Session):
    def __init__(self, *, integration: str):
        super().__init__()
        self.integration = integration

    def request(self, method, url, *args, endpoint: str = "", order_no: str = "", outbox_message_id=None,
                **kwargs):
        self._log_context = {"endpoint": endpoint, "order_no": order_no, "outbox_message_id": outbox_message_id}
        return super().request(method, url, *args, **kwargs)

    def send(self, request: requests.PreparedRequest, **kwargs) -> requests.Response:
        context = getattr(self, "_log_context", {})
        exchange = ApiExchange(
            direction=ApiExchange.Direction.OUTGOING, integration=self.integration,
            environment=exchange_environment(self.integration),
            endpoint=context.get("endpoint") or "", method=request.method, url=text_storable(mask_url(request.url)),
            request_headers=json_storable(mask_headers(request.headers)),
            request_body=text_storable(mask_body(request.body))[:MAX_STORED_BODY],
            order_no=context.get("order_no") or "", outbox_message_id=context.get("outbox_message_id"),
        )
        started = time.monotonic()
        try:
            response = super().send(request, **kwargs)
        except requests.RequestException as exc:
            exchange.error = text_storable(mask_text(f"{type(exc).__name__}: {exc}"))
            raise
        else:
            exchange.status_code = response.status_code
            exchange.response_headers = json_storable(mask_headers(response.headers))
            if kwargs.get("stream"):
                # The caller reads the body itself, within its own limits, and records it with
                # exchange_response_body_record: reading it here would load a body of any size.
                exchange.response_body = "<streamed>"
                response.api_exchange = exchange
                return response
            content_type = response.headers.get("Content-Type", "")
            if "json" in content_type or "text" in content_type or not content_type:
                exchange.response_body = text_storable(mask_body(response.content))[:MAX_STORED_BODY]
            else:
                exchange.response_body = f"<{len(response.content)} bytes of {content_type}>"
            response.api_exchange = exchange  # the client records the envelope's code on it
            return response
        finally:
            exchange.duration_ms = int((time.monotonic() - started) * 1000)
            exchange.finished_at = timezone.now()
            exchange.save()


def exchange_response_body_record(response: requests.Response, body) -> None:
    """Store what a streamed response's caller read (bytes are masked like any body; a str is a summary)."""
    exchange = getattr(response, "api_exchange", None)
    if exchange is None or not exchange.pk:
        return
    exchange.response_body = text_storable(mask_body(body) if isinstance(body, bytes) else body)[:MAX_STORED_BODY]
    exchange.save(update_fields=["response_body"])


def logged_session(*, integration: str) -> LoggedSession:
    return LoggedSession(integration=integration)
