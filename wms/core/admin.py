"""Shared admin pieces: read-only bases for rows that only services may write."""

from django.contrib import admin

from .errors import DomainError, DomainValidationError


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


def scan_quantity(request) -> int:
    """Units per scan on the floor's scan forms (a carton of 12 is one scan and "12"); blank means one."""
    raw = (request.POST.get("quantity") or "1").strip()
    if not raw.isdigit():
        raise DomainValidationError(f"Quantity {raw!r} is not a whole number", errors={"quantity": [raw]})
    return int(raw)
