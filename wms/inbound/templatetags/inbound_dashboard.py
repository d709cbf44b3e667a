from django import template
from django.urls import reverse

from wms.inbound.selectors import inbound_dashboard_counts

register = template.Library()


@register.inclusion_tag("admin/_work_tiles.html", takes_context=True)
def inbound_dashboard(context):
    user = context["request"].user
    if not user.has_perm("inbound.view_inboundorder"):
        return {"tiles": []}
    base = reverse("admin:inbound_inboundorder_changelist")
    tiles = [{**row, "link": f"{base}?{row['query']}"} for row in inbound_dashboard_counts()]
    return {"title": "Inbound", "tiles": tiles}
