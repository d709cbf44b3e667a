"""What the floor home offers counters: the bins to count, oldest task first."""

from django.urls import reverse

from wms.core.floor import FloorLink, FloorSection
from wms.core.roles import COUNT_ROLES

from .selectors import count_tasks_open


def _links(*, user) -> list[FloorLink]:
    return [FloorLink(f"Bin {task.location.code}", reverse("admin:counts_counttask_count", args=[task.pk]),
                      task.get_origin_display()) for task in count_tasks_open()]


COUNT_SECTION = FloorSection(
    key="count", title="Count", roles=COUNT_ROLES, order=70, help="Count the bins asked for, blind.",
    links=_links, more=lambda: reverse("admin:counts_counttask_changelist") + "?state__exact=OPEN")
