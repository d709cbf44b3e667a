"""Shared admin pieces: read-only bases for rows that only services may write."""

from django.contrib import admin


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
