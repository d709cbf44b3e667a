from celery import shared_task

from wms.core.actors import ALLOCATION, BACKORDERS
from wms.core.db import TransactionConflict

from . import services

# A transaction that kept meeting deadlocks after its own quick re-runs (wms.core.db): the task tries again later
# instead of dying, so no backordered order waits for the next sweep.
RETRY = {"autoretry_for": (TransactionConflict,), "retry_backoff": True, "retry_jitter": True, "max_retries": 5}


@shared_task(ignore_result=True, **RETRY)
def outbound_backorders_allocate(warehouse_id: int) -> list[str]:
    return services.outbound_backorders_allocate(warehouse_id=warehouse_id, actor=BACKORDERS)


@shared_task(ignore_result=True, **RETRY)
def outbound_backorders_sweep() -> dict[str, list[str]]:
    return services.outbound_backorders_sweep(actor=BACKORDERS)


# One order's allocation after its answer: what a push queued before its wakes were coalesced (a message still in
# the broker after an upgrade is served).
@shared_task(ignore_result=True, **RETRY)
def outbound_order_allocate_created(order_id: int) -> None:
    services.outbound_order_allocate_created(order_id=order_id, actor=ALLOCATION)


# Woken by the commits of orders allocated after their answer (coalesced per web process), and run by the beat.
@shared_task(ignore_result=True, **RETRY)
def outbound_created_sweep() -> list[str]:
    return services.outbound_created_sweep(actor=ALLOCATION)
