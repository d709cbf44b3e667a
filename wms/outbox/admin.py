from django.contrib import admin, messages

from wms.core.errors import DomainError

from .models import OutboxMessage
from .services import outbox_message_retry


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
        retried = 0
        for message in queryset.order_by("pk"):
            try:
                outbox_message_retry(message=message)
                retried += 1
            except DomainError as exc:
                self.message_user(request, str(exc), messages.WARNING)
        if retried:
            self.message_user(request, f"{retried} message(s) will be sent again now.", messages.SUCCESS)
