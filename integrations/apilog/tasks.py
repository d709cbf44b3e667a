from celery import shared_task

from .services import exchange_prune


@shared_task(ignore_result=True)
def apilog_prune() -> int:
    return exchange_prune()
