from django.contrib import admin, messages

from wms.core.admin import ReadOnlyAdminMixin
from wms.core.errors import DomainError
from wms.core.roles import Role, user_has_role

from .models import ApiExchange
from .services import exchange_replay


@admin.register(ApiExchange)
class ApiExchangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "created_at", "direction", "integration", "endpoint", "method", "status_code",
                    "business_code", "duration_ms", "order_no", "signature_verdict", "replay_of")
    list_filter = ("direction", "integration", "endpoint", "status_code", "signature_verdict")
    list_select_related = ("replay_of",)
    search_fields = ("=order_no", "=sku_id", "url")
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ["replay"]

    def has_replay_permission(self, request) -> bool:
        return user_has_role(request.user, Role.SUPERVISOR)

    @admin.action(description="Replay the selected incoming requests", permissions=["replay"])
    def replay(self, request, queryset):
        for exchange in queryset.filter(direction=ApiExchange.Direction.INCOMING).order_by("pk"):
            try:
                replay = exchange_replay(exchange=exchange, user=request.user)
            except DomainError as exc:
                self.message_user(request, f"#{exchange.pk} not replayed: {exc}", messages.ERROR)
            else:
                level = messages.SUCCESS if replay.succeeded else messages.WARNING
                self.message_user(request, f"#{exchange.pk} replayed as #{replay.pk}: HTTP {replay.status_code}, "
                                           f"code {replay.business_code}", level)
        skipped = queryset.exclude(direction=ApiExchange.Direction.INCOMING).count()
        if skipped:
            self.message_user(request, f"{skipped} outgoing exchange(s) skipped: only incoming requests replay.",
                              messages.WARNING)
