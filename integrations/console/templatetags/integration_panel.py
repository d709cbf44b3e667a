from django import template
from django.conf import settings
from django.urls import reverse

from wms.core.roles import Role, user_has_role
from wms.inbound.services import RECEIVING_ROLES
from wms.outbound.services import FLOOR_ROLES

from ..selectors import go_live_checklist

register = template.Library()


@register.inclusion_tag("console/integration_panel.html", takes_context=True)
def integration_panel(context):
    """Admin home: the integration links a Supervisor needs and, on a demo, the walkthrough with the simulators."""
    user = context["request"].user
    supervisor = user_has_role(user, Role.SUPERVISOR)
    # The checklist of the environment active now: the sandbox's self-test, then production's first real order.
    checklist = go_live_checklist(environment=settings.ONEWAREHOUSE_ENV) if supervisor else []
    return {
        "supervisor": supervisor,
        # Each step is a link only for whom may open it; the others read who does it (never a 403 dead end).
        "can_receive": user_has_role(user, *RECEIVING_ROLES),
        "can_ship": user_has_role(user, *FLOOR_ROLES),
        "simulators": settings.SIMULATORS_ENABLED,
        "console_url": reverse("integration-console"),
        "dashboard_url": reverse("supervisor-dashboard"),
        "request_log_url": reverse("admin:apilog_apiexchange_changelist"),
        "inbound_url": reverse("admin:inbound_inboundorder_changelist") + "?status__exact=CREATED",
        "outbound_url": reverse("admin:outbound_outboundorder_changelist"),
        "environment": settings.ONEWAREHOUSE_ENV,
        "checklist_done": sum(step["done"] for step in checklist),
        "checklist_total": len(checklist),
    }
