from celery import shared_task

from wms.core.actors import COUNTS
from wms.core.db import TransactionConflict

from . import services


@shared_task(ignore_result=True, autoretry_for=(TransactionConflict,), retry_backoff=True, max_retries=5)
def count_tasks_create_due() -> list[int]:
    """The beat's daily age rule: a count task for every bin not counted for COUNT_INTERVAL_DAYS."""
    return [task.pk for task in services.count_tasks_create_due(actor=COUNTS)]
