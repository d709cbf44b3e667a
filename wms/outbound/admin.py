from django.contrib import admin

from wms.core.admin import ReadOnlyTabularInline

from .models import OutboundOrder, OutboundOrderLine


class OutboundOrderLineInline(ReadOnlyTabularInline):
    model = OutboundOrderLine
    fields = ("product", "quantity", "reserved_qty", "picked_qty")
    readonly_fields = fields


@admin.register(OutboundOrder)
class OutboundOrderAdmin(admin.ModelAdmin):
    list_display = ("outbound_order_no", "platform_order_no", "status", "warehouse", "owner",
                    "logistics_provider_code", "tracking_no", "created_at")
    list_filter = ("status", "warehouse", "owner", "logistics_provider_code")
    list_select_related = ("warehouse", "owner")
    search_fields = ("=outbound_order_no", "=platform_order_no", "=tracking_no", "recipient_name")
    date_hierarchy = "created_at"
    inlines = [OutboundOrderLineInline]
    readonly_fields = [f.name for f in OutboundOrder._meta.fields if f.name != "id"]

    def has_add_permission(self, request):
        return False  # outbound orders come from OneWarehouse

    def has_delete_permission(self, request, obj=None):
        return False
