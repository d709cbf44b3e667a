"""Row locks and transaction retries: the domain's one lock order, and what happens when a database still says no.

Lock order
----------
A transaction takes row locks only in this order, and every service follows it:

1. **One aggregate root row**: the outbound or inbound order, the outbox message, the ONE publication, a putaway
   task (``putaway_task_complete``: the task, then the level and location stocks of its transfer), the product
   (a product batch locks its products in ``sku_id`` order). A put-back locks its *order* first, a ONE sync run
   its *publication* first. An order's creation or update first locks the products its lines name, in ``sku_id`` order
   as a product sync does (``wms.catalog.selectors.order_items_resolve``: no sync may move one of them to another
   merchant before the order commits), then writes the order; these products are its roots. An outbound order's
   creation (the intake's hot path, ``wms.outbound.selectors.outbound_intake_resolve``) takes them ``FOR SHARE``
   instead (``wms.core.statements.lock_clause(share=True)``; the ORM has no share lock): a product sync's
   ``FOR NO KEY UPDATE`` still waits for it, but two pushes naming the same products no longer wait for each
   other. Nothing in that transaction locks those products again.
2. **That root's own rows** (order lines, put-back tasks, ONE runs and chunks), after the root. A transaction
   that locks one such row and nothing else (resolving a short pick) may take it alone.
3. **Stock levels**, last, all of them in one statement ordered by primary key
   (``wms.inventory.services._levels_lock``). One exception: an outbound order being *created* may lock its levels
   before it writes the order and its lines (``outbound_order_create`` decides the reservation first and writes the
   order as ALLOCATED or BACKORDERED at once): those rows are new, no other transaction can see them, so none can
   wait for them. After them a move may only write rows that no transaction locks
   before a stock level: the receivers of ``stock_levels_changed`` (the ONE change capture upserts its rows there,
   in product order; the ONE sync takes those rows up under its publication and never locks a level).
4. **Location stocks** (``LocationStock``: units of a product in one bin), after the levels of their products, all of
   them in one statement ordered by primary key (``wms.inventory.services._location_stocks_lock``). The level of a
   product is always locked before any of its location stocks, even by a transfer that does not move the level, so
   that the level's lock serialises everything that moves that product in that warehouse. Reservations
   (``stock_reserve`` / ``stock_release``) name no location and take no location lock. Location rows themselves
   (codes, blocked flags) are read, and locked only to block or unblock a bin (``location_block`` after a short
   pick, ``location_count_close`` when a count closes): after the transaction's root (the order; the count task,
   which is a root like an order) and before any level. Nothing that holds a level waits for a location row.

Never more than one root per transaction: backorder re-allocation, which serves many orders oldest first, gives
each order its own transaction, so it never holds one order while waiting for another.

No lock is ever taken on the rows a locked row merely points to (warehouse, product, owner, user). Every lock goes
through :func:`lock_for_update`, which is ``select_for_update(of=("self",), no_key=True)``, or, in the few reads of
the hot paths written as SQL, through ``wms.core.statements.lock_clause``, which says the same (or ``FOR SHARE``):

- ``of=("self",)``: PostgreSQL's ``FOR UPDATE`` locks every table of the query, so a ``select_related`` would also
  lock the warehouse (or product...) row, out of the order above. This was the deadlock of issue 13.
- ``no_key=True``: ``FOR NO KEY UPDATE`` is the lock an ``UPDATE`` that keeps the primary key takes anyway. Unlike
  ``FOR UPDATE`` it does not conflict with the ``FOR KEY SHARE`` lock of a foreign-key check, which PostgreSQL takes
  on the referenced row when a child row is inserted (at COMMIT: Django's foreign keys are deferred). So locking an
  order or a product never blocks, nor is blocked by, a stock move or a line written for it. No code changes a
  primary key.

SQLite has no row locks (a write locks the whole database), so none of this is emitted there.

Retries
-------
Two transactions can still conflict in ways no order prevents (a deadlock inside an index, a serialization
failure). :func:`atomic_with_retry` runs a function in a transaction and, on a deadlock (SQLSTATE 40P01), a
serialization failure (40001), SQLite's "database is locked" or a :class:`ConcurrentDuplicate` (a unique row a
concurrent transaction committed first), rolls it back and runs it again as a whole, a few times, after a short
random pause, logging a WARNING each time. Only the outermost transaction can be re-run (inside an enclosing
``atomic`` block the work before it would be lost), so there it runs once and any error propagates to the
outermost caller. Right inside a transaction that ``atomic_with_retry`` itself runs, such a nested call takes no
savepoint (two round trips that nothing would use), so a service that must decide something (a reservation that
cannot be met) decides it before writing instead of catching an error. When the attempts are exhausted it raises
:class:`TransactionConflict`: the intake answers "busy, retry later" and the Celery tasks retry themselves.
"""

import functools
import logging
import random
import sqlite3
import time

from django.db import DEFAULT_DB_ALIAS, OperationalError, transaction
from django.db.models import QuerySet

logger = logging.getLogger(__name__)

ATTEMPTS = 5
BACKOFF_BASE_SECONDS = 0.02
BACKOFF_MAX_SECONDS = 0.5
RETRYABLE_SQLSTATES = {"40P01": "deadlock", "40001": "serialization failure"}
# The largest value of an IntegerField/PositiveIntegerField column on every backend we run (PostgreSQL ``integer``):
# a service refuses a value past it by name instead of letting the database fail the write.
INTEGER_COLUMN_MAX = 2_147_483_647


class TransactionConflict(OperationalError):
    """A transaction kept conflicting with concurrent ones after every attempt; nothing of it was written."""


class ConcurrentDuplicate(Exception):
    """A row this transaction inserts was committed first by a concurrent one (a unique key): the transaction is
    run again as a whole and then finds that row. Raised instead of catching the ``IntegrityError`` in a savepoint,
    which the hot path does not pay for."""


# Marks the atomic blocks atomic_with_retry opened without a savepoint of their own (see ``run`` below).
_OWNED = "wms_atomic_with_retry"


def lock_for_update(queryset: QuerySet, *, skip_locked: bool = False) -> QuerySet:
    """``queryset`` locking only its own table's rows, with the lock an ordinary UPDATE takes (see the module doc).
    ``skip_locked``: rows another transaction holds are left out instead of waited for (workers sharing a queue of
    rows, each taking the ones nobody has)."""
    return queryset.select_for_update(of=("self",), no_key=True, skip_locked=skip_locked)


def _causes(exc: BaseException | None):
    """``exc`` and the errors it was raised from: Django re-raises the driver's error as its own, "from" the
    original."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__


def conflict_reason(exc: BaseException | None) -> str | None:
    """Why ``exc`` (or a database error it wraps) is a conflict a re-run can get past, or None if it is not."""
    for cause in _causes(exc):
        sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
        if sqlstate in RETRYABLE_SQLSTATES:
            return RETRYABLE_SQLSTATES[sqlstate]
        if isinstance(cause, sqlite3.OperationalError) and "database is locked" in str(cause):
            return "database is locked"
        if isinstance(cause, ConcurrentDuplicate):
            return "concurrent duplicate"
    return None


def unique_violation(exc: BaseException | None) -> bool:
    """``exc`` (or the driver's error it wraps) is a unique key refused (SQLSTATE 23505, SQLite's "UNIQUE constraint
    failed"), not another integrity error (a CHECK, a foreign key): only that one means "written concurrently"."""
    return any(getattr(cause, "sqlstate", None) == "23505"
               or (isinstance(cause, sqlite3.IntegrityError) and str(cause).startswith("UNIQUE constraint failed"))
               for cause in _causes(exc))


def _pause(attempt: int) -> float:
    return random.uniform(0, min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** attempt))


def atomic_with_retry(func=None, *, attempts: int = ATTEMPTS, using: str = DEFAULT_DB_ALIAS):
    """Decorator: run ``func`` in one transaction, re-run as a whole on a deadlock or serialization failure.

    Usable bare (``@atomic_with_retry``) or with options (``@atomic_with_retry(attempts=3)``), or to call a
    function once: ``atomic_with_retry(service)(**kwargs)``.
    """
    if attempts < 1:
        raise ValueError("a transaction is attempted at least once")
    if func is None:
        return functools.partial(atomic_with_retry, attempts=attempts, using=using)

    @functools.wraps(func)
    def run(*args, **kwargs):
        connection = transaction.get_connection(using)
        if connection.in_atomic_block:
            # Not the outermost transaction: a re-run here could not undo the enclosing block's own work. Right
            # inside a block this decorator opened, the call is plain code (no savepoint: an error dooms the whole
            # transaction, which is re-run or refused as a whole); inside any other atomic block (an admin
            # action's, a test's) it keeps its savepoint, so that its caller may catch its error and go on.
            enclosing = connection.atomic_blocks[-1] if connection.atomic_blocks else None
            owned = getattr(enclosing, _OWNED, False)
            block = transaction.atomic(using=using, savepoint=not owned)
            setattr(block, _OWNED, owned)
            with block:
                return func(*args, **kwargs)
        name = getattr(func, "__qualname__", repr(func))
        for attempt in range(1, attempts + 1):
            committed = []
            block = transaction.atomic(using=using)
            setattr(block, _OWNED, True)  # the block itself, so that no commit hook or later block inherits it
            try:
                with block:
                    # Registered first, so it runs first after COMMIT: an error raised by a later commit hook
                    # must not re-run work that is already committed.
                    transaction.on_commit(lambda done=committed: done.append(True), using=using)
                    return func(*args, **kwargs)
            except Exception as exc:
                reason = conflict_reason(exc)
                if reason is None or committed:
                    raise
                if attempt == attempts:
                    logger.error("transaction %s: %s on each of %d attempts, given up: %s", name, reason, attempts,
                                 str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
                    raise TransactionConflict(f"{name}: {reason} on each of {attempts} attempts") from exc
                pause = _pause(attempt)
                logger.warning("transaction %s: %s (attempt %d of %d), run again in %.3f s", name, reason, attempt,
                               attempts, pause)
                time.sleep(pause)

    return run
