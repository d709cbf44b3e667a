from django.db.models import QuerySet

from .models import CountLine, CountTask


def count_task_lines(*, task: CountTask) -> QuerySet:
    return CountLine.objects.filter(task=task).select_related("product").order_by("product__sku_id")


def count_tasks_live_for_location(*, location_id: int) -> QuerySet:
    return CountTask.objects.filter(location_id=location_id, state__in=CountTask.LIVE_STATES)


def count_dashboard_counts() -> dict[str, int]:
    """The open work of counting: bins to count, counts awaiting a Supervisor."""
    return {"to_count": CountTask.objects.filter(state=CountTask.State.OPEN).count(),
            "to_approve": CountTask.objects.filter(state=CountTask.State.COUNTED).count()}


def count_tasks_open(*, limit: int = 20) -> list[CountTask]:
    """Bins waiting to be counted, the oldest task first (the floor home's buttons)."""
    return list(CountTask.objects.filter(state=CountTask.State.OPEN).select_related("location")
                .order_by("created_at", "pk")[:limit])
