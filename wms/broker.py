"""The embedded broker's transport: kombu's SQLAlchemy transport, safe when several processes start at once.

kombu's channel creates its tables and its queue row on first use, guarded by a lock that only serialises the
threads of one process. Two processes that publish to a fresh broker file at the same moment both insert the
queue row; the loser's ``IntegrityError`` is not one of the transport's connection errors, so Celery does not
retry it and the task is lost (the stress test in ``tests/faults/test_embedded_broker.py`` caught it). Here the
loser rolls back and reads the row the winner wrote, and a table another process created first, or a file another
process wrote while this one created its tables, is not an error.

SQLite answers "database is locked" at once (without its busy timeout) when a transaction that has read must write
after another process wrote. kombu treats that ``OperationalError`` as a lost connection: it closes the channel
and reconnects. During a publish that also declares its queue (Celery's first publish of a process) kombu then
sends the message through the channel it had before the declare's retry, now closed, and the publish fails with
``AttributeError: 'NoneType' object has no attribute 'client'`` (a lost task; seen in CI). Here a lock is waited
out inside the channel (rolled back and tried again, bounded by the busy timeout), and a channel closed under a
publish still reaches the broker file, so any retry kombu makes succeeds.

``sqlite_connect`` opens the broker file for SQLAlchemy (a connection per transaction): WAL, a busy timeout, and a
fresh file switched to WAL safely while other processes open it too (web, worker and beat start at once).

``wms/settings.py`` points kombu's ``sqla`` scheme at this module, so the URL stays the one kombu documents."""

import functools
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


def _lock_waited_out(method):
    """Run a channel operation again, after a rollback, while SQLite says the file is locked (bounded)."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
        while True:
            try:
                return method(self, *args, **kwargs)
            except OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
                self._session_reset()
                time.sleep(_WAL_SWITCH_PAUSE_SECONDS)

    return wrapper


class _KeptTransport:
    """The one thing kombu's channel reads from its transport to open the broker file: the client (its URL and
    options), kept for a channel whose transport kombu has dropped."""

    def __init__(self, client):
        self.client = client


class Channel(kombu_sqlalchemy.Channel):
    def __init__(self, connection, **kwargs):
        # kombu forgets the transport when it closes a channel (``connection = None``), yet may still publish
        # through it (see the module's docstring): the broker's address is kept here for that case.
        self._conninfo = connection.client
        super().__init__(connection, **kwargs)

    def _open(self):
        connection = self.connection
        if connection is None:  # closed by kombu under a publish: open the broker file by the kept address
            self.connection = _KeptTransport(self._conninfo)
        deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
        try:
            while True:
                try:
                    return super()._open()
                except OperationalError as exc:
                    # Another process created a table between SQLAlchemy's check and its CREATE, or wrote the file
                    # between this transaction's read and its CREATE ("locked", not waited for by SQLite): check
                    # again (kombu keeps no engine from a failed open).
                    if not ("already exists" in str(exc) or "locked" in str(exc)) or time.monotonic() >= deadline:
                        raise
                    time.sleep(_WAL_SWITCH_PAUSE_SECONDS)
        finally:
            self.connection = connection

    def _session_reset(self) -> None:
        if self._session is None:
            return
        try:
            self._session.rollback()
        except Exception:  # a session that cannot even roll back is dropped; the next use opens a new one
            self._session.close()
            self._session = None

    _new_queue = _lock_waited_out(kombu_sqlalchemy.Channel._new_queue)
    _put = _lock_waited_out(kombu_sqlalchemy.Channel._put)
    _get = _lock_waited_out(kombu_sqlalchemy.Channel._get)
    _purge = _lock_waited_out(kombu_sqlalchemy.Channel._purge)
    _size = _lock_waited_out(kombu_sqlalchemy.Channel._size)

    def _get_or_create(self, queue):
        try:
            return super()._get_or_create(queue)
        except IntegrityError:
            # Another process inserted the queue's row first: take the row it wrote.
            self.session.rollback()
            return self.session.query(self.queue_cls).filter(self.queue_cls.name == queue).one()


class Transport(kombu_sqlalchemy.Transport):
    Channel = Channel
