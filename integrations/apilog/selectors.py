from django.db.models import QuerySet

from .models import ApiExchange

EXPORT_FIELDS = ("id", "created_at", "finished_at", "direction", "integration", "endpoint", "method", "url",
                 "remote_addr", "request_headers", "request_body",
                 "request_body_base64", "status_code", "response_headers", "response_body",
                 "duration_ms", "signature_verdict", "business_code", "error", "order_no", "sku_id",
                 "outbox_message_id", "replay_of_id")


def exchanges_export(*, queryset: QuerySet[ApiExchange]) -> list[dict]:
    """The exchanges as JSON-able dicts (already masked when stored), oldest first: what a peer's support asks for."""
    rows = []
    for row in queryset.order_by("pk").values(*EXPORT_FIELDS).iterator(chunk_size=500):
        for name in ("created_at", "finished_at"):
            row[name] = row[name].isoformat() if row[name] else None
        rows.append(row)
    return rows
