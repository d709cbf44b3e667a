"""Admin of the ONE sync: publications (with the mode switch behind a confirmation page), sync history with
each chunk's request and answer, reconciliations and the drift per product with "resync selected".

Every write goes through ``services``; the history and drift pages are read-only.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Max
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from wms.core.admin import ReadOnlyAdminMixin, ReadOnlyTabularInline, bulk_action
from wms.core.errors import DomainError

from . import selectors, services
from .models import OnePublication, OneReconciliation, OneStockDrift, OneSyncChunk, OneSyncRun

BODY_PREVIEW_CHARS = 20_000


def publication_filter(field_path: str):
    """A list filter by publication whose choices cost one query however many publications there are."""

    class PublicationFilter(admin.SimpleListFilter):
        title = "warehouse"
        parameter_name = field_path.replace("__", "_")

        def lookups(self, request, model_admin):
            return [(str(m.pk), m.warehouse.code) for m in OnePublication.objects.select_related("warehouse")]

        def queryset(self, request, queryset):
            return queryset.filter(**{field_path: self.value()}) if self.value() else queryset

    return PublicationFilter


class OnePublicationForm(forms.ModelForm):
    class Meta:
        model = OnePublication
        fields = ("warehouse", "one_warehouse_id", "mode", "enabled")


@admin.register(OnePublication)
class OnePublicationAdmin(admin.ModelAdmin):
    form = OnePublicationForm
    list_display = ("warehouse", "one_warehouse_id", "mode", "enabled", "switch_pending", "baseline_needed",
                    "last_success_at", "active_run")
    list_select_related = ("warehouse", "active_run")
    list_filter = ("mode", "enabled")
    actions = ("sync_now", "baseline_now", "reconcile_now", "disable_and_withdraw", "enable_with_baseline")

    def get_readonly_fields(self, request, obj=None):
        state = ("switch_pending", "baseline_needed", "last_success_at", "active_run")
        if obj is None:
            return state
        # One endpoint from start to finish: the mode changes only through the switch procedure; the publication
        # is disabled only by the withdraw action (which says what it removes) and enabled by its action.
        return ("warehouse", "one_warehouse_id", "mode_with_switch", "enabled", "held_on_one", *state)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("warehouse", "one_warehouse_id", "mode", "enabled")
        return ("warehouse", "one_warehouse_id", "mode_with_switch", "enabled", "held_on_one", "switch_pending",
                "baseline_needed", "last_success_at", "active_run")

    @admin.display(description="Held by ONE")
    def held_on_one(self, obj):
        return (f"{selectors.held_count(publication_id=obj.pk)} stock id(s); "
                f"{selectors.changes_waiting_count(publication_id=obj.pk)} change(s) waiting")

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Mode")
    def mode_with_switch(self, obj):
        return format_html('{} &nbsp; <a class="button" href="{}">Switch mode…</a>', obj.get_mode_display(),
                           reverse("admin:one_onepublication_switch", args=[obj.pk]))

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            created = services.one_publication_create(
                warehouse=data["warehouse"], one_warehouse_id=data["one_warehouse_id"],
                mode=data["mode"], enabled=data["enabled"], actor=request.user)
            obj.pk, obj._state.adding = created.pk, False

    def get_urls(self):
        return [path("<int:publication_id>/switch-mode/", self.admin_site.admin_view(self.switch_mode_view),
                     name="one_onepublication_switch"), *super().get_urls()]

    def switch_mode_view(self, request, publication_id):
        """A confirmation page that says what the switch does, then the service does it."""
        if not self.has_change_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        publication = get_object_or_404(OnePublication.objects.select_related("warehouse"), pk=publication_id)
        new_mode = next(m for m in OnePublication.Mode if m != publication.mode)
        change_url = reverse("admin:one_onepublication_change", args=[publication.pk])
        if request.method == "POST":
            try:
                services.one_publication_mode_switch(publication=publication, mode=new_mode, actor=request.user)
            except DomainError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, f"{publication.warehouse.code} switches to {new_mode}: its stock on ONE is "
                                           f"being removed, then a baseline is sent.", messages.SUCCESS)
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request), "opts": self.opts, "title": "Switch ONE mode",
            "publication": publication, "new_mode": new_mode, "new_mode_label": new_mode.label,
            "to_remove": selectors.held_count(publication_id=publication.pk),
            "flagged": selectors.flagged_stock_count(warehouse_id=publication.warehouse_id),
            "limit": settings.ONE_MAX_LINES_PER_REQUEST, "change_url": change_url,
        }
        return TemplateResponse(request, "admin/one/switch_mode_confirm.html", context)

    def _each(self, request, publications, action, done: str):
        rows = (publications.select_related("warehouse").order_by("pk") if hasattr(publications, "order_by")
                else publications)
        bulk_action(self, request, rows, action, name=lambda publication: publication.warehouse.code,
                    done="{n} warehouse(s): " + done, refused_level=messages.WARNING)

    @admin.action(description="Sync selected warehouses now", permissions=["change"])
    def sync_now(self, request, queryset):
        self._each(request, queryset, lambda m: services.one_sync_start(
            publication_id=m.pk, purpose=OneSyncRun.Purpose.CHANGES, trigger=OneSyncRun.Trigger.ADMIN), "sync queued.")

    @admin.action(description="Send a baseline of selected warehouses now", permissions=["change"])
    def baseline_now(self, request, queryset):
        self._each(request, queryset, lambda m: services.one_sync_start(
            publication_id=m.pk, purpose=OneSyncRun.Purpose.BASELINE,
            trigger=OneSyncRun.Trigger.ADMIN), "baseline queued.")

    @admin.action(description="Reconcile selected warehouses with ONE now", permissions=["change"])
    def reconcile_now(self, request, queryset):
        from .tasks import one_reconcile_publication

        self._each(request, queryset, lambda m: one_reconcile_publication.delay(m.pk), "reconciliation queued.")

    @admin.action(description="Disable selected publications and withdraw their stock from ONE…",
                  permissions=["change"])
    def disable_and_withdraw(self, request, queryset):
        """A confirmation page that says what is removed; then the service disables and withdraws."""
        publications = list(queryset.select_related("warehouse").order_by("pk"))
        if request.POST.get("confirmed") != "yes":
            context = {
                **self.admin_site.each_context(request), "opts": self.opts, "title": "Withdraw from ONE",
                "publications": [(m, selectors.held_count(publication_id=m.pk)) for m in publications],
                "action": "disable_and_withdraw", "selected": [m.pk for m in publications],
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/one/withdraw_confirm.html", context)

        def disable(publication):
            _publication, run = services.one_publication_disable(publication_id=publication.pk, actor=request.user)
            if run is not None and run.status == OneSyncRun.Status.FAILED:
                raise DomainError(f"withdraw run #{run.pk} failed: {run.error}")

        self._each(request, publications, disable, "disabled; their stock on ONE is being removed.")
        return None

    @admin.action(description="Enable selected publications (the next sync sends a baseline)",
                  permissions=["change"])
    def enable_with_baseline(self, request, queryset):
        self._each(request, queryset.select_related("warehouse"),
                   lambda m: services.one_publication_enable_baseline(publication_id=m.pk, actor=request.user),
                   "enabled; the next sync sends a baseline.")


class OneSyncChunkInline(ReadOnlyTabularInline):
    model = OneSyncChunk
    fields = ("chunk_link", "mode", "lines", "removals", "status", "attempts", "sent_at", "outbox_message",
              "error")
    readonly_fields = fields

    @admin.display(description="Chunk")
    def chunk_link(self, obj):
        return format_html('<a href="{}">#{}</a>', reverse("admin:one_onesyncchunk_change", args=[obj.pk]), obj.seq)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("body", "response")


@admin.register(OneSyncRun)
class OneSyncRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "publication", "purpose", "mode", "status", "trigger", "lines", "removals", "chunks",
                    "duration", "started_at", "short_error")
    list_filter = ("status", "purpose", "mode", "trigger", publication_filter("publication_id"))
    list_select_related = ("publication__warehouse",)
    date_hierarchy = "started_at"
    inlines = (OneSyncChunkInline,)
    readonly_fields = ("publication", "purpose", "mode", "trigger", "status", "progress", "lines", "removals",
                       "chunks_total", "chunks_sent", "changes", "build_ms", "duration", "error", "started_at",
                       "finished_at")
    fields = readonly_fields
    change_form_template = "admin/one/onesyncrun/change_form.html"  # refreshed while the run is open

    @admin.display(description="Progress")
    def progress(self, obj):
        left = selectors.run_seconds_left(run=obj)
        return format_html(
            '<progress value="{}" max="{}" style="width:20em"></progress> {} of {} chunk(s) sent, {} line(s), '
            '{} removal(s){}', obj.chunks_sent, obj.chunks_total or 1, obj.chunks_sent, obj.chunks_total, obj.lines,
            obj.removals, f"; about {left} s left" if left is not None else "")

    @admin.display(description="Chunks sent")
    def chunks(self, obj):
        return f"{obj.chunks_sent}/{obj.chunks_total}"

    @admin.display(description="Duration (s)")
    def duration(self, obj):
        return obj.duration_seconds

    @admin.display(description="Error")
    def short_error(self, obj):
        return (obj.error or "")[:120]


@admin.register(OneSyncChunk)
class OneSyncChunkAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "run", "seq", "mode", "lines", "removals", "status", "attempts", "sent_at")
    list_filter = ("status", "mode")
    list_select_related = ("run",)
    fields = ("run", "seq", "mode", "lines", "removals", "status", "attempts", "sent_at", "outbox_message",
              "exchanges", "error", "request_body", "response")
    readonly_fields = fields

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.resolver_match.url_name.endswith("_change") else queryset.defer("body", "response")

    @admin.display(description="Request body")
    def request_body(self, obj):
        body = obj.body if len(obj.body) <= BODY_PREVIEW_CHARS else (
            obj.body[:BODY_PREVIEW_CHARS] + f"… ({len(obj.body)} characters in all)")
        return format_html("<pre style='white-space:pre-wrap'>{}</pre>", body)

    @admin.display(description="Request log")
    def exchanges(self, obj):
        if not obj.outbox_message_id:
            return "-"
        url = reverse("admin:apilog_apiexchange_changelist") + f"?outbox_message_id={obj.outbox_message_id}"
        return format_html('<a href="{}">HTTP exchanges of outbox message #{}</a>', url, obj.outbox_message_id)


@admin.register(OneReconciliation)
class OneReconciliationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "publication", "status", "checked", "drifted_link", "started_at", "finished_at", "error")
    list_filter = ("status", publication_filter("publication_id"))
    list_select_related = ("publication__warehouse",)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The reconciliation's page: its drift, product by product, with "resync selected"."""
        reconciliation = get_object_or_404(OneReconciliation.objects.select_related("publication__warehouse"),
                                           pk=object_id)
        if not self.has_view_permission(request, reconciliation):
            return HttpResponseRedirect(reverse("admin:index"))
        if request.method == "POST":
            ids = [int(v) for v in request.POST.getlist("drift") if v.isascii() and v.isdigit()]
            drift_ids = list(reconciliation.drifts.filter(pk__in=ids).values_list("pk", flat=True))
            if not drift_ids:
                self.message_user(request, "Select the products to resync.", messages.WARNING)
            else:
                try:
                    runs = services.one_drift_resync(drift_ids=drift_ids, actor=request.user)
                except DomainError as exc:
                    self.message_user(request, str(exc), messages.ERROR)
                else:
                    for run in runs:
                        self.message_user(request, f"Run #{run.pk}: {run.lines} line(s), {run.removals} removal(s), "
                                                   f"{run.get_status_display().lower()}. {run.error}",
                                          messages.SUCCESS if run.status != OneSyncRun.Status.REFUSED
                                          else messages.ERROR)
            return HttpResponseRedirect(request.path)
        context = {
            **self.admin_site.each_context(request), "opts": self.opts, "title": f"ONE reconciliation #{object_id}",
            "reconciliation": reconciliation, "drifts": selectors.drift_of(reconciliation=reconciliation),
            "can_resync": request.user.has_perm("one.change_onestockdrift"),
        }
        return TemplateResponse(request, "admin/one/reconciliation_detail.html", context)

    @admin.display(description="Drifted")
    def drifted_link(self, obj):
        url = reverse("admin:one_onestockdrift_changelist") + f"?reconciliation__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, obj.drifted)


class LatestReconciliationFilter(admin.SimpleListFilter):
    title = "reconciliation"
    parameter_name = "latest"

    def lookups(self, request, model_admin):
        return (("all", "All reconciliations"),)

    def choices(self, changelist):
        yield {"selected": self.value() is None,
               "query_string": changelist.get_query_string(remove=[self.parameter_name]),
               "display": "Latest of each warehouse"}
        yield {"selected": self.value() == "all",
               "query_string": changelist.get_query_string({self.parameter_name: "all"}),
               "display": "All"}

    def queryset(self, request, queryset):
        if self.value() == "all" or "reconciliation__id__exact" in request.GET:
            return queryset
        latest = (OneReconciliation.objects.filter(status=OneReconciliation.Status.SUCCEEDED)
                  .values("publication_id").annotate(last=Max("pk")).values("last"))
        return queryset.filter(reconciliation_id__in=latest)


@admin.register(OneStockDrift)
class OneStockDriftAdmin(admin.ModelAdmin):
    list_display = ("product", "warehouse", "ours", "theirs", "difference", "reconciliation", "checked_at")
    list_filter = (LatestReconciliationFilter, publication_filter("reconciliation__publication_id"))
    list_select_related = ("product", "reconciliation__publication__warehouse")
    search_fields = ("=product__sku_id",)
    readonly_fields = ("reconciliation", "product", "ours", "theirs", "difference")
    actions = ("resync_selected",)

    @admin.display(description="Warehouse")
    def warehouse(self, obj):
        return obj.reconciliation.publication.warehouse.code

    @admin.display(description="Checked at")
    def checked_at(self, obj):
        return obj.reconciliation.started_at

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Resync selected products to ONE", permissions=["change"])
    def resync_selected(self, request, queryset):
        try:
            runs = services.one_drift_resync(drift_ids=list(queryset.values_list("pk", flat=True)),
                                            actor=request.user)
        except DomainError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        for run in runs:
            level = messages.SUCCESS if run.status != OneSyncRun.Status.REFUSED else messages.ERROR
            self.message_user(request, f"Run #{run.pk} ({run.publication.warehouse.code}): {run.lines} line(s), "
                                       f"{run.removals} removal(s), {run.get_status_display().lower()}. {run.error}",
                              level)
