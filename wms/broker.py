"""The embedded broker's transport: kombu's SQLAlchemy transport, safe when several processes start at once.

kombu's channel creates its tables and its queue row on first use, guarded by a lock that only serialises the
threads of one process. Two processes that publish to a fresh broker file at the same moment both insert the
queue row; the loser's ``IntegrityError`` is not one of the transport's connection errors, so Celery does not
retry it and the task is lost (the stress test in ``tests/faults/test_embedded_broker.py`` caught it). Here the
loser rolls back and reads the row the winner wrote, and a table another process created first is not an error.

``sqlite_connect`` opens the broker file for SQLAlchemy (a connection per transaction): WAL, a busy timeout, and a
fresh file switched to WAL safely while other processes open it too (web, worker and beat start at once).

``wms/settings.py`` points kombu's ``sqla`` scheme at this module, so the URL stays the one kombu documents."""

import sqlite3
import time

from kombu.transport import sqlalchemy as kombu_sqlalchemy
from sqlalchemy.exc import IntegrityError, OperationalError

BUSY_TIMEOUT_SECONDS = 30
_WAL_SWITCH_PAUSE_SECONDS = 0.01


def sqlite_connect(path: str, timeout: float = BUSY_TIMEOUT_SECONDS) -> sqlite3.Connection:
    """A connection to the broker file in WAL mode; each statement waits up to ``timeout`` for a lock.

    The first ``PRAGMA journal_mode=WAL`` on a new file reads it, then upgrades to a write lock. SQLite never
    waits for that upgrade (the busy timeout does not apply: it would deadlock against another reader doing the
    same), so a process switching the file while another one does fails at once with "database is locked". Once
    one has switched, the file stays in WAL and the pragma only reads it: here the loser tries again, with the
    timeout as its bound, and finds the file in WAL."""
    # A kombu channel (and its SQLAlchemy session) may serve one thread after another.
    connection = sqlite3.connect(path, timeout=timeout, check_same_thread=False)
    deadline = time.monotonic() + timeout
    while True:
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            return connection
        except sqlite3.OperationalError as exc:
            if "database is locked" not in str(exc) or time.monotonic() >= deadline:
                connection.close()
                raise
            time.sleep(_WAL_SWITCH_PAUSE_SECONDS)


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
