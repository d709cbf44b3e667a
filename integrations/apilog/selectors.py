import json

from django.db.models import Q, QuerySet

from wms.catalog.models import Product
from wms.inbound.models import InboundOrder
from wms.outbound.models import OutboundOrder

from .masking import PERSONAL_MASK, personal_data_mask
from .models import ApiExchange
from .services import order_endpoints

EXPORT_FIELDS = ("id", "created_at", "finished_at", "direction", "integration", "environment", "endpoint", "method",
                 "url", "remote_addr", "request_headers", "request_body",
                 "request_body_base64", "status_code", "response_headers", "response_body",
                 "duration_ms", "signature_verdict", "signature_diagnosis", "business_code", "error", "order_no",
                 "sku_id", "outbox_message_id", "replay_of_id")


def exchange_succeeded_q() -> Q:
    """An exchange that succeeded: a 2xx answer whose envelope, if any, says code 0."""
    return Q(status_code__gte=200, status_code__lt=300) & (Q(business_code__isnull=True) | Q(business_code=0))


def exchanges_export(*, queryset: QuerySet[ApiExchange], personal_data: bool = False) -> list[dict]:
    """The exchanges as JSON-able dicts (secrets already masked when stored), oldest first: what a peer's support
    asks for. Without ``personal_data`` the recipients' names, phones, e-mails and addresses are masked in the
    bodies, and a raw body kept as base64 (not UTF-8 text) is left out."""
    rows = []
    for row in queryset.order_by("pk").values(*EXPORT_FIELDS).iterator(chunk_size=500):
        for name in ("created_at", "finished_at"):
            row[name] = row[name].isoformat() if row[name] else None
        if not personal_data:
            row["request_body"] = personal_data_mask(row["request_body"])
            row["response_body"] = personal_data_mask(row["response_body"])
            row["request_body_base64"] = PERSONAL_MASK if row["request_body_base64"] else ""
        rows.append(row)
    return rows


def exchanges_of_owner(*, queryset: QuerySet[ApiExchange], owner_id: int) -> QuerySet[ApiExchange]:
    """The exchanges about one merchant: about one of its orders (by number) or one of its products (by sku_id).

    An order number that another merchant's order also has (an inbound and an outbound one) is left out, so that
    an export for one merchant never carries another's request; so are product batches (they mix merchants)."""
    inbound = InboundOrder.objects.values("inbound_order_no")
    outbound = OutboundOrder.objects.values("outbound_order_no")
    own = Q(order_no__in=inbound.filter(owner_id=owner_id)) | Q(order_no__in=outbound.filter(owner_id=owner_id))
    others = Q(order_no__in=inbound.exclude(owner_id=owner_id)) | Q(order_no__in=outbound.exclude(owner_id=owner_id))
    products = Q(sku_id__in=Product.objects.filter(owner_id=owner_id).values("sku_id"))
    return queryset.filter((own & ~others) | products)


# How the request log names a peer on an order's timeline (others: as stored).
PEER_WORDS = {"onewarehouse": "OneWarehouse", "one": "ONE"}


def _answer_words(exchange: ApiExchange) -> str:
    """HTTP status, our business code and the answer's message, e.g. "HTTP 200, code 1004: receiving has started"."""
    words = f"HTTP {exchange.status_code}" if exchange.status_code is not None else "no answer"
    if exchange.business_code is not None:
        words += f", code {exchange.business_code}"
    try:
        body = json.loads(exchange.response_body) if exchange.response_body else None
    except ValueError:
        body = None
    message = (body.get("msg") or body.get("message")) if isinstance(body, dict) else None
    if isinstance(message, str) and message:
        words += f": {message[:200]}"
    if exchange.error:
        words += f" ({exchange.error.splitlines()[0][:200]})"
    return words


def exchanges_timeline_entries(*, order_type: str, order_id: int, order_no: str, viewer=None) -> list:
    """The request log rows about an order on its timeline (``wms.core.timeline``): the pushes naming its number at
    the endpoints about its kind of order (``services.order_endpoints_register``) and the calls its outbox messages
    made, each with its answer."""
    from django.urls import reverse

    from wms.core.timeline import TimelineEntry
    from wms.outbox.selectors import outbox_messages_for

    calls = outbox_messages_for(aggregate_type=order_type, aggregate_id=order_id).values("pk")
    about = Q(outbox_message_id__in=calls)
    for integration, endpoints in order_endpoints(order_type).items():  # the requests about this kind of order
        about |= Q(order_no=order_no, integration=integration, endpoint__in=endpoints)
    rows = (ApiExchange.objects.filter(about)
            .only("pk", "direction", "integration", "endpoint", "status_code", "business_code", "response_body",
                  "error", "created_at", "replay_of_id", "outbox_message_id").order_by("-pk")[:100])
    may_open = viewer is not None and viewer.has_perm("apilog.view_apiexchange")
    entries = []
    for row in rows:
        peer = PEER_WORDS.get(row.integration, row.integration)
        endpoint = row.endpoint.replace("_", " ")
        if row.direction == ApiExchange.Direction.INCOMING:
            what = f"Push from {peer}: {endpoint}" + (" (replay)" if row.replay_of_id else "")
        else:
            what = f"Call to {peer}: {endpoint}"
        source = f"Request log #{row.pk}" + (f", outbox message #{row.outbox_message_id}"
                                             if row.outbox_message_id else "")
        entries.append(TimelineEntry(
            at=row.created_at, what=what, detail=_answer_words(row), who=peer if row.direction == "IN" else "",
            source=source, category="request", tone="ok" if row.succeeded else "error",
            url=reverse("admin:apilog_apiexchange_change", args=[row.pk]) if may_open else "", order=row.pk))
    return entries
