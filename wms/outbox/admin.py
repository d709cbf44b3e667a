from django.contrib import admin, messages
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from wms.core.admin import bulk_action

from .models import OutboxMessage
from .services import outbox_message_retry


def outbox_calls_html(outbox_messages: list[OutboxMessage]) -> str:
    """An order's calls to a peer as its page shows them (inbound and outbound alike): kind, status, attempts and,
    for a failed or dead one, why."""
    if not outbox_messages:
        return "none yet"
    return format_html_join(
        mark_safe("<br>"), "{}: <strong>{}</strong> (attempts {}) {}",  # mark_safe of a constant
        ((m.get_kind_display(), m.get_status_display(), m.attempts,
          m.last_error if m.status in (OutboxMessage.Status.FAILED, OutboxMessage.Status.DEAD) else "")
         for m in outbox_messages))


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "aggregate_type", "aggregate_id", "status", "attempts", "next_attempt_at",
                    "short_error", "created_at", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("=aggregate_id", "last_error")
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ("retry_now",)

    @admin.display(description="Last error")
    def short_error(self, obj):
        return (obj.last_error or "")[:120]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Retry now", permissions=["change"])
    def retry_now(self, request, queryset):
        bulk_action(self, request, queryset.order_by("pk"), lambda message: outbox_message_retry(message=message),
                    name=lambda message: f"outbox message #{message.pk}",
                    done="{n} message(s) will be sent again now.", refused_level=messages.WARNING)
