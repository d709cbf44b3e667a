from django.contrib import admin, messages

from wms.core.errors import DomainError

from .models import OutboxMessage
from .services import outbox_message_discard, outbox_message_retarget, outbox_message_retry


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "aggregate_type", "aggregate_id", "environment", "status", "attempts",
                    "next_attempt_at", "short_error", "created_at", "sent_at")
    list_filter = ("status", "kind", "environment")
    search_fields = ("=aggregate_id", "last_error")
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ("retry_now", "retarget", "discard")

    @admin.display(description="Last error / why held")
    def short_error(self, obj):
        if obj.status in (OutboxMessage.Status.HELD, OutboxMessage.Status.DISCARDED):
            return obj.environment_note[:200]
        return (obj.last_error or "")[:120]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _each(self, request, queryset, act, done: str) -> None:
        count = 0
        for message in queryset.order_by("pk"):
            try:
                act(message=message, user=request.user)
                count += 1
            except DomainError as exc:
                self.message_user(request, str(exc), messages.WARNING)
        if count:
            self.message_user(request, done.format(n=count), messages.SUCCESS)

    @admin.action(description="Retry now", permissions=["change"])
    def retry_now(self, request, queryset):
        self._each(request, queryset, lambda *, message, user: outbox_message_retry(message=message),
                   "{n} message(s) will be sent again now.")

    @admin.action(description="Held: re-target to the active environment and send (Supervisor)",
                  permissions=["change"])
    def retarget(self, request, queryset):
        self._each(request, queryset, outbox_message_retarget,
                   "{n} held message(s) re-targeted to the active environment; they are sent now.")

    @admin.action(description="Held: discard, never send (Supervisor)", permissions=["change"])
    def discard(self, request, queryset):
        self._each(request, queryset, outbox_message_discard, "{n} held message(s) discarded.")
