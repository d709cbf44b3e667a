from django.contrib import admin

from wms.core.admin import ReadOnlyAdminMixin

from .models import StockLevel, StockMove, Warehouse


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "is_active")
    search_fields = ("code", "name")
    list_filter = ("is_active",)


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("product", "warehouse", "on_hand", "reserved", "available", "damaged", "updated_at")
    list_filter = ("warehouse", "product__owner", "product__sync_to_one")
    list_select_related = ("product", "warehouse")
    search_fields = ("=product__sku_id", "=product__barcode", "product__sku_code", "product__name")

    @admin.display(description="Available")
    def available(self, obj):
        return obj.available


@admin.register(StockMove)
class StockMoveAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "created_at", "kind", "quantity", "product", "warehouse", "reference_number", "reason",
                    "user")
    list_filter = ("kind", "warehouse", "product__owner", "reference_type")
    list_select_related = ("product", "warehouse", "user")
    search_fields = ("=product__sku_id", "=product__barcode", "=reference_number")
    date_hierarchy = "created_at"
    # Counting the whole ledger for the paginator gets slow; the ledger only grows.
    show_full_result_count = False
