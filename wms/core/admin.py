"""Shared admin pieces: read-only bases for rows that only services may write, and the helpers every order page
and list action uses: the floor's object lookup (permission and role checked once), the POST-only order button,
and ``bulk_action``, the one way a list action runs a service on each selected row."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.apps import apps
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.html import format_html

from .errors import DomainError
from .forms import form_errors_report
from .models import OrderEvent
from .roles import user_has_role
from .timeline import actor_words


class ReadOnlyAdminMixin:
    """Rows written only by services (ledger, levels, logs): staff look, never type."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyTabularInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False


def domain_error_message(exc: DomainError) -> str:
    """A refusal as staff read it: the sentence, then each field's reason."""
    details = "; ".join(msg for msgs in exc.errors.values() for msg in msgs)
    return f"{exc.message}: {details}" if details and details != exc.message else exc.message


def roles_text(roles: Iterable[str]) -> str:
    return " or ".join(roles)


def floor_object_get(modeladmin, request, queryset: QuerySet, object_id, *, roles: tuple[str, ...]):
    """The row of a floor page or button (receive, pick, pack, ship...): 404 if there is none, refused unless the
    user may view it and holds one of ``roles`` (the service checks the role again, for the act itself)."""
    obj = get_object_or_404(queryset, pk=object_id)
    floor_role_check(modeladmin, request, obj, roles=roles)
    return obj


def floor_role_check(modeladmin, request, obj=None, *, roles: tuple[str, ...]) -> None:
    if not modeladmin.has_view_permission(request, obj) or not user_has_role(request.user, *roles):
        raise PermissionDenied(f"This needs the {roles_text(roles)} role.")


def floor_form_post(modeladmin, request, form, act: Callable[[], HttpResponse]) -> HttpResponse | None:
    """A floor page's POST (receive, pick, pack): the form's refusals, or the step's typed refusal, as messages and
    None (the page shows itself again with what was typed); else ``act()``'s answer (a redirect)."""
    if not form.is_valid():
        form_errors_report(request, form)
        return None
    try:
        return act()
    except DomainError as exc:
        modeladmin.message_user(request, domain_error_message(exc), messages.ERROR)
        return None


def order_action_post(modeladmin, request, object_id, *, order_for: Callable, act: Callable, done: str,
                      back: Callable | None = None) -> HttpResponse:
    """A POST-only button of an order page (get the label, ship, retry a callback): runs ``act(order=..., actor=...)``
    on ``order_for(request, object_id)`` as the logged-in user, says ``done`` (formatted with ``order``) or why it
    was refused, and goes back to the order's page (or to ``back(order)``, the floor screen the button is on)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    order = order_for(request, object_id)
    try:
        act(order=order, actor=request.user)
    except DomainError as exc:
        modeladmin.message_user(request, domain_error_message(exc), messages.ERROR)
    else:
        modeladmin.message_user(request, done.format(order=order), messages.SUCCESS)
    if back is not None:
        return redirect(back(order))
    opts = modeladmin.opts
    return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[order.pk]))


@dataclass(frozen=True)
class RowMessage:
    """What a bulk action says about one row besides "done" (``level``: a ``django.contrib.messages`` level)."""

    level: int
    text: str


def bulk_action(modeladmin, request, queryset: Iterable, act: Callable, *, done: str = "", name: Callable = str,
                roles: tuple[str, ...] = (), refused_level: int = messages.ERROR) -> int:
    """Run ``act(obj)`` (one service call, its own transaction) on each selected row, in ``queryset``'s order.

    A typed refusal (``DomainError``) of one row is one message naming that row (``name(obj)``), and the other rows
    go on; anything else is a bug and is not caught. ``act`` may return a ``RowMessage`` for that row (e.g.
    "backordered", "replayed as #12"); any other return value (the service's) is ignored. The rows done are
    counted in one ``done`` message (``done.format(n=...)``), if ``done`` is given. With ``roles``, a user holding
    none of them gets one refusal and nothing runs. Returns how many rows were done.
    """
    if roles and not user_has_role(request.user, *roles):
        modeladmin.message_user(request, f"This needs the {roles_text(roles)} role.", messages.ERROR)
        return 0
    done_count = 0
    for obj in queryset:
        try:
            outcome = act(obj)
        except DomainError as exc:
            modeladmin.message_user(request, f"{name(obj)}: {domain_error_message(exc)}", refused_level)
            continue
        done_count += 1
        if isinstance(outcome, RowMessage):
            modeladmin.message_user(request, outcome.text, outcome.level)
    if done_count and done:
        modeladmin.message_user(request, done.format(n=done_count), messages.SUCCESS)
    return done_count


# --- The orders' events (wms.core.events): a read-only list, like the stock ledger's -------------------------------

# Which order pages an event links to, by the URL names Django gives them (a name, not an import of the apps).
ORDER_CHANGE_URLS = {OrderEvent.OrderType.INBOUND: "admin:inbound_inboundorder_change",
                     OrderEvent.OrderType.OUTBOUND: "admin:outbound_outboundorder_change"}
# Whoever may view an order type sees its events (a Receiver inbound ones, a Picker outbound ones).
ORDER_VIEW_PERMISSIONS = {OrderEvent.OrderType.INBOUND: "inbound.view_inboundorder",
                          OrderEvent.OrderType.OUTBOUND: "outbound.view_outboundorder"}

# The order models and their merchant, by label (as above: no import of the order apps or the catalog).
ORDER_MODELS = {OrderEvent.OrderType.INBOUND: "inbound.InboundOrder",
                OrderEvent.OrderType.OUTBOUND: "outbound.OutboundOrder"}
OWNER_MODEL = "catalog.Owner"


class MerchantListFilter(admin.SimpleListFilter):
    """A list narrowed to one merchant (``catalog.Owner``, chosen by id): staff screens of one merchant show none of
    another's (issue 13 item 5). A subclass says which rows are that merchant's (``rows_of_owner``)."""

    title = "merchant"
    parameter_name = "merchant"

    def lookups(self, request, model_admin):
        owners = apps.get_model(OWNER_MODEL).objects.order_by("owner_code").values_list("pk", "owner_code")
        return [(str(pk), code) for pk, code in owners]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if not (value.isascii() and value.isdecimal() and len(value) <= 18):  # not an id: nobody's rows
            return queryset.none()
        return self.rows_of_owner(queryset, int(value))

    def rows_of_owner(self, queryset: QuerySet, owner_id: int) -> QuerySet:
        raise NotImplementedError


class OrderMerchantFilter(MerchantListFilter):
    """The events of one merchant's orders, inbound and outbound."""

    def rows_of_owner(self, queryset: QuerySet, owner_id: int) -> QuerySet:
        mine = Q()
        for order_type, label in ORDER_MODELS.items():
            orders = apps.get_model(label).objects.filter(owner_id=owner_id).values("pk")
            mine |= Q(order_type=order_type, order_id__in=orders)
        return queryset.filter(mine)


@admin.register(OrderEvent)
class OrderEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "order", "kind", "summary", "who", "source_words")
    list_filter = ("order_type", "kind", "source", "to_status", OrderMerchantFilter,
                   ("created_at", admin.DateFieldListFilter))
    search_fields = ("=order_no", "actor", "summary")
    readonly_fields = [field.name for field in OrderEvent._meta.fields]
    show_full_result_count = False  # the table only grows: no COUNT(*) of all of it on each page

    def get_queryset(self, request):
        types = [kind for kind, perm in ORDER_VIEW_PERMISSIONS.items() if request.user.has_perm(perm)]
        return super().get_queryset(request).filter(order_type__in=types)

    @admin.display(description="Order", ordering="order_no")
    def order(self, obj):
        url = reverse(ORDER_CHANGE_URLS[obj.order_type], args=[obj.order_id])
        return format_html('<a href="{}">{} {}</a>', url, obj.get_order_type_display(), obj.order_no)

    @admin.display(description="Who", ordering="actor")
    def who(self, obj):
        return actor_words(obj.actor)

    @admin.display(description="Source")
    def source_words(self, obj):
        words = f"{obj.get_source_display()}: {obj.source_detail}" if obj.source_detail else obj.get_source_display()
        return f"{words} (request log #{obj.exchange_id})" if obj.exchange_id else words
