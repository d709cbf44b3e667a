"""Thin Celery tasks: ids in, one service call. The schedule (django-celery-beat) is created by migration
``0002_schedules`` and is editable in admin."""

import logging

from celery import shared_task

from wms.core.db import TransactionConflict
from wms.core.errors import DomainError

from . import services
from .models import OneSyncRun

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def one_sync_scheduled(purpose: str = OneSyncRun.Purpose.CHANGES) -> int:
    """Beat: ``CHANGES`` every 2 minutes, ``BASELINE`` nightly. Fans out one task per enabled warehouse."""
    return services.one_sync_fan_out(purpose=purpose)


# Still conflicting after the transactions' own re-runs (wms.core.db): the task runs again later instead of dying.
@shared_task(ignore_result=True, autoretry_for=(TransactionConflict,), retry_backoff=True, retry_jitter=True,
             max_retries=5)
def one_sync_publication(publication_id: int, purpose: str = OneSyncRun.Purpose.CHANGES,
                         trigger: str = "SCHEDULE") -> None:
    try:
        services.one_sync_start(publication_id=publication_id, purpose=purpose, trigger=trigger)
    except DomainError as exc:  # busy or disabled: the next tick tries again; nothing is lost (the cursor waits)
        logger.info("ONE sync of publication %s not started: %s", publication_id, exc)


@shared_task(ignore_result=True)
def one_reconcile_scheduled() -> int:
    return services.one_reconcile_fan_out()


@shared_task(ignore_result=True)
def one_reconcile_publication(publication_id: int) -> None:
    services.one_reconcile(publication_id=publication_id)


@shared_task(ignore_result=True)
def one_history_prune() -> dict[str, int]:
    """Beat, daily: drop the sync runs and reconciliations past their retention."""
    return services.one_history_prune()
