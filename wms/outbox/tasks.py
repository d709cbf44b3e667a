from celery import shared_task

from . import services


@shared_task(acks_late=True, ignore_result=True)
def outbox_dispatch(message_id: int) -> None:
    services.outbox_message_dispatch(message_id=message_id)


@shared_task(ignore_result=True)
def outbox_sweep() -> int:
    return services.outbox_sweep()
