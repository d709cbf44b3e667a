"""Cycle counts in admin: the task list (each role sees what it may open), the blind count screen (Receiver,
Picker, Supervisor), the Supervisor's review (approve with a reason, or reject for a recount), and the Locations
list's "Request a count" action (the locations' admin of wms.inventory, extended here: inventory knows nothing of
counts)."""

from django.contrib import admin, messages
from django.http import HttpResponse
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
)
from wms.core.errors import DomainError
from wms.core.forms import field_error_texts, field_view, form_errors_report, typed
from wms.core.roles import COUNT_REQUEST_ROLES, COUNT_ROLES, user_has_role
from wms.inventory import admin as inventory_admin
from wms.inventory.models import Location
from wms.inventory.services import ADJUST_ROLES

from .forms import CountForm, CountReviewForm
from .models import CountLine, CountTask
from .selectors import count_task_lines
from .services import (
    count_task_approve,
    count_task_counts_save,
    count_task_reject,
    count_task_scan,
    count_task_submit,
    count_tasks_request,
)

State = CountTask.State


class CountLineInline(ReadOnlyTabularInline):
    model = CountLine
    fields = ("product", "counted", "expected", "variance")
    readonly_fields = fields

    @admin.display(description="Variance")
    def variance(self, obj):
        return "-" if obj.variance is None else f"{obj.variance:+d}"

    def get_fields(self, request, obj=None):
        # Counting is blind: what the system expected is for Supervisors only.
        if user_has_role(request.user, *ADJUST_ROLES):
            return self.fields
        return ("product", "counted")

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)


@admin.register(CountTask)
class CountTaskAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "location", "state", "origin", "created_at", "created_actor", "counted_by", "counted_at",
                    "approved_by", "next_step")
    list_filter = ("state", "origin", "location__warehouse")
    list_select_related = ("location", "counted_by", "approved_by")
    search_fields = ("=location__code", "=location__barcode")
    inlines = [CountLineInline]
    readonly_fields = ("location", "state", "origin", "note", "recount_of", "created_at", "created_actor",
                       "started_at", "counted_at", "counted_by", "approved_at", "approved_by", "rejected_at",
                       "rejected_by", "reason_code", "reason_note")
    fields = readonly_fields

    @admin.display(description="Next step")
    def next_step(self, obj):
        if obj.state == State.OPEN:
            return format_html('<a class="button" href="{}">Count</a>',
                               reverse("admin:counts_counttask_count", args=[obj.pk]))
        return "-"

    @admin.display(description="Next step")
    def next_step_review(self, obj):
        if obj.state == State.COUNTED:
            return format_html('<a class="button" href="{}">Review…</a>',
                               reverse("admin:counts_counttask_review", args=[obj.pk]))
        return self.next_step(obj)

    def get_list_display(self, request):
        # A counter is offered the count; only a Supervisor the review of a variance.
        if user_has_role(request.user, *ADJUST_ROLES):
            return (*self.list_display[:-1], "next_step_review")
        return self.list_display

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/count/", view(self.count_view), name="counts_counttask_count"),
            path("<path:object_id>/review/", view(self.review_view), name="counts_counttask_review"),
            *super().get_urls(),
        ]

    def _context(self, request, **extra):
        return {**self.admin_site.each_context(request), "opts": self.opts, **extra}

    def change_view(self, request, object_id, form_url="", extra_context=None):
        task = self.get_object(request, object_id)
        extra_context = {**(extra_context or {}),
                         "can_count": task is not None and task.state == State.OPEN
                         and user_has_role(request.user, *COUNT_ROLES),
                         "can_review": task is not None and task.state == State.COUNTED
                         and user_has_role(request.user, *ADJUST_ROLES)}
        return super().change_view(request, object_id, form_url, extra_context)

    # --- The blind count screen ------------------------------------------------------------------------------

    def count_view(self, request, object_id):
        task = floor_object_get(self, request, CountTask.objects.select_related("location"), object_id,
                                roles=COUNT_ROLES)
        form = CountForm(request.POST if request.method == "POST" else None, lines=count_task_lines(task=task))
        if request.method == "POST":
            answer = floor_form_post(self, request, form, lambda: self._count_post(request, task, form))
            if answer is not None:
                return answer
            task.refresh_from_db()
        lines = list(count_task_lines(task=task))
        for line in lines:
            line.counted_field = field_view(form, form.counted_name(line), label="Counted",
                                            default="" if line.counted is None else line.counted)
        started, code = task.started_at is not None, task.location.code
        units = sum(line.counted or 0 for line in lines)
        return TemplateResponse(request, "admin/counts/counttask/count.html", self._context(
            request, task=task, lines=lines, open=task.state == State.OPEN, started=started,
            title=f"Count bin {code}",
            next=None if task.state != State.OPEN else
            {"label": f"Counting bin {code}", "big": f"{units} units counted",
             "detail": "Scan every item in the bin."} if started else
            {"label": "Go to bin", "big": code, "detail": "Scan its label to start counting."},
            scan={"label": "Scan the bin, then each item" if not started else "Scan each item",
                  "code": typed(form, "code"), "quantity": typed(form, "quantity", 1), "placeholder": "bin or item",
                  "errors": field_error_texts(form, "code", "quantity")}))

    def _count_post(self, request, task, form: CountForm) -> HttpResponse:
        counts = form.counts()
        try:
            if counts:
                count_task_counts_save(task=task, counts=counts, actor=request.user)
            code = form.cleaned_data["code"]
            if code:
                line = count_task_scan(task=task, code=code, quantity=form.cleaned_data["quantity"],
                                       actor=request.user)
                self.message_user(request, f"Bin {task.location.code}: count the items." if line is None else
                                  f"{line.product.sku_id}: {line.counted} counted.", messages.SUCCESS)
            if form.cleaned_data["finish"]:
                task = count_task_submit(task=task, actor=request.user)
                if task.state == State.APPROVED:
                    self.message_user(request, f"Bin {task.location.code} counted: no difference, closed.",
                                      messages.SUCCESS)
                else:
                    self.message_user(request, f"Bin {task.location.code} counted: a Supervisor reviews the "
                                               "difference.", messages.WARNING)
                return redirect(reverse("admin:counts_counttask_changelist") + "?state__exact=OPEN")
        except DomainError as exc:
            if exc.errors:
                form.service_errors(exc.errors)
            self.message_user(request, domain_error_message(exc), messages.ERROR)
            return None
        return redirect(reverse("admin:counts_counttask_count", args=[task.pk]))

    # --- The Supervisor's review -----------------------------------------------------------------------------

    def review_view(self, request, object_id):
        task = floor_object_get(self, request, CountTask.objects.select_related("location"), object_id,
                                roles=ADJUST_ROLES)
        form = CountReviewForm(request.POST if request.method == "POST" else None)
        if request.method == "POST":
            if form.is_valid():
                data = form.cleaned_data
                try:
                    if data["approve"]:
                        count_task_approve(task=task, reason=data["reason"], note=data["note"], actor=request.user)
                        self.message_user(request, f"Count #{task.pk} of {task.location.code} approved: the "
                                                   "variance is booked.", messages.SUCCESS)
                    else:
                        recount = count_task_reject(task=task, note=data["note"], actor=request.user)
                        self.message_user(request, f"Count #{task.pk} rejected: bin {task.location.code} is to be "
                                                   f"counted again (count #{recount.pk}).", messages.WARNING)
                except DomainError as exc:
                    form.service_errors(exc.errors or {None: [domain_error_message(exc)]})
                else:
                    return redirect(reverse("admin:counts_counttask_changelist") + "?state__exact=COUNTED")
            form_errors_report(request, form)
            task.refresh_from_db()
        return TemplateResponse(request, "admin/counts/counttask/review.html", self._context(
            request, task=task, lines=list(count_task_lines(task=task)), form=form,
            open=task.state == State.COUNTED, title=f"Review count #{task.pk} of bin {task.location.code}"))


# --- "Request a count" on the Locations list ------------------------------------------------------------------

admin.site.unregister(Location)


@admin.register(Location)
class LocationAdmin(inventory_admin.LocationAdmin):
    actions = (*(inventory_admin.LocationAdmin.actions or ()), "count_request")

    @admin.action(description="Request a count of the selected bins", permissions=["view"])
    def count_request(self, request, queryset):
        if not user_has_role(request.user, *COUNT_REQUEST_ROLES):
            self.message_user(request, "Requesting counts needs the Supervisor role.", messages.ERROR)
            return
        try:
            opened = count_tasks_request(location_ids=list(queryset.values_list("pk", flat=True)),
                                         actor=request.user)
        except DomainError as exc:
            self.message_user(request, domain_error_message(exc), messages.ERROR)
            return
        skipped = queryset.count() - len(opened)
        self.message_user(request, f"{len(opened)} count task(s) opened"
                                   + (f"; {skipped} bin(s) had one open already." if skipped else "."),
                          messages.SUCCESS)
