from django import template

from wms.core.floor import floor_sections
from wms.core.roles import user_has_role

register = template.Library()


@register.inclusion_tag("admin/floor/_home_link.html", takes_context=True)
def floor_home_link(context):
    """The admin home's way to the floor screens, for a user whose roles open at least one."""
    user = context["request"].user
    return {"show": any(user_has_role(user, *section.roles) for section in floor_sections())}
