from django.contrib import admin, messages
from django.db.models import F, Sum
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from wms.core.admin import (
    ReadOnlyAdminMixin,
    ReadOnlyTabularInline,
    domain_error_message,
    floor_form_post,
    floor_object_get,
    floor_role_check,
    order_action_post,
)
from wms.core.errors import DomainError
from wms.core.forms import field_error_texts, field_view, form_errors_report, id_list_parse, typed
from wms.core.roles import Role, user_has_role
from wms.core.timeline import order_timeline
from wms.outbox.admin import outbox_calls_html
from wms.outbox.selectors import CALLBACK_STATE_OF

from .forms import PutawayForm, ReceiveForm
from .models import INBOUND_FLOW, InboundOrder, InboundOrderLine, PutawayTask
from .selectors import (
    inbound_callback_state,
    inbound_order_lines,
    inbound_order_totals,
    inbound_orders_with_callback_status,
    inbound_outbox_states,
    putaway_task_current,
    putaway_totals,
)
from .services import (
    RECEIVING_ROLES,
    inbound_order_callback_retry,
    inbound_order_complete,
    inbound_order_record_counts,
    inbound_order_scan,
    over_receipt_limit,
    putaway_task_complete,
)


def _receive_next(line) -> dict:
    """The receive screen's "next": the first line still short of what is expected, or that all is counted."""
    if line is None:
        return {"label": "All expected units counted", "big": "Complete the receipt", "done": True,
                "detail": "Scan more only if more arrived; a damaged unit: tick \"damaged unit\" before its scan."}
    barcode = f" · barcode {line.product.barcode}" if line.product.barcode else ""
    return {"label": "Next item", "big": line.product.sku_id,
            "detail": f"{line.product.name}{barcode} · {line.expected_qty - line.received_qty} more expected "
                      f"({line.received_qty} / {line.expected_qty})"}


class InboundOrderLineInline(ReadOnlyTabularInline):
    model = InboundOrderLine
    fields = ("product", "expected_qty", "received_good", "received_damaged", "difference")
    readonly_fields = fields

    @admin.display(description="Received − expected")
    def difference(self, obj):
        return f"{obj.difference:+d}" if obj.received_qty else "-"


@admin.register(InboundOrder)
class InboundOrderAdmin(admin.ModelAdmin):
    list_display = ("inbound_order_no", "order_type", "status", "warehouse", "owner", "expected_total",
                    "received_total", "callback", "expected_arrival_at", "created_at")
    list_filter = ("status", "order_type", "warehouse", "owner")
    list_select_related = ("warehouse", "owner")
    search_fields = ("=inbound_order_no", "=original_order_no", "=platform_order_no", "=tracking_no")
    date_hierarchy = "created_at"
    inlines = [InboundOrderLineInline]
    readonly_fields = [f.name for f in InboundOrder._meta.fields if f.name != "id"] + ["calls_to_onewarehouse",
                                                                                      "received_by_name"]
    change_form_template = "admin/inbound/inboundorder/change_form.html"
    fieldsets = (
        (None, {"fields": ("inbound_order_no", "order_type", "status", "warehouse", "owner", "calls_to_onewarehouse")}),
        ("Arrival", {"fields": ("expected_arrival_at", "tracking_no", "carrier", "remark", "original_order_no",
                                "platform_order_no")}),
        ("Key dates", {"fields": ("created_at", "receiving_started_at", "received_at", "received_by_name",
                                 "cancelled_at",
                                 "cancel_reason", "updated_at")}),
        ("Technical", {"classes": ("collapse",), "fields": ("content_hash",)}),
    )

    @admin.display(description="Received by")
    def received_by_name(self, obj):
        """The name only: a link would open the user's page, which only an administrator may see."""
        return obj.received_by.get_username() if obj.received_by else "-"

    def has_add_permission(self, request):
        return False  # inbound orders come from OneWarehouse

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # An order changes only through receiving (services); its own form is read-only.
        return obj is None and super().has_change_permission(request)

    def get_queryset(self, request):
        queryset = super().get_queryset(request).annotate(
            expected_sum=Sum("lines__expected_qty"), good_sum=Sum("lines__received_good"),
            damaged_sum=Sum("lines__received_damaged"),
        )
        return inbound_orders_with_callback_status(queryset)

    @admin.display(description="Expected")
    def expected_total(self, obj):
        return obj.expected_sum or 0

    @admin.display(description="Received (good + damaged)")
    def received_total(self, obj):
        return f"{(obj.good_sum or 0) + (obj.damaged_sum or 0)} ({obj.good_sum or 0} + {obj.damaged_sum or 0})"

    @admin.display(description="Callback")
    def callback(self, obj):
        return CALLBACK_STATE_OF.get(obj.callback_status, "-") if obj.callback_status else "-"

    @admin.display(description="Calls to OneWarehouse")
    def calls_to_onewarehouse(self, obj):
        calls = inbound_outbox_states(order=obj)
        if not calls and obj.status == InboundOrder.Status.CANCELLED:
            return "none: the order was cancelled, so no callback is due"
        if not calls:
            return "none yet: the callback is sent when the receipt is completed"
        return outbox_calls_html(calls)

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("<path:object_id>/receive/", self.admin_site.admin_view(self.receive_view),
                 name=f"{prefix}_receive"),
            path("<path:object_id>/callback-retry/", self.admin_site.admin_view(self.callback_retry_view),
                 name=f"{prefix}_callback_retry"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        obj = self.get_object(request, object_id)
        if obj is not None:
            extra_context["can_receive"] = (INBOUND_FLOW.allows(obj, "receive")
                                            and user_has_role(request.user, *RECEIVING_ROLES))
            extra_context["callback"] = inbound_callback_state(order=obj)
            if user_has_role(request.user, *RECEIVING_ROLES):
                totals = putaway_totals(order_id=obj.pk)
                extra_context["putaway_open"] = totals["total"] - totals["done"]
            extra_context["timeline"] = order_timeline(order_type=INBOUND_FLOW.order_type, order_id=obj.pk,
                                                       order_no=obj.inbound_order_no, viewer=request.user)
        return super().change_view(request, object_id, form_url, extra_context)

    def _order_for_floor(self, request, object_id) -> InboundOrder:
        return floor_object_get(self, request, InboundOrder.objects.select_related("warehouse", "owner"), object_id,
                                roles=RECEIVING_ROLES)

    def receive_view(self, request, object_id):
        order = self._order_for_floor(request, object_id)
        form = ReceiveForm(request.POST if request.method == "POST" else None,
                           lines=inbound_order_lines(order=order))
        if request.method == "POST":
            def act():
                page = "change" if self._receive_post(request, order, form) else "receive"
                return redirect(reverse(f"admin:inbound_inboundorder_{page}", args=[order.pk]))

            answer = floor_form_post(self, request, form, act)
            if answer is not None:
                return answer
            order.refresh_from_db()
        # The page, or again after a refusal with what was typed kept next to the messages.
        lines = list(inbound_order_lines(order=order))
        for line in lines:
            line.limit = over_receipt_limit(expected=line.expected_qty)
            line.good_field = field_view(form, form.good_name(line), default=line.received_good, label="Good")
            line.damaged_field = field_view(form, form.damaged_name(line), default=line.received_damaged,
                                            label="Damaged")
        totals = inbound_order_totals(order=order)
        next_line = next((line for line in lines if line.received_qty < line.expected_qty), None)
        context = {
            **self.admin_site.each_context(request), "opts": self.opts, "order": order, "lines": lines,
            "totals": totals,
            "title": (f"Receive {order.inbound_order_no} "
                      f"({order.get_order_type_display()}, {order.get_status_display()})"),
            "open": INBOUND_FLOW.allows(order, "receive"),
            "is_supervisor": user_has_role(request.user, Role.SUPERVISOR),
            "next_line": next_line,
            "next": _receive_next(next_line),
            "progress": {"label": "Received", "done": totals["received"], "total": totals["expected"],
                         "unit": "units", "detail": f"{totals['good']} good + {totals['damaged']} damaged"},
            "scan": {"label": "Scan an item (barcode, SKU code or SKU id)", "code": typed(form, "code"),
                     "quantity": typed(form, "quantity", 1), "damaged": True,
                     "errors": field_error_texts(form, "code", "quantity")},
        }
        return TemplateResponse(request, "admin/inbound/inboundorder/receive.html", context)

    def _receive_post(self, request, order, form: ReceiveForm) -> bool:
        """Apply typed counts, then the scan or the completion. Returns True when the receipt is complete."""
        existing = {line.pk: line for line in form.lines}
        counts = form.counts()
        if any((c.good, c.damaged) != (existing[c.line_id].received_good, existing[c.line_id].received_damaged)
               for c in counts):
            order = inbound_order_record_counts(order=order, counts=counts, actor=request.user)
            self.message_user(request, "Counts saved.", messages.SUCCESS)
        elif form.cleaned_data["save"]:
            self.message_user(request, "Counts saved: nothing had changed since the last save (every scan is saved "
                                       "as it is read).", messages.SUCCESS)
        code = form.cleaned_data["code"]
        complete = form.cleaned_data["complete"]
        if code and not complete:
            line = inbound_order_scan(order=order, code=code, actor=request.user, quantity=form.scan_quantity(),
                                      damaged=form.cleaned_data["scan_damaged"])
            self.message_user(
                request, f"{line.product.sku_id}: {line.received_good} good + {line.received_damaged} damaged "
                         f"of {line.expected_qty} expected.", messages.SUCCESS)
        if complete:
            order = inbound_order_complete(order=order, actor=request.user)
            self.message_user(request, f"Receipt of {order.inbound_order_no} completed; stock is booked (on the dock, "
                                       "to put away) and the callback to OneWarehouse is queued.", messages.SUCCESS)
            return True
        return False

    def callback_retry_view(self, request, object_id):
        return order_action_post(self, request, object_id, order_for=self._order_for_floor,
                                 act=inbound_order_callback_retry, done="The inbound callback will be sent again now.")


class WentElsewhereFilter(admin.SimpleListFilter):
    title = "put into"
    parameter_name = "bin"

    def lookups(self, request, model_admin):
        return (("suggested", "The suggested bin"), ("other", "Another bin than suggested"))

    def queryset(self, request, queryset):
        done = queryset.filter(status=PutawayTask.Status.DONE)
        if self.value() == "suggested":
            return done.filter(location=F("suggested_location"))
        if self.value() == "other":
            return done.exclude(location=F("suggested_location"))
        return queryset


@admin.register(PutawayTask)
class PutawayTaskAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Received units on the dock, waiting to be put into a bin; the putaway screen (``putaway_view``) does it."""

    list_display = ("id", "status", "order", "product", "quantity", "from_location", "suggested_location",
                    "location", "completed_by_name", "completed_at", "putaway_link")
    list_filter = ("status", "warehouse", WentElsewhereFilter, "order__owner", "suggested_location__zone")
    list_select_related = ("order", "product", "from_location", "suggested_location", "location", "completed_by")
    search_fields = ("=order__inbound_order_no", "=product__sku_id", "=product__barcode", "=location__code",
                     "=suggested_location__code")
    date_hierarchy = "created_at"

    @admin.display(description="Put away by")
    def completed_by_name(self, obj):
        return obj.completed_by.get_username() if obj.completed_by else "-"

    @admin.display(description="")
    def putaway_link(self, obj):
        if obj.status != PutawayTask.Status.OPEN:
            return ""
        url = reverse("admin:inbound_putawaytask_putaway") + f"?order={obj.order_id}&task={obj.pk}"
        return format_html('<a class="button" href="{}">Put away…</a>', url)

    def get_urls(self):
        return [path("putaway/", self.admin_site.admin_view(self.putaway_view), name="inbound_putawaytask_putaway"),
                *super().get_urls()]

    def putaway_view(self, request):
        """The receiver's putaway screen: the next open task (of ``?order=``, or ``?task=``), its suggested bin big;
        scan the bin, confirm the units. Each putaway goes on to the next task, the same URL."""
        floor_role_check(self, request, roles=RECEIVING_ROLES)
        order_id, task_id = id_list_parse(request.GET.get("order", ""))[:1], id_list_parse(request.GET.get("task", ""))
        form = PutawayForm(request.POST if request.method == "POST" else None)
        task = putaway_task_current(task_id=task_id[0] if task_id else None,
                                    order_id=order_id[0] if order_id else None)
        posted = id_list_parse(str(typed(form, "task", "")))
        if request.method == "POST" and posted:
            # The task the receiver saw, never another one: a task done meanwhile (another handheld) is said so.
            task = putaway_task_current(task_id=posted[0], order_id=None)
            if task is None or task.pk != posted[0]:
                self.message_user(request, f"Putaway task {posted[0]} is done already; here is the next one.",
                                  messages.WARNING)
                task = None
        if request.method == "POST" and task is not None and posted:
            def act():
                done = putaway_task_complete(task=task, location_barcode=form.cleaned_data["code"],
                                             quantity=form.cleaned_data["quantity"], actor=request.user)
                elsewhere = f" (suggested {done.suggested_location.code})" if done.went_elsewhere else ""
                self.message_user(request, f"{done.product.sku_id}: {done.quantity} put into "
                                           f"{done.location.code}{elsewhere}.", messages.SUCCESS)
                back = reverse("admin:inbound_putawaytask_putaway")
                return redirect(back + (f"?order={order_id[0]}" if order_id else ""))

            if form.is_valid():
                try:
                    return act()
                except DomainError as exc:
                    form.service_errors(exc.errors or {None: [domain_error_message(exc)]})
            form_errors_report(request, form)
            task = putaway_task_current(task_id=task.pk, order_id=None)
        if task is None:
            task = putaway_task_current(order_id=order_id[0] if order_id else None)
        totals = putaway_totals(order_id=order_id[0] if order_id else None)
        suggested = task.suggested_location if task else None
        context = {
            **self.admin_site.each_context(request), "opts": self.opts, "task": task,
            "title": "Put away" + (f" {task.order.inbound_order_no}" if task and order_id else ""),
            "order_id": order_id[0] if order_id else None,
            "next": ({"label": "Put into", "big": suggested.code if suggested else "any free bin",
                      "detail": f"{task.quantity} × {task.product.sku_id} from {task.from_location.code}"}
                     if task else {"label": "Nothing to put away", "big": "All done", "done": True}),
            "progress": {"label": "Put away", "done": totals["done"], "total": totals["total"], "unit": "units"},
            "scan": {"label": "Scan the bin's barcode", "code": typed(form, "code"), "button": "Put away",
                     "errors": field_error_texts(form, "code"), "placeholder": "bin barcode"},
            "quantity_field": field_view(form, "quantity", default=task.quantity if task else "",
                                         label="Units put away"),
        }
        return TemplateResponse(request, "admin/inbound/putawaytask/putaway.html", context)
