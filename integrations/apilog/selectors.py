from django.db.models import Q, QuerySet

from wms.catalog.models import Product
from wms.inbound.models import InboundOrder
from wms.outbound.models import OutboundOrder

from .masking import PERSONAL_MASK, personal_data_mask
from .models import ApiExchange

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
