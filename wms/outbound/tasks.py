from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def outbound_backorders_allocate(warehouse_id: int) -> list[str]:
    return services.outbound_backorders_allocate(warehouse_id=warehouse_id)


@shared_task(ignore_result=True)
def outbound_backorders_sweep() -> dict[str, list[str]]:
    return services.outbound_backorders_sweep()
