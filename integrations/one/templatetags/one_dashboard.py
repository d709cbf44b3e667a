from django import template
from django.urls import reverse

from ..selectors import publications_overview

register = template.Library()


@register.inclusion_tag("admin/one/_dashboard.html")
def one_dashboard():
    """Admin home: per published warehouse, when stock last reached ONE and how many changes wait."""
    return {"publications": publications_overview(),
            "publications_url": reverse("admin:one_onepublication_changelist"),
            "runs_url": reverse("admin:one_onesyncrun_changelist")}
