import logging
import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wms.settings")

logger = logging.getLogger(__name__)

app = Celery("wms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _event_source_enter(**kwargs) -> None:
    from wms.core.events import task_source_enter  # the apps are loaded once a task runs

    task_source_enter(**kwargs)


@task_postrun.connect
def _event_source_leave(**kwargs) -> None:
    from wms.core.events import task_source_leave

    task_source_leave(**kwargs)


def embedded_broker_drop_delivered(connection) -> None:
    """kombu's SQLAlchemy transport keeps each delivered message as an invisible row and never reads it again (an
    ack touches no row; a warm shutdown puts unacked messages back as new rows), so deleting them is always safe.
    Other transports delete on delivery: nothing to do."""
    if connection.transport.driver_name != "sqlalchemy":
        return
    channel = connection.default_channel
    try:
        delivered = channel.message_cls.visible == False  # noqa: E712 (an SQL expression)
        dropped = channel.session.query(channel.message_cls).filter(delivered).delete(synchronize_session=False)
        channel.session.commit()
    except connection.connection_errors as exc:  # the file is busy: the next start does it
        channel.session.rollback()
        logger.warning("could not drop delivered messages from the embedded broker: %s", exc)
    else:
        logger.info("dropped %d delivered messages from the embedded broker", dropped)


@worker_ready.connect
def _drop_delivered_at_worker_start(**kwargs) -> None:
    # Done at each worker start, it keeps the embedded broker's file from growing forever.
    with app.connection_for_write() as connection:
        embedded_broker_drop_delivered(connection)
