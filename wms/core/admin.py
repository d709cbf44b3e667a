"""Shared admin pieces: read-only bases for rows that only services may write, and the floor pages' helpers."""

from collections.abc import Callable

from django.contrib import admin, messages
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import reverse

from .errors import DomainError


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


def order_action_post(modeladmin, request, object_id, *, order_for: Callable, act: Callable, done: str) -> HttpResponse:
    """A POST-only button of an order page (get the label, ship, retry a callback): runs ``act(order=..., user=...)``
    on ``order_for(request, object_id)``, says ``done`` (formatted with ``order``) or why it was refused, and goes back
    to the order's page."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    order = order_for(request, object_id)
    try:
        act(order=order, user=request.user)
    except DomainError as exc:
        modeladmin.message_user(request, domain_error_message(exc), messages.ERROR)
    else:
        modeladmin.message_user(request, done.format(order=order), messages.SUCCESS)
    opts = modeladmin.opts
    return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[order.pk]))
