from django.contrib import admin, messages
from django.db.models import Prefetch, Sum
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV

from wms.core.admin import ReadOnlyAdminMixin, bulk_action, domain_error_message, floor_object_get
from wms.core.errors import DomainError
from wms.core.forms import form_errors_report
from wms.core.roles import user_has_role

from .forms import StockAdjustForm
from .labels import location_labels_pdf
from .models import Location, LocationStock, StockLevel, StockMove, Warehouse
from .resources import LocationResource
from .selectors import location_id_for
from .services import ADJUST_ROLES, LOCATION_ROLES, location_defaults_ensure, location_save, stock_adjust


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "is_active")
    search_fields = ("code", "name")
    list_filter = ("is_active",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        location_defaults_ensure(warehouse_id=obj.pk)  # a new warehouse has its dock, default bin, packing...


class BlockedFilter(admin.SimpleListFilter):
    title = "blocked"
    parameter_name = "blocked"

    def lookups(self, request, model_admin):
        return (("yes", "Blocked"), ("no", "Not blocked"))

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(is_blocked=self.value() == "yes")
        return queryset


@admin.register(Location)
class LocationAdmin(ImportExportModelAdmin):
    """Locations: a tree per warehouse; Supervisors create, change, block and import them (CSV with a preview and
    errors per row: ``resources.LocationResource``) and print bin labels. Every save goes through
    ``location_save``."""

    resource_classes = [LocationResource]
    import_formats = [CSV]
    export_formats = [CSV]
    list_display = ("code", "warehouse", "kind", "zone", "parent", "pick_sequence", "barcode", "is_active",
                    "is_blocked", "blocked_reason", "units", "last_counted_at")
    list_filter = ("warehouse", "kind", BlockedFilter, "is_active", "zone")
    list_select_related = ("warehouse", "parent")
    search_fields = ("=code", "=barcode", "name", "zone")
    ordering = ("warehouse", "pick_sequence", "code")
    autocomplete_fields = ("parent",)
    fields = ("warehouse", "parent", "code", "barcode", "name", "kind", "zone", "pick_sequence", "is_active",
              "is_blocked", "blocked_reason", "last_counted_at")
    readonly_fields = ("last_counted_at",)
    actions = ("print_labels", "block_locations", "unblock_locations")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(units_sum=Sum("stocks__quantity"))

    @admin.display(description="Units", ordering="units_sum")
    def units(self, obj):
        return obj.units_sum or 0

    def _can_manage(self, request) -> bool:
        # Asked by every page's app list (add and change links): once per request, not once per question.
        if not hasattr(request, "_wms_locations_manager"):
            request._wms_locations_manager = user_has_role(request.user, *LOCATION_ROLES)
        return request._wms_locations_manager

    # Adding and changing follow the permissions (only Supervisors hold them: wms.core.roles); location_save checks
    # the role again for the act itself.

    def has_delete_permission(self, request, obj=None):
        return False  # a location is blocked or made inactive, never deleted (the ledger names it)

    def has_import_permission(self, request):
        return self._can_manage(request) and request.user.has_perm("inventory.add_location")

    def has_export_permission(self, request):
        return request.user.has_perm("inventory.view_location")

    def save_model(self, request, obj, form, change):
        try:
            location_save(location=obj, actor=request.user)
        except DomainError as exc:  # the form ran Location.clean already: only a concurrent change is left
            self.message_user(request, f"{obj.code}: {domain_error_message(exc)}", messages.ERROR)

    @admin.action(description="Print bin labels (PDF)")
    def print_labels(self, request, queryset):
        locations = list(queryset.order_by("warehouse__code", "pick_sequence", "code"))
        response = HttpResponse(location_labels_pdf(locations), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="bin-labels-{len(locations)}.pdf"'
        return response

    @admin.action(description="Block selected locations")
    def block_locations(self, request, queryset):
        self._blocked_set(request, queryset, blocked=True)

    @admin.action(description="Unblock selected locations")
    def unblock_locations(self, request, queryset):
        self._blocked_set(request, queryset, blocked=False)

    def _blocked_set(self, request, queryset, *, blocked: bool):
        def act(location):
            location.is_blocked = blocked
            location.blocked_reason = "blocked from the locations list" if blocked else ""
            return location_save(location=location, actor=request.user)

        bulk_action(self, request, queryset.order_by("pk"), act, roles=LOCATION_ROLES,
                    done=("{n} location(s) blocked." if blocked else "{n} location(s) unblocked."))


@admin.register(LocationStock)
class LocationStockAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Units of each product in each location (written only by the stock services)."""

    list_display = ("product", "location", "location_kind", "warehouse", "quantity", "updated_at")
    list_filter = ("location__warehouse", "location__kind", "location__zone", "product__owner", "location__is_blocked")
    list_select_related = ("product", "location__warehouse")
    search_fields = ("=product__sku_id", "=product__barcode", "product__sku_code", "=location__code",
                     "=location__barcode")
    ordering = ("location__warehouse__code", "location__pick_sequence", "location__code", "product__sku_id")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(quantity__gt=0)

    @admin.display(description="Kind", ordering="location__kind")
    def location_kind(self, obj):
        return obj.location.get_kind_display()

    @admin.display(description="Warehouse", ordering="location__warehouse__code")
    def warehouse(self, obj):
        return obj.location.warehouse


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("product", "warehouse", "on_hand", "reserved", "available", "damaged", "where", "updated_at")
    list_filter = ("warehouse", "product__owner", "product__sync_to_one")
    list_select_related = ("product", "warehouse")
    readonly_fields = ("where",)
    search_fields = ("=product__sku_id", "=product__barcode", "product__sku_code", "product__name")
    change_form_template = "admin/inventory/stocklevel/change_form.html"

    @admin.display(description="Available")
    def available(self, obj):
        return obj.available

    def get_queryset(self, request):
        # Every location stock of the listed products in one query (constant query count per page).
        held = LocationStock.objects.filter(quantity__gt=0).select_related("location").order_by(
            "location__pick_sequence", "location__code")
        return super().get_queryset(request).prefetch_related(
            Prefetch("product__location_stocks", queryset=held, to_attr="held_stocks"))

    @admin.display(description="Where")
    def where(self, obj):
        stocks = getattr(obj.product, "held_stocks", None)
        if stocks is None:
            stocks = obj.product.location_stocks.filter(quantity__gt=0).select_related("location")
        here = [s for s in stocks if s.location.warehouse_id == obj.warehouse_id]
        if not here:
            return "-"
        return format_html_join(", ", "{}: {}", ((s.location.code, s.quantity) for s in here))

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
        form = StockAdjustForm(request.POST if request.method == "POST" else None)
        if request.method == "POST":
            if form.is_valid():
                data = form.cleaned_data
                try:
                    move = stock_adjust(warehouse_id=level.warehouse_id, product_id=level.product_id,
                                        quantity=data["delta"], reason=data["reason"], note=data["note"],
                                        damaged=data["damaged"], actor=request.user,
                                        location_id=location_id_for(warehouse_id=level.warehouse_id,
                                                                    code=data["location"]))
                except DomainError as exc:
                    form.service_errors(exc.errors or {None: [domain_error_message(exc)]})
                else:
                    self.message_user(request, f"{level}: {move.get_kind_display()} {data['delta']:+d} "
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
    list_display = ("id", "created_at", "kind", "signed_quantity", "product", "warehouse", "from_to",
                    "reference_number", "reason", "note", "actor")
    list_filter = ("kind", "warehouse", "product__owner", "reference_type", "reason_code")
    list_select_related = ("product", "warehouse", "from_location", "to_location")
    search_fields = ("=product__sku_id", "=product__barcode", "=reference_number", "=actor", "=from_location__code",
                     "=to_location__code")
    date_hierarchy = "created_at"
    # Counting the whole ledger for the paginator gets slow; the ledger only grows.
    show_full_result_count = False

    @admin.display(description="Quantity", ordering="quantity")
    def signed_quantity(self, obj):
        """In (+) or out (-) of the buckets the move's kind names: a receipt reads +5, a shipment -2."""
        return f"{obj.quantity:+d}"

    @admin.display(description="From → to")
    def from_to(self, obj):
        """Where the units came from and went to (a reservation names no location; moves before locations neither)."""
        if not (obj.from_location_id or obj.to_location_id):
            return "-"
        return f"{obj.from_location.code if obj.from_location_id else '·'} → " \
               f"{obj.to_location.code if obj.to_location_id else '·'}"
