from django.contrib import admin, messages

from .models import Owner, Product
from .services import product_set_sync_to_one


@admin.register(Owner)
class OwnerAdmin(admin.ModelAdmin):
    list_display = ("owner_code", "name", "created_at")
    search_fields = ("owner_code", "name")


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("sku_id", "sku_code", "name", "barcode", "owner", "awaiting_data", "sync_to_one", "is_active",
                    "updated_at")
    # "awaiting product data": placeholders an order created before the product's sync arrived.
    list_filter = ("awaiting_data", "sync_to_one", "is_active", "owner")
    list_select_related = ("owner",)
    search_fields = ("=sku_id", "sku_code", "=barcode", "name")
    # The catalogue is OneWarehouse's: it is synced, not typed. Staff only choose, by the actions, what is published
    # to ONE.
    readonly_fields = ("sku_id", "sku_code", "name", "barcode", "owner", "weight_kg", "length_cm", "width_cm",
                       "height_cm", "declared_value", "currency", "image_url", "sync_to_one", "is_active",
                       "awaiting_data", "created_at", "updated_at")
    actions = ("publish_to_one", "unpublish_from_one")

    fields = ("sku_id", "sku_code", "name", "barcode", "owner", "weight_kg", "length_cm", "width_cm", "height_cm",
              "declared_value", "currency", "image_url", "sync_to_one", "is_active", "awaiting_data", "created_at",
              "updated_at")

    def has_add_permission(self, request):
        return False

    @admin.action(description="Publish stock of selected products to ONE", permissions=["change"])
    def publish_to_one(self, request, queryset):
        changed = product_set_sync_to_one(product_ids=list(queryset.values_list("pk", flat=True)), enabled=True)
        self.message_user(request, f"{changed} product(s) now published to ONE.", messages.SUCCESS)

    @admin.action(description="Stop publishing selected products to ONE", permissions=["change"])
    def unpublish_from_one(self, request, queryset):
        changed = product_set_sync_to_one(product_ids=list(queryset.values_list("pk", flat=True)), enabled=False)
        self.message_user(request, f"{changed} product(s) will be removed from ONE.", messages.SUCCESS)
