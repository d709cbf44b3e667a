import json

from django.contrib import admin, messages
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from wms.core.admin import bulk_action

from .models import OutboxMessage
from .services import outbox_message_discard, outbox_message_retarget, outbox_message_retry


def outbox_call_note(message: OutboxMessage) -> str:
    """Why a call needs staff: its last error, or why it is held (written for another environment)."""
    if message.status in (OutboxMessage.Status.HELD, OutboxMessage.Status.DISCARDED):
        return message.environment_note
    return message.last_error if message.status in (OutboxMessage.Status.FAILED, OutboxMessage.Status.DEAD) else ""


def outbox_calls_html(outbox_messages: list[OutboxMessage]) -> str:
    """An order's calls to a peer as its page shows them (inbound and outbound alike): kind, status, attempts and
    why one needs staff."""
    if not outbox_messages:
        return "none yet"
    return format_html_join(
        mark_safe("<br>"), "{}: <strong>{}</strong> (attempts {}) {}",  # mark_safe of a constant
        ((m.get_kind_display(), m.get_status_display(), m.attempts, outbox_call_note(m)) for m in outbox_messages))


def _json_pre(value) -> str:
    return format_html("<pre style=\"white-space:pre-wrap;margin:0\">{}</pre>",
                       json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, cls=DjangoJSONEncoder))


def _message_name(message: OutboxMessage) -> str:
    return f"outbox message #{message.pk}"


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "about", "environment", "status", "attempts", "next_attempt_at", "short_error",
                    "created_at", "sent_at")
    list_filter = ("status", "kind", "environment")
    search_fields = ("=aggregate_id", "last_error")
    # What was sent and what the peer answered, as JSON (not as Python's dicts); the rest as stored.
    readonly_fields = ["about", *(f.name for f in OutboxMessage._meta.fields if f.name not in ("payload", "response")),
                       "payload_json", "response_json"]
    exclude = ("payload", "response")  # shown read-only above, never typed
    actions = ("retry_now", "retarget", "discard")

    @admin.display(description="About")
    def about(self, obj):
        """The order (or run) by its number, as staff know it, not by table name and row id."""
        labels = dict(OutboxMessage.Aggregate.choices)
        label = labels.get(obj.aggregate_type, obj.aggregate_type)
        payload = obj.payload if isinstance(obj.payload, dict) else {}
        number = payload.get("outbound_order_no") or payload.get("inbound_order_no")
        return f"{label} {number}" if number else f"{label} #{obj.aggregate_id}"

    @admin.display(description="Payload")
    def payload_json(self, obj):
        return _json_pre(obj.payload)

    @admin.display(description="Peer's answer")
    def response_json(self, obj):
        return _json_pre(obj.response) if obj.response is not None else "-"

    @admin.display(description="Last error / why held")
    def short_error(self, obj):
        if obj.status in (OutboxMessage.Status.HELD, OutboxMessage.Status.DISCARDED):
            return obj.environment_note[:200]
        return (obj.last_error or "")[:120]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Retry now", permissions=["change"])
    def retry_now(self, request, queryset):
        bulk_action(self, request, queryset.order_by("pk"), lambda message: outbox_message_retry(message=message),
                    name=_message_name, done="{n} message(s) will be sent again now.", refused_level=messages.WARNING)

    @admin.action(description="Held: re-target to the active environment and send (Supervisor)",
                  permissions=["change"])
    def retarget(self, request, queryset):
        bulk_action(self, request, queryset.order_by("pk"),
                    lambda message: outbox_message_retarget(message=message, actor=request.user), name=_message_name,
                    done="{n} held message(s) re-targeted to the active environment; they are sent now.",
                    refused_level=messages.WARNING)

    @admin.action(description="Held: discard, never send (Supervisor)", permissions=["change"])
    def discard(self, request, queryset):
        bulk_action(self, request, queryset.order_by("pk"),
                    lambda message: outbox_message_discard(message=message, actor=request.user), name=_message_name,
                    done="{n} held message(s) discarded.", refused_level=messages.WARNING)
