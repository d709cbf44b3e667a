"""The six receiving URLs. A view only reads the HTTP request (the body bounded by the size limit, never parsed
here) and hands it to ``webhook_receive``; the answer is always the active profile's envelope."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from . import schema
from .envelope import Answer
from .services import IncomingRequest, webhook_method_refuse, webhook_receive


class _JsonOnly(BaseContentNegotiation):
    """The answer is JSON whatever the caller's Accept header says."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _declared_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def incoming_request_read(request: HttpRequest) -> IncomingRequest:
    """The request as the intake needs it. A body over the limit is not read at all when Content-Length says
    so, and is dropped when more bytes than the limit actually arrive."""
    limit = settings.ONEWAREHOUSE_MAX_BODY_BYTES
    declared = _declared_length(request)
    body = None
    if declared <= limit:
        body = request.read(limit + 1)
        if len(body) > limit:
            body = None
    proxy_header = settings.ONEWAREHOUSE_TRUSTED_PROXY_HEADER
    return IncomingRequest(
        method=request.method, url=request.get_full_path(), headers=dict(request.headers),
        query=request.GET.dict(), remote_addr=request.META.get("REMOTE_ADDR", ""),
        forwarded_for=request.headers.get(proxy_header) if proxy_header else None,
        body=body, declared_length=declared,
    )


def _response(answer: Answer, **headers) -> HttpResponse:
    return HttpResponse(answer.content, status=answer.http_status, content_type="application/json",
                        headers=headers or None)


class WebhookView(APIView):
    """One of the six URLs (``as_view(endpoint=...)``); what it validates, does and answers is the active
    profile's row for that endpoint, and so is its OpenAPI operation (``schema.ProfileSchema``)."""

    endpoint: str = ""
    # POST only: every other method, OPTIONS (DRF's metadata) and HEAD included, is dispatched to
    # ``http_method_not_allowed`` and gets the envelope.
    http_method_names = ["post"]
    authentication_classes = ()
    permission_classes = ()
    # Declares JSON for the OpenAPI document only: ``request.data`` is never touched, the raw body is read
    # (bounded) by ``incoming_request_read``.
    parser_classes = (JSONParser,)
    renderer_classes = (JSONRenderer,)
    content_negotiation_class = _JsonOnly
    schema = schema.ProfileSchema()

    def http_method_not_allowed(self, request, *args, **kwargs):
        # Still the contract's envelope, so OneWarehouse's client can read it; logged like every request.
        answer = webhook_method_refuse(endpoint=self.endpoint, request=incoming_request_read(request._request))
        return _response(answer, Allow="POST")

    def post(self, request):
        # The raw stream is read from the Django request that DRF's Request wraps.
        answer = webhook_receive(endpoint=self.endpoint, request=incoming_request_read(request._request))
        return _response(answer)
