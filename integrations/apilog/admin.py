from django.contrib import admin

from wms.core.admin import ReadOnlyAdminMixin

from .models import ApiExchange


@admin.register(ApiExchange)
class ApiExchangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "created_at", "direction", "integration", "endpoint", "method", "status_code",
                    "business_code", "duration_ms", "order_no", "signature_verdict")
    list_filter = ("direction", "integration", "endpoint", "status_code", "signature_verdict")
    search_fields = ("=order_no", "=sku_id", "url")
    date_hierarchy = "created_at"
    show_full_result_count = False
