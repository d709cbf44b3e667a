import json

from django.contrib import admin, messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.utils import timezone

from wms.core.admin import MerchantListFilter, ReadOnlyAdminMixin, RowMessage, bulk_action
from wms.core.roles import Role, user_has_role
from wms.outbox.models import OutboxMessage
from wms.outbox.services import outbox_message_retry

from .models import ApiExchange
from .selectors import exchanges_export, exchanges_of_owner
from .services import exchange_replay


class MerchantFilter(MerchantListFilter):
    """One merchant's exchanges (its orders' and products'), e.g. to export them for that merchant's support case."""

    def rows_of_owner(self, queryset, owner_id: int):
        return exchanges_of_owner(queryset=queryset, owner_id=owner_id)


@admin.register(ApiExchange)
class ApiExchangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "created_at", "direction", "integration", "environment", "endpoint", "method",
                    "status_code", "business_code", "duration_ms", "order_no", "signature_verdict", "replay_of")
    list_filter = ("direction", "integration", "environment", "endpoint", "status_code", "signature_verdict",
                   MerchantFilter)
    list_select_related = ("replay_of",)
    search_fields = ("=order_no", "=sku_id", "url")
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ["replay", "retry_outgoing", "export_json", "export_json_personal"]

    def has_replay_permission(self, request) -> bool:
        return user_has_role(request.user, Role.SUPERVISOR)

    def has_export_permission(self, request) -> bool:
        return self.has_view_permission(request)

    @admin.action(description="Export the selected exchanges as a JSON file, personal data masked (for a peer's "
                              "support)", permissions=["export"])
    def export_json(self, request, queryset):
        return self._export(queryset, personal_data=False)

    @admin.action(description="Export the selected exchanges as a JSON file WITH recipients' names, phones and "
                              "addresses (Supervisor)", permissions=["replay"])
    def export_json_personal(self, request, queryset):
        return self._export(queryset, personal_data=True)

    @staticmethod
    def _export(queryset, *, personal_data: bool) -> HttpResponse:
        body = json.dumps({"exported_at": timezone.now().isoformat(),
                           "personal_data": "included" if personal_data else "masked",
                           "exchanges": exchanges_export(queryset=queryset, personal_data=personal_data)},
                          cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json")
        suffix = "-with-personal-data" if personal_data else ""
        filename = f"wms-request-log-{timezone.now():%Y%m%d-%H%M%S}{suffix}.json"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @admin.action(description="Retry the outbox message of the selected outgoing calls", permissions=["replay"])
    def retry_outgoing(self, request, queryset):
        ids = set(queryset.filter(direction=ApiExchange.Direction.OUTGOING, outbox_message_id__isnull=False)
                  .values_list("outbox_message_id", flat=True))
        bulk_action(self, request, OutboxMessage.objects.filter(pk__in=ids).order_by("pk"), self._outgoing_retry,
                    name=lambda message: f"outbox message #{message.pk} not retried", refused_level=messages.WARNING)
        if not ids:
            self.message_user(request, "None of the selected exchanges is an outgoing call of the outbox.",
                              messages.WARNING)

    @staticmethod
    def _outgoing_retry(message: OutboxMessage) -> RowMessage:
        outbox_message_retry(message=message)
        return RowMessage(messages.SUCCESS, f"outbox message #{message.pk} will be sent again now.")

    @admin.action(description="Replay the selected incoming requests", permissions=["replay"])
    def replay(self, request, queryset):
        def act(exchange: ApiExchange) -> RowMessage:
            replay = exchange_replay(exchange=exchange, actor=request.user)
            return RowMessage(messages.SUCCESS if replay.succeeded else messages.WARNING,
                              f"#{exchange.pk} replayed as #{replay.pk}: HTTP {replay.status_code}, "
                              f"code {replay.business_code}")

        bulk_action(self, request, queryset.filter(direction=ApiExchange.Direction.INCOMING).order_by("pk"), act,
                    name=lambda exchange: f"#{exchange.pk} not replayed")
        skipped = queryset.exclude(direction=ApiExchange.Direction.INCOMING).count()
        if skipped:
            self.message_user(request, f"{skipped} outgoing exchange(s) skipped: only incoming requests replay.",
                              messages.WARNING)
