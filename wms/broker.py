"""The embedded broker's transport: kombu's SQLAlchemy transport, safe when several processes start at once.

kombu's channel creates its tables and its queue row on first use, guarded by a lock that only serialises the
threads of one process. Two processes that publish to a fresh broker file at the same moment both insert the
queue row; the loser's ``IntegrityError`` is not one of the transport's connection errors, so Celery does not
retry it and the task is lost (the stress test in ``tests/faults/test_embedded_broker.py`` caught it). Here the
loser rolls back and reads the row the winner wrote, and a table another process created first is not an error.

``wms/settings.py`` points kombu's ``sqla`` scheme at this module, so the URL stays the one kombu documents."""

from kombu.transport import sqlalchemy as kombu_sqlalchemy
from sqlalchemy.exc import IntegrityError, OperationalError


class Channel(kombu_sqlalchemy.Channel):
    def _open(self):
        try:
            return super()._open()
        except OperationalError as exc:
            if "already exists" not in str(exc):
                raise
            # Another process created a table between SQLAlchemy's check and its CREATE: check again.
            return super()._open()

    def _get_or_create(self, queue):
        try:
            return super()._get_or_create(queue)
        except IntegrityError:
            # Another process inserted the queue's row first: take the row it wrote.
            self.session.rollback()
            return self.session.query(self.queue_cls).filter(self.queue_cls.name == queue).one()


class Transport(kombu_sqlalchemy.Transport):
    Channel = Channel
