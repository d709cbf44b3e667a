from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from wms.core.admin import ReadOnlyAdminMixin, domain_error_message, floor_object_get
from wms.core.errors import DomainError
from wms.core.forms import form_errors_report
from wms.core.roles import user_has_role

from .forms import StockAdjustForm
from .models import StockLevel, StockMove, Warehouse
from .services import ADJUST_ROLES, stock_adjust


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
    change_form_template = "admin/inventory/stocklevel/change_form.html"

    @admin.display(description="Available")
    def available(self, obj):
        return obj.available

    @admin.display(description="Correct")
    def adjust_link(self, obj):
        return format_html('<a class="button" href="{}">Adjust…</a>',
                           reverse("admin:inventory_stocklevel_adjust", args=[obj.pk]))

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        return (*shown, "adjust_link") if user_has_role(request.user, *ADJUST_ROLES) else shown

    def get_urls(self):
        return [
            path("<path:object_id>/adjust/", self.admin_site.admin_view(self.adjust_view),
                 name="inventory_stocklevel_adjust"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "can_adjust": user_has_role(request.user, *ADJUST_ROLES)}
        return super().change_view(request, object_id, form_url, extra_context)

    def adjust_view(self, request, object_id):
        """A Supervisor corrects a level: an ADJUST move with a reason code, through ``stock_adjust``."""
        level = floor_object_get(self, request, StockLevel.objects.select_related("product", "warehouse"), object_id,
                                 roles=ADJUST_ROLES)
        form = StockAdjustForm(request.POST if request.method == "POST" else None, warehouse=level.warehouse)
        if request.method == "POST":
            if form.is_valid():
                data = form.cleaned_data
                try:
                    move = stock_adjust(warehouse_id=level.warehouse_id, product_id=level.product_id,
                                        quantity=data["delta"], reason=data["reason"], note=data["note"],
                                        damaged=data["damaged"], actor=request.user,
                                        location_id=data["location"].pk if data["location"] else None)
                except DomainError as exc:
                    form.service_errors(exc.errors or {None: [domain_error_message(exc)]})
                else:
                    self.message_user(request, f"{level}: {move.get_kind_display()} {move.quantity:+d} "
                                               f"({move.reason}) booked.", messages.SUCCESS)
                    return redirect(reverse("admin:inventory_stocklevel_changelist"))
            form_errors_report(request, form)
            level.refresh_from_db()
        return TemplateResponse(request, "admin/inventory/stocklevel/adjust.html", {
            **self.admin_site.each_context(request), "opts": self.opts, "level": level, "form": form,
            "title": f"Adjust stock of {level}",
        })


@admin.register(StockMove)
class StockMoveAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "created_at", "kind", "signed_quantity", "product", "warehouse", "reference_number", "reason",
                    "note", "actor")
    list_filter = ("kind", "warehouse", "product__owner", "reference_type", "reason_code")
    list_select_related = ("product", "warehouse")
    search_fields = ("=product__sku_id", "=product__barcode", "=reference_number", "=actor")
    date_hierarchy = "created_at"
    # Counting the whole ledger for the paginator gets slow; the ledger only grows.
    show_full_result_count = False

    @admin.display(description="Quantity", ordering="quantity")
    def signed_quantity(self, obj):
        """In (+) or out (-) of the buckets the move's kind names: a receipt reads +5, a shipment -2."""
        return f"{obj.quantity:+d}"
