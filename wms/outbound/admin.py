import re

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.clickjacking import xframe_options_sameorigin

from wms.core.admin import (
    ReadOnlyAdminMixin,
    ReadOnlyTabularInline,
    RowMessage,
    bulk_action,
    floor_form_post,
    floor_object_get,
    floor_role_check,
    order_action_post,
)
from wms.core.errors import DomainValidationError
from wms.core.forms import field_error_texts, field_view, form_errors_report, id_list_parse, typed
from wms.core.roles import user_has_role
from wms.core.timeline import order_timeline
from wms.inventory.selectors import location_for_scan
from wms.outbox.admin import outbox_calls_html

from .forms import MEASURE_LABELS, PACKAGE_MEASURES, LabelCheckForm, LabelRequestForm, PackForm, PickForm, ShipScanForm
from .labels import LABEL_HEAD_BYTES, PDF, ZPL, label_file_kind, label_kind_detect, label_kind_named, labels_pdf_compose
from .models import OUTBOUND_FLOW, OutboundOrder, OutboundOrderLine, Package, PutBackTask, ShortPick
from .selectors import (
    outbound_callback_state,
    outbound_label_pending,
    outbound_labels_for_print,
    outbound_order_by_code,
    outbound_order_lines,
    outbound_order_shortages,
    outbound_orders_in,
    outbound_outbox_states,
    outbound_pick_directions,
    outbound_ship_dock_counts,
)
from .services import (
    FLOOR_ROLES,
    outbound_order_allocate,
    outbound_order_callback_retry,
    outbound_order_label_request,
    outbound_order_pack,
    outbound_order_pick_bin,
    outbound_order_pick_bin_short,
    outbound_order_pick_confirm,
    outbound_order_ship,
    outbound_order_short_pick_report,
    put_back_confirm,
    short_pick_resolve,
)

Status = OutboundOrder.Status
PACKAGE_ROWS = 3  # package rows offered on the pack form; more parcels: pack again after a refusal is rare


def label_url(order: OutboundOrder) -> str:
    """The order's label view, its name ending with the extension of the label's kind (label.png, label.zpl)."""
    kind = label_kind_named(order.label_format) or label_file_kind(order.label_file)
    return reverse("admin:outbound_outboundorder_label", args=[order.pk, kind.extension if kind else "bin"])


def _label_read(order: OutboundOrder) -> bytes | None:
    try:
        with order.label_file.open("rb") as fh:
            return fh.read()
    except OSError:
        return None




def _tracking(order: OutboundOrder) -> str:
    return f" (tracking {order.tracking_no})" if order.tracking_no else ""


def _label_next(order: OutboundOrder, pending: bool) -> dict:
    """The label screen's "next": get the label, wait for it, print it, or ship."""
    if order.status == Status.PACKED and pending:
        return {"label": "Label", "big": "Being fetched…", "detail": "This page looks again every few seconds."}
    if order.status == Status.PACKED:
        return {"label": "Next", "big": "Get the shipping label", "detail": "OneWarehouse sends it to us."}
    if order.status == Status.LABELLED:
        return {"label": "Next", "big": "Print, stick on, ship",
                "detail": f"Tracking {order.tracking_no}" if order.tracking_no else ""}
    return {"label": order.get_status_display(), "big": order.outbound_order_no, "done": True}


class OutboundOrderLineInline(ReadOnlyTabularInline):
    model = OutboundOrderLine
    fields = ("product", "quantity", "reserved_qty", "picked_qty")
    readonly_fields = fields


class PackageInline(ReadOnlyTabularInline):
    model = Package
    fields = ("package_no", "weight_kg", "length_cm", "width_cm", "height_cm", "contents")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("items__product")

    @admin.display(description="Items")
    def contents(self, obj):
        return ", ".join(f"{item.product.sku_id} ×{item.quantity}" for item in obj.items.all())


class ShortPickInline(ReadOnlyTabularInline):
    model = ShortPick
    fk_name = "order"
    fields = ("product", "ordered_qty", "picked_qty", "status", "note", "reported_by", "resolution")
    readonly_fields = fields


class PutBackInline(ReadOnlyTabularInline):
    model = PutBackTask
    fields = ("product", "quantity", "status", "confirmed_at", "confirmed_by")
    readonly_fields = fields


@admin.register(OutboundOrder)
class OutboundOrderAdmin(admin.ModelAdmin):
    list_display = ("outbound_order_no", "platform_order_no", "status", "warehouse", "owner",
                    "logistics_provider_code", "tracking_no", "label", "created_at")
    list_filter = ("status", "warehouse", "owner", "logistics_provider_code")
    list_select_related = ("warehouse", "owner")
    search_fields = ("=outbound_order_no", "=platform_order_no", "=tracking_no", "recipient_name")
    date_hierarchy = "created_at"
    inlines = [OutboundOrderLineInline, PackageInline, ShortPickInline, PutBackInline]
    readonly_fields = [f.name for f in OutboundOrder._meta.fields if f.name != "id"] + ["label_preview",
                                                                                       "calls_to_onewarehouse",
                                                                                       "waiting_for"]
    actions = ("allocate", "request_label", "print_labels", "wave_pick_list", "ship")
    change_form_template = "admin/outbound/outboundorder/change_form.html"
    fieldsets = (
        (None, {"fields": ("outbound_order_no", "platform_order_no", "status", "waiting_for", "warehouse", "owner",
                           "tracking_no")}),
        ("Label and calls to OneWarehouse", {"fields": ("label_preview", "label_format", "labelled_at",
                                                        "calls_to_onewarehouse")}),
        ("Key dates", {"fields": ("created_at", "picking_started_at", "packed_at", "shipped_at", "cancelled_at",
                                 "cancel_reason")}),
        ("Recipient", {"classes": ("collapse",), "fields": tuple(
            f"recipient_{name}" for name in ("name", "phone", "email", "country_code", "state", "city", "district",
                                             "address1", "address2", "zip_code"))}),
        ("Logistics and payment", {"classes": ("collapse",), "fields": (
            "logistics_provider_code", "logistics_provider_name", "logistics_service_code", "cod_amount", "currency",
            "remark", "content_hash", "updated_at")}),  # label_file has no URL: label_preview shows it
    )

    def has_add_permission(self, request):
        return False  # outbound orders come from OneWarehouse

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # An order changes only through the floor's actions and pages (services); its own form is read-only.
        return obj is None and super().has_change_permission(request)

    @admin.display(description="Label")
    def label(self, obj):
        if not obj.label_file:
            return "-"
        return format_html('<a href="{}" target="_blank">{}</a>', label_url(obj), obj.label_format or "label")

    @admin.display(description="Waiting for stock")
    def waiting_for(self, obj):
        """A backordered order names what it is short of, line by line."""
        if obj.status != Status.BACKORDERED:
            return "-"
        return "; ".join(outbound_order_shortages(order=obj)) or "stock has arrived: it is allocated at the next try"

    @admin.display(description="Shipping label")
    def label_preview(self, obj):
        if not obj.label_file:
            return "no label yet"
        kind = label_file_kind(obj.label_file)
        url = reverse("admin:outbound_outboundorder_label", args=[obj.pk, kind.extension if kind else "bin"])
        if kind is None or not kind.inline:  # ZPL goes to the thermal printer as it is, not into a frame
            return format_html('<a href="{}" download>Download the {} label (raw, for the thermal printer)</a>',
                               url, kind.name if kind else "")
        if kind is not PDF:
            return format_html('<img src="{}" alt="shipping label" style="max-width:100%;max-height:480px;'
                               'border:1px solid #ccc">', url)
        return format_html('<iframe src="{}" title="shipping label" '
                           'style="width:100%;height:480px;border:1px solid #ccc"></iframe>', url)

    @admin.display(description="Calls to OneWarehouse")
    def calls_to_onewarehouse(self, obj):
        return outbox_calls_html(outbound_outbox_states(order=obj))

    # --- URLs and views ---------------------------------------------------------------------------------

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/pick/", view(self.pick_view), name=f"{prefix}_pick"),
            path("<path:object_id>/pack/", view(self.pack_view), name=f"{prefix}_pack"),
            # Framed by our own order and print pages (X_FRAME_OPTIONS may be DENY elsewhere).
            path("<path:object_id>/label.<slug:extension>", xframe_options_sameorigin(view(self.label_view)),
                 name=f"{prefix}_label"),
            path("<path:object_id>/label-print.pdf", xframe_options_sameorigin(view(self.label_print_pdf_view)),
                 name=f"{prefix}_label_print_pdf"),
            path("<path:object_id>/print/", view(self.print_view), name=f"{prefix}_print"),
            path("<path:object_id>/label-request/", view(self.label_request_view), name=f"{prefix}_label_request"),
            path("<path:object_id>/ship/", view(self.ship_view), name=f"{prefix}_ship"),
            path("ship-dock/", view(self.ship_dock_view), name=f"{prefix}_ship_dock"),
            path("<path:object_id>/callback-retry/", view(self.callback_retry_view),
                 name=f"{prefix}_callback_retry"),
            path("labels.pdf", xframe_options_sameorigin(view(self.labels_pdf_view)), name=f"{prefix}_labels_pdf"),
            path("labels/", view(self.labels_print_view), name=f"{prefix}_labels_print"),
            path("pick-list/", view(self.wave_pick_view), name=f"{prefix}_wave_pick"),
            *super().get_urls(),
        ]

    def _floor_check(self, request) -> None:
        floor_role_check(self, request, roles=FLOOR_ROLES)

    def _order(self, request, object_id) -> OutboundOrder:
        return floor_object_get(self, request, OutboundOrder.objects.select_related("warehouse", "owner"), object_id,
                                roles=FLOOR_ROLES)

    def _context(self, request, **extra):
        return {**self.admin_site.each_context(request), "opts": self.opts, **extra}

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        obj = self.get_object(request, object_id)
        if obj is not None:
            extra_context.update(
                floor=user_has_role(request.user, *FLOOR_ROLES),
                actions=OUTBOUND_FLOW.allowed_actions(obj),  # the steps the services would accept now
                callback=outbound_callback_state(order=obj),
                label_pending=outbound_label_pending(order=obj),
                timeline=order_timeline(order_type=OUTBOUND_FLOW.order_type, order_id=obj.pk,
                                        order_no=obj.outbound_order_no, viewer=request.user),
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def _change_url(self, order):
        return reverse("admin:outbound_outboundorder_change", args=[order.pk])

    @staticmethod
    def _pick_bin_key(order) -> str:
        return f"pick_bin_{order.pk}"

    def pick_view(self, request, object_id):
        """Directed picking: the next bin and what to take there shown big; the picker scans the bin, then each
        item (the bin scanned last is kept in the session, per order)."""
        order = self._order(request, object_id)
        form = PickForm(request.POST if request.method == "POST" else None)
        if request.method == "POST":
            answer = floor_form_post(self, request, form, lambda: self._pick_post(request, order, form))
            if answer is not None:
                return answer
            order.refresh_from_db()
        lines = list(outbound_order_lines(order=order))
        stops = outbound_pick_directions(order_ids=[order.pk])
        current = request.session.get(self._pick_bin_key(order), "")
        at_bin = [stop for stop in stops if stop.location is not None and stop.location.code == current]
        if not at_bin:
            current = ""
        next_stop = (at_bin or stops or [None])[0]  # the bin the picker stands at, else the first on the path
        fully_picked = all(line.picked_qty == line.quantity for line in lines)
        return TemplateResponse(request, "admin/outbound/outboundorder/pick.html", self._context(
            request, order=order, lines=lines, stops=stops, current_bin=current, next_stop=next_stop,
            next=self._pick_next(next_stop, current, fully_picked),
            progress={"label": "Picked", "done": sum(ln.picked_qty for ln in lines),
                      "total": sum(ln.quantity for ln in lines), "unit": "units"},
            title=f"Pick {order.outbound_order_no} ({order.get_status_display()})",
            open=OUTBOUND_FLOW.allows(order, "pick"), fully_picked=fully_picked,
            note_field=field_view(form, "note", label="Short pick note (what is missing, where you looked)"),
            scan={"label": "Scan the bin, then each item", "code": typed(form, "code"),
                  "quantity": typed(form, "quantity", 1), "placeholder": "bin or item",
                  "errors": field_error_texts(form, "code", "quantity")}))

    @staticmethod
    def _pick_next(stop, current: str, fully_picked: bool) -> dict:
        """What the picker does next, big: go to a bin, take items at it, or pack."""
        if fully_picked:
            return {"label": "Everything is picked", "big": "Pack", "done": True}
        if stop is None:
            return {"label": "Nothing left to pick", "big": "-", "done": True}
        what = f"{stop.quantity} × {stop.product.sku_id}"
        if stop.location is None:
            return {"label": "No bin holds the rest", "big": what, "detail": "Report a short pick to a Supervisor."}
        if stop.location.code == current:
            return {"label": f"At bin {current}: scan", "big": what,
                    "detail": " · ".join(filter(None, [stop.product.name, stop.product.barcode]))}
        return {"label": "Go to bin", "big": stop.location.code, "detail": f"take {what} {stop.product.name}"}

    def _pick_post(self, request, order, form: PickForm) -> HttpResponse:
        """A bin's barcode (the bin the next items come from), an item taken from that bin, "this bin is short",
        or the order's short-pick report; back to the pick page."""
        key, data = self._pick_bin_key(order), form.cleaned_data
        code = data["code"]
        if data["bin_short"]:
            task = outbound_order_pick_bin_short(order=order, location_code=request.session.get(key, ""),
                                                 actor=request.user, note=data["note"])
            request.session.pop(key, None)
            self.message_user(request, f"Bin {task.location.code} is blocked and will be counted (count "
                                       f"#{task.pk}); picking goes on at the next bin.", messages.WARNING)
        elif code and location_for_scan(warehouse_id=order.warehouse_id, code=code) is not None:
            location = outbound_order_pick_bin(order=order, code=code, actor=request.user)
            request.session[key] = location.code
            self.message_user(request, f"Bin {location.code}: scan the items.", messages.SUCCESS)
        elif code:
            taken = outbound_order_pick_confirm(order=order, location_code=request.session.get(key, ""), code=code,
                                                quantity=form.scan_quantity(), actor=request.user)
            line = taken.line
            self.message_user(request, f"{line.product.sku_id} from {taken.location.code}: {line.picked_qty} of "
                                       f"{line.quantity} picked.", messages.SUCCESS)
        if data["short"]:
            reports = outbound_order_short_pick_report(order=order, actor=request.user, note=data["note"])
            self.message_user(request, "Short pick reported to Supervisors: " + ", ".join(
                f"{r.product.sku_id} {r.picked_qty}/{r.ordered_qty}" for r in reports), messages.WARNING)
        return redirect(reverse("admin:outbound_outboundorder_pick", args=[order.pk]))

    def pack_view(self, request, object_id):
        order = self._order(request, object_id)
        lines = list(outbound_order_lines(order=order))
        form = PackForm(request.POST if request.method == "POST" else None, lines=lines, rows=PACKAGE_ROWS)
        if request.method == "POST":
            def act():
                packages = form.packages()
                try:
                    outbound_order_pack(order=order, packages=packages, actor=request.user)
                except DomainValidationError as exc:  # named on the fields it is about, what was typed kept
                    form.service_errors(exc.errors)
                    form_errors_report(request, form)
                    return None
                self.message_user(request, f"{order.outbound_order_no} packed in {len(packages)} package(s).",
                                  messages.SUCCESS)
                return redirect(self._change_url(order))

            answer = floor_form_post(self, request, form, act)
            if answer is not None:
                return answer
        # The page, or again after a refusal with every measure and count as typed.
        rows = [{"number": row,
                 "measures": [field_view(form, form.measure_name(row, m), label=MEASURE_LABELS[m].capitalize())
                              for m in PACKAGE_MEASURES],
                 "items": [{**field_view(form, form.items_name(row, line), label=f"{line.product.sku_id} units",
                                         default=line.picked_qty if row == 1 else ""),
                            "sku": line.product.sku_id, "picked": line.picked_qty,
                            "codes": " ".join(c for c in (line.product.barcode, line.product.sku_code,
                                                          line.product.sku_id) if c)} for line in lines]}
                for row in form.rows]
        picked = sum(line.picked_qty for line in lines)
        return TemplateResponse(request, "admin/outbound/outboundorder/pack.html", self._context(
            request, order=order, lines=lines, rows=rows,
            title=f"Pack {order.outbound_order_no} ({order.get_status_display()})",
            open=OUTBOUND_FLOW.allows(order, "pack"),
            next={"label": "Pack", "big": f"{picked} unit(s) picked",
                  "detail": ", ".join(f"{line.product.sku_id} ×{line.picked_qty}" for line in lines)},
            progress={"label": "Picked", "done": picked, "total": sum(line.quantity for line in lines)},
            scan={"label": "Scan an item to put it in the ticked package", "quantity": None,
                  "code": typed(form, "code")}))

    def label_view(self, request, object_id, extension):
        """The label file, after the floor check: the only way to it (it has no URL of its own). Its type comes
        from its bytes, so a browser never gets it as a page it would run; a name with another extension (an old
        ``label.pdf`` link to a PNG) is sent to the right one."""
        order = self._order(request, object_id)
        if not order.label_file:
            raise PermissionDenied("This order has no label.")
        try:
            handle = order.label_file.open("rb")
        except OSError as exc:
            raise Http404("The label file of this order is missing.") from exc
        kind = label_kind_detect(handle.read(LABEL_HEAD_BYTES))
        handle.seek(0)
        if extension != (kind.extension if kind else "bin"):
            handle.close()
            return redirect(reverse("admin:outbound_outboundorder_label",
                                    args=[order.pk, kind.extension if kind else "bin"]))
        stem = "label-" + re.sub(r"[^A-Za-z0-9_-]+", "_", order.outbound_order_no)
        response = FileResponse(
            handle, content_type=kind.content_type if kind else "application/octet-stream",
            filename=f"{stem}.{kind.extension if kind else 'bin'}", as_attachment=not (kind and kind.inline))
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def print_view(self, request, object_id):
        """The label screen: get the label (packed), print it, check the printed label by scanning it, ship."""
        order = self._order(request, object_id)
        form = LabelCheckForm(request.POST if request.method == "POST" else None)
        if request.method == "POST":
            def act():
                code = form.cleaned_data["code"].strip()
                if order.label_file and code in {order.tracking_no, order.outbound_order_no} - {""}:
                    self.message_user(request, f"Label checked: {code} is {order.outbound_order_no}'s label"
                                               f"{_tracking(order)}.", messages.SUCCESS)
                elif not order.label_file:
                    self.message_user(request, f"{code}: {order.outbound_order_no} has no label yet to check.",
                                      messages.ERROR)
                else:
                    self.message_user(request, f"{code} is not this order's label: {order.outbound_order_no} has "
                                               f"tracking {order.tracking_no or '-'}. Print it again.", messages.ERROR)
                return redirect(self._print_url(order))

            answer = floor_form_post(self, request, form, act)
            if answer is not None:
                return answer
        kind = label_file_kind(order.label_file)
        pending = outbound_label_pending(order=order)
        actions = OUTBOUND_FLOW.allowed_actions(order)
        return TemplateResponse(request, "admin/outbound/outboundorder/print.html", self._context(
            request, order=order, title=f"Label of {order.outbound_order_no} ({order.get_status_display()})",
            kind=kind, pending=pending, can_request=("label" in actions and not pending and not order.label_file),
            can_ship="ship" in actions,
            file_url=label_url(order) if order.label_file else "",
            print_url=reverse("admin:outbound_outboundorder_label_print_pdf", args=[order.pk])
            if kind and kind.inline else "",
            next=_label_next(order, pending),
            scan={"label": "Scan the printed label to check it", "quantity": None, "button": "Check",
                  "code": typed(form, "code"),
                  "errors": field_error_texts(form, "code")}))

    def ship_dock_view(self, request):
        """The ship dock: scan a parcel's label (tracking code) or its order number, and that order ships."""
        self._floor_check(request)
        form = ShipScanForm(request.POST if request.method == "POST" else None)
        if request.method == "POST":
            def act():
                code = form.cleaned_data["code"].strip()
                order = outbound_order_by_code(code=code)
                if order is None:
                    self.message_user(request, f"{code}: no order has this tracking code or number.", messages.ERROR)
                elif not OUTBOUND_FLOW.allows(order, "ship"):  # as the order page's Ship button asks
                    why = OUTBOUND_FLOW.refusal(order, otherwise="only a labelled parcel ships")
                    self.message_user(request, f"{code}: {order.outbound_order_no} is {order.get_status_display()}"
                                               f" and cannot ship: {why}.", messages.ERROR)
                else:
                    order = outbound_order_ship(order=order, actor=request.user)
                    self.message_user(request, f"{order.outbound_order_no} shipped{_tracking(order)}; OneWarehouse "
                                               "is told through the outbox.", messages.SUCCESS)
                return redirect(reverse("admin:outbound_outboundorder_ship_dock"))

            answer = floor_form_post(self, request, form, act)
            if answer is not None:
                return answer
        waiting = outbound_orders_in(statuses=[Status.LABELLED])
        counts = outbound_ship_dock_counts()
        first = waiting[0] if waiting else None
        return TemplateResponse(request, "admin/outbound/outboundorder/ship_dock.html", self._context(
            request, title="Ship: scan each parcel", waiting=waiting, counts=counts,
            next={"label": "Next parcel", "big": first.tracking_no or first.outbound_order_no,
                  "detail": f"{first.outbound_order_no} · {first.logistics_provider_code}"} if first else
            {"label": "Nothing to ship", "big": "All labelled parcels have left", "done": True},
            progress={"label": "Shipped today", "done": counts["shipped"],
                      "total": counts["shipped"] + counts["waiting"], "unit": "parcels"},
            scan={"label": "Scan a parcel's label (tracking code) or its order number: it ships", "quantity": None,
                  "button": "Ship",
                  "code": typed(form, "code"), "errors": field_error_texts(form, "code")}))

    def _labels_pdf_response(self, composed, filename: str) -> HttpResponse:
        response = HttpResponse(composed.pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{filename}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def label_print_pdf_view(self, request, object_id):
        """One order's PDF, PNG or JPEG label as a PDF page of the label size: what the print page prints."""
        order = self._order(request, object_id)
        if not order.label_file:
            raise PermissionDenied("This order has no label.")
        composed = labels_pdf_compose([(order.outbound_order_no, _label_read(order))])
        if composed.pdf is None:
            raise Http404("This label cannot be printed as a page: " + "; ".join(composed.left_out + [
                f"{name} is ZPL: download it for the thermal printer" for name in composed.zpl]))
        stem = "label-" + re.sub(r"[^A-Za-z0-9_-]+", "_", order.outbound_order_no)
        return self._labels_pdf_response(composed, f"{stem}-print.pdf")

    def labels_pdf_view(self, request):
        """Several labels (PDF, PNG, JPEG) as one PDF of label-size pages, for one print job. ZPL labels (for
        the thermal printer) and files that cannot be read are left out and named in a message."""
        self._floor_check(request)
        orders = outbound_labels_for_print(order_ids=id_list_parse(request.GET.get("ids", "")))
        if not orders:
            raise PermissionDenied("None of these orders has a label.")
        composed = labels_pdf_compose([(order.outbound_order_no, _label_read(order)) for order in orders])
        left_out = composed.left_out + [f"{name} (ZPL)" for name in composed.zpl]
        if left_out:
            self.message_user(request, "Left out of the merged PDF, print them from their order page: "
                                       + ", ".join(left_out), messages.WARNING)
        if composed.pdf is None:
            self.message_user(request, "None of these labels can be printed as a PDF page.", messages.ERROR)
            return redirect(reverse("admin:outbound_outboundorder_changelist"))
        return self._labels_pdf_response(composed, "labels.pdf")

    def labels_print_view(self, request):
        """The bulk print page: the PDF, PNG and JPEG labels as one PDF at label size, the ZPL labels listed
        apart as raw downloads for the thermal printer, and what cannot be printed, with why."""
        self._floor_check(request)
        orders = outbound_labels_for_print(order_ids=id_list_parse(request.GET.get("ids", "")))
        kinds = {order.pk: label_file_kind(order.label_file) for order in orders}
        pages = [o for o in orders if kinds[o.pk] is not None and kinds[o.pk].inline]
        return TemplateResponse(request, "admin/outbound/outboundorder/print_labels.html", self._context(
            request, title=f"Print labels: {len(orders)} order(s)",
            pdf_url=reverse("admin:outbound_outboundorder_labels_pdf") + "?ids=" + ",".join(
                str(o.pk) for o in pages) if pages else "",
            pages=pages,
            zpl=[(o, label_url(o)) for o in orders if kinds[o.pk] is ZPL],
            unreadable=[o for o in orders if kinds[o.pk] is None]))

    def wave_pick_view(self, request):
        self._floor_check(request)
        ids = id_list_parse(request.GET.get("ids", ""))
        rows = outbound_pick_directions(order_ids=ids)
        orders = OutboundOrder.objects.filter(pk__in=ids).order_by("outbound_order_no")
        return TemplateResponse(request, "admin/outbound/outboundorder/wave_pick.html", self._context(
            request, rows=rows, orders=orders, title=f"Pick list (wave): {len(orders)} order(s)"))

    def _post_action(self, request, object_id, act, done: str):
        # A button on the label screen ("back" = "print") comes back to it; the order page's buttons to the order.
        back = self._print_url if request.POST.get("back") == "print" else None
        return order_action_post(self, request, object_id, order_for=self._order, act=act, done=done, back=back)

    def _print_url(self, order) -> str:
        return reverse("admin:outbound_outboundorder_print", args=[order.pk])

    def label_request_view(self, request, object_id):
        form = LabelRequestForm(request.POST)
        if not form.is_valid():
            form_errors_report(request, form)
            order = self._order(request, object_id)
            return redirect(self._print_url(order) if request.POST.get("back") == "print" else self._change_url(order))
        reason = form.cleaned_data["reason"]
        return self._post_action(
            request, object_id, lambda *, order, actor: outbound_order_label_request(order=order, actor=actor,
                                                                                     reason=reason),
            "The shipping label of {order} is being fetched.")

    def ship_view(self, request, object_id):
        return self._post_action(request, object_id, outbound_order_ship,
                                 "{order} shipped; OneWarehouse is told through the outbox.")

    def callback_retry_view(self, request, object_id):
        return self._post_action(request, object_id, outbound_order_callback_retry,
                                 "The ship callback of {order} will be sent again now.")

    # --- Bulk actions -----------------------------------------------------------------------------------

    def _each(self, request, queryset, act, done: str) -> None:
        """``act(order=..., actor=...)`` on each selected order, oldest first, as the logged-in user."""
        bulk_action(self, request, queryset.order_by("created_at", "pk"),
                    lambda order: act(order=order, actor=request.user), name=lambda order: order.outbound_order_no,
                    done=done, roles=FLOOR_ROLES)

    @admin.action(description="Allocate stock (created / backordered orders)", permissions=["change"])
    def allocate(self, request, queryset):
        def act(*, order, actor):
            order = outbound_order_allocate(order_id=order.pk, actor=actor)
            if order.status == Status.BACKORDERED:
                short = "; ".join(outbound_order_shortages(order=order))
                return RowMessage(messages.WARNING,
                                  f"{order.outbound_order_no}: not enough stock, backordered ({short}).")
            return None
        allocatable = OUTBOUND_FLOW.actions["allocate"]
        self._each(request, queryset.filter(status__in=allocatable), act, "{n} order(s) processed.")
        skipped = queryset.exclude(status__in=allocatable).count()
        if skipped:
            self.message_user(request, f"{skipped} order(s) skipped: only created or backordered orders are "
                                       "allocated.", messages.WARNING)

    @admin.action(description="Get shipping label", permissions=["change"])
    def request_label(self, request, queryset):
        self._each(request, queryset, outbound_order_label_request, "Label requested for {n} order(s).")

    @admin.action(description="Ship (labelled orders)", permissions=["change"])
    def ship(self, request, queryset):
        """Asks first, as the order page's Ship does: a page listing the selected orders, then "Yes, ship"."""
        if request.POST.get("confirmed") != "yes":
            return TemplateResponse(request, "admin/outbound/outboundorder/ship_confirm.html", self._context(
                request, orders=list(queryset.order_by("pk")), title="Ship the selected orders?",
                action_checkbox_name=helpers.ACTION_CHECKBOX_NAME))
        self._each(request, queryset, outbound_order_ship, "{n} order(s) shipped.")

    @admin.action(description="Print labels (one PDF; ZPL listed apart)", permissions=["view"])
    def print_labels(self, request, queryset):
        ids = ",".join(str(pk) for pk in queryset.exclude(label_file="").order_by("pk").values_list("pk", flat=True))
        if not ids:
            self.message_user(request, "None of the selected orders has a label.", messages.WARNING)
            return None
        return redirect(reverse("admin:outbound_outboundorder_labels_print") + f"?ids={ids}")

    @admin.action(description="Pick list for the selected orders (wave)", permissions=["view"])
    def wave_pick_list(self, request, queryset):
        ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
        return redirect(reverse("admin:outbound_outboundorder_wave_pick") + f"?ids={ids}")


@admin.register(PutBackTask)
class PutBackTaskAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("order", "product", "quantity", "warehouse", "status", "created_at", "confirmed_at", "confirmed_by")
    list_filter = ("status", "warehouse", "order__owner")
    list_select_related = ("order", "product", "warehouse", "confirmed_by")
    search_fields = ("=order__outbound_order_no", "=product__sku_id")
    actions = ("confirm",)

    def has_change_permission(self, request, obj=None):
        # Changing is confirming, through the list action (a service); a single row's form stays read-only.
        return obj is None and super(ReadOnlyAdminMixin, self).has_change_permission(request)

    @admin.action(description="Confirm: goods are back on the shelf", permissions=["change"])
    def confirm(self, request, queryset):
        bulk_action(self, request, queryset.order_by("pk"),
                    lambda task: put_back_confirm(task=task, actor=request.user),
                    done="{n} put-back(s) confirmed; the stock is available again.")


@admin.register(ShortPick)
class ShortPickAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("order", "product", "ordered_qty", "picked_qty", "missing", "status", "reported_by", "note",
                    "created_at", "resolved_by", "resolution")
    list_filter = ("status", "order__owner")
    list_select_related = ("order", "product", "reported_by", "resolved_by")
    search_fields = ("=order__outbound_order_no", "=product__sku_id")
    actions = ("resolve",)

    @admin.display(description="Missing")
    def missing(self, obj):
        return obj.missing_qty

    def has_change_permission(self, request, obj=None):
        return obj is None and super(ReadOnlyAdminMixin, self).has_change_permission(request)

    @admin.action(description="Resolve (Supervisor has dealt with it)", permissions=["change"])
    def resolve(self, request, queryset):
        resolution = f"resolved in admin by {request.user.get_username()}"
        bulk_action(self, request, queryset.order_by("pk"), lambda short_pick: short_pick_resolve(
            short_pick=short_pick, actor=request.user, resolution=resolution), done="{n} short pick(s) resolved.")
