from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from integrations.onewarehouse.profiles import profile_active
from integrations.onewarehouse.selectors import payload_drift
from wms.core.roles import Role, user_has_role

from .selectors import (
    PRODUCTION,
    SANDBOX,
    console_configuration,
    endpoint_health,
    go_live_checklists,
    go_live_runbook,
    merchants_new,
    outbox_environment_counts,
    placeholders_waiting,
    receiving_url_paths,
    signature_status,
)


def integration_console(request):
    """The Supervisor's integration page: URLs to hand to OneWarehouse, configuration, health, go-live checklist."""
    if not user_has_role(request.user, Role.SUPERVISOR):
        raise PermissionDenied
    checklists = go_live_checklists()
    checklist = checklists[SANDBOX]
    context = {
        **admin.site.each_context(request),
        "title": "Integration console",
        "receiving_urls": [(label, request.build_absolute_uri(path)) for label, path in receiving_url_paths()],
        "config": console_configuration(),
        "health": endpoint_health(),
        "merchants_new": merchants_new(),
        "signatures": signature_status(),
        "placeholders": placeholders_waiting(),
        "checklist": checklist,
        "production_checklist": checklists[PRODUCTION],
        "runbook": go_live_runbook(checklists),
        "outbox_environments": outbox_environment_counts(),
        "drift": payload_drift(),
        "drift_profile": profile_active().name,
        "ready_for_production": all(step["done"] for step in checklist),
    }
    return TemplateResponse(request, "console/integration_console.html", context)
