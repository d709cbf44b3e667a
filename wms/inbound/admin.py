from django.contrib import admin

from wms.core.admin import ReadOnlyTabularInline

from .models import InboundOrder, InboundOrderLine


class InboundOrderLineInline(ReadOnlyTabularInline):
    model = InboundOrderLine
    fields = ("product", "expected_qty", "received_good", "received_damaged")
    readonly_fields = fields


@admin.register(InboundOrder)
class InboundOrderAdmin(admin.ModelAdmin):
    list_display = ("inbound_order_no", "order_type", "status", "warehouse", "owner", "expected_arrival_at",
                    "created_at")
    list_filter = ("status", "order_type", "warehouse", "owner")
    list_select_related = ("warehouse", "owner")
    search_fields = ("=inbound_order_no", "=original_order_no", "=platform_order_no", "=tracking_no")
    date_hierarchy = "created_at"
    inlines = [InboundOrderLineInline]
    readonly_fields = [f.name for f in InboundOrder._meta.fields if f.name != "id"]

    def has_add_permission(self, request):
        return False  # inbound orders come from OneWarehouse

    def has_delete_permission(self, request, obj=None):
        return False
