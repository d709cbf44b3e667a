"""Retention: the ONE history past its age goes, in batches."""

from datetime import timedelta

from django.conf import settings
from django.db.models import BigIntegerField, Max, Q
from django.db.models.functions import Cast
from django.utils import timezone

from wms.core.batches import in_batches
from wms.outbox.models import OutboxMessage

from ..models import OnePublication, OneReconciliation, OneSyncRun

RunStatus = OneSyncRun.Status
Aggregate = OutboxMessage.Aggregate


def one_history_prune(*, older_than_days: int | None = None, empty_older_than_hours: int | None = None,
                      batch_size: int = 1000) -> dict[str, int]:
    """Delete the ONE history past its retention. Returns how many runs and reconciliations went.

    - Finished runs older than ``ONE_HISTORY_RETENTION_DAYS``, with their chunks (request bodies) and their outbox
      messages (whose state the chunks repeat). A run whose messages are still to be sent stays, and so does a
      warehouse's active run.
    - Runs that found nothing to send (most incremental ticks: about 720 a day per warehouse) older than
      ``ONE_EMPTY_RUN_RETENTION_HOURS``: the publication keeps the time of its last success.
    - Reconciliations older than the retention, with their drifts, except each warehouse's latest one.
    """
    now = timezone.now()
    days = settings.ONE_HISTORY_RETENTION_DAYS if older_than_days is None else older_than_days
    hours = settings.ONE_EMPTY_RUN_RETENTION_HOURS if empty_older_than_hours is None else empty_older_than_hours
    messages = OutboxMessage.objects.filter(
        kind=OutboxMessage.Kind.ONE_STOCK_PUSH, aggregate_type=Aggregate.ONE_SYNC_RUN)
    # Read again for every batch: a message staff retry meanwhile keeps its run.
    unsent = (messages.exclude(status__in=(OutboxMessage.Status.SENT, OutboxMessage.Status.DEAD))
              .values(run_id=Cast("aggregate_id", BigIntegerField())))
    active = OnePublication.objects.filter(active_run__isnull=False).values_list("active_run_id", flat=True)
    runs = (
        OneSyncRun.objects.exclude(status__in=OneSyncRun.OPEN_STATUSES).exclude(pk__in=active)
        .exclude(pk__in=unsent)
        .filter(Q(finished_at__lt=now - timedelta(days=days))
                | Q(chunks_total=0, status=RunStatus.SUCCEEDED, finished_at__lt=now - timedelta(hours=hours)))
    )

    def runs_delete(ids: list[int]) -> int:
        deleted = OneSyncRun.objects.filter(pk__in=ids).delete()[1].get(OneSyncRun._meta.label, 0)  # and chunks
        messages.filter(aggregate_id__in=[str(run_id) for run_id in ids]).delete()  # no chunk points at them now
        return deleted

    latest = OneReconciliation.objects.values("publication_id").annotate(latest=Max("pk")).values("latest")
    reconciliations = (OneReconciliation.objects.exclude(status=OneReconciliation.Status.RUNNING)
                       .filter(started_at__lt=now - timedelta(days=days)).exclude(pk__in=latest))

    def reconciliations_delete(ids: list[int]) -> int:
        return OneReconciliation.objects.filter(pk__in=ids).delete()[1].get(OneReconciliation._meta.label, 0)

    return {
        "runs": in_batches(runs, batch_size=batch_size, act=runs_delete),
        "reconciliations": in_batches(reconciliations, batch_size=batch_size, act=reconciliations_delete),
    }
