from django import template
from django.urls import NoReverseMatch, reverse

from wms.outbound.selectors import outbound_dashboard_counts, outbound_shipped_today_count

register = template.Library()


@register.inclusion_tag("admin/_work_tiles.html", takes_context=True)
def outbound_dashboard(context):
    """The outbound piles of work, each a count linking to the list that holds it."""
    user = context["request"].user
    tiles = []
    for row in outbound_dashboard_counts():
        if not user.has_perm(f"{row['app']}.view_{row['model']}"):
            continue
        try:
            link = reverse(f"admin:{row['app']}_{row['model']}_changelist") + "?" + row["query"]
        except NoReverseMatch:
            link = ""
        tiles.append({**row, "link": link})
    if user.has_perm("outbound.view_outboundorder"):
        tiles.append({"label": "Shipped today", "count": outbound_shipped_today_count(), "link": ""})
    return {"title": "Outbound", "tiles": tiles}
