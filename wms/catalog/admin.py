from django import forms
from django.contrib import admin, messages

from .models import Owner, Product
from .services import (
    owner_products_set_sync_to_one,
    owner_set_one_publish_new,
    product_set_one_sku,
    product_set_sync_to_one,
)


@admin.register(Owner)
class OwnerAdmin(admin.ModelAdmin):
    list_display = ("owner_code", "name", "one_publish_new", "created_at")
    list_filter = ("one_publish_new",)
    search_fields = ("owner_code", "name")
    readonly_fields = ("one_publish_new",)
    actions = ("publish_new_products", "stop_publishing_new_products", "publish_all_products",
               "unpublish_all_products")

    @admin.action(description="Publish new products of selected merchants to ONE", permissions=["change"])
    def publish_new_products(self, request, queryset):
        changed = owner_set_one_publish_new(owner_ids=list(queryset.values_list("pk", flat=True)), enabled=True)
        self.message_user(request, f"{changed} merchant(s) now publish new products to ONE.", messages.SUCCESS)

    @admin.action(description="Stop publishing new products of selected merchants to ONE", permissions=["change"])
    def stop_publishing_new_products(self, request, queryset):
        changed = owner_set_one_publish_new(owner_ids=list(queryset.values_list("pk", flat=True)), enabled=False)
        self.message_user(request, f"{changed} merchant(s) no longer publish new products to ONE.", messages.SUCCESS)

    @admin.action(description="Publish every product of selected merchants to ONE", permissions=["change"])
    def publish_all_products(self, request, queryset):
        changed = owner_products_set_sync_to_one(owner_ids=list(queryset.values_list("pk", flat=True)),
                                                 enabled=True)
        self.message_user(request, f"{changed} product(s) now published to ONE.", messages.SUCCESS)

    @admin.action(description="Stop publishing every product of selected merchants to ONE", permissions=["change"])
    def unpublish_all_products(self, request, queryset):
        changed = owner_products_set_sync_to_one(owner_ids=list(queryset.values_list("pk", flat=True)),
                                                 enabled=False)
        self.message_user(request, f"{changed} product(s) will be removed from ONE.", messages.SUCCESS)


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = ("one_sku",)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("sku_id", "sku_code", "name", "barcode", "owner", "awaiting_data", "sync_to_one", "is_active",
                    "updated_at")
    # "awaiting product data": placeholders an order created before the product's sync arrived.
    list_filter = ("awaiting_data", "sync_to_one", "is_active", "owner")
    list_select_related = ("owner",)
    search_fields = ("=sku_id", "sku_code", "=barcode", "name")
    # The catalogue is OneWarehouse's: it is synced, not typed. Staff only choose, by the actions, what is published
    # to ONE, and under which SKU (``one_sku``, typed in the change form).
    readonly_fields = ("sku_id", "sku_code", "name", "barcode", "owner", "weight_kg", "length_cm", "width_cm",
                       "height_cm", "declared_value", "currency", "image_url", "sync_to_one", "is_active",
                       "awaiting_data", "created_at", "updated_at")
    actions = ("publish_to_one", "unpublish_from_one")

    fields = ("sku_id", "sku_code", "name", "barcode", "owner", "weight_kg", "length_cm", "width_cm", "height_cm",
              "declared_value", "currency", "image_url", "sync_to_one", "one_sku", "is_active", "awaiting_data",
              "created_at", "updated_at")
    form = ProductForm  # the one field staff type: the product's SKU on ONE, if it differs

    def save_model(self, request, obj, form, change):
        if "one_sku" in form.changed_data:
            product_set_one_sku(product_id=obj.pk, one_sku=form.cleaned_data["one_sku"])

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
