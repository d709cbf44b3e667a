"""Publishing stock to ONE: mappings, sync runs (built here, sent chunk by chunk through the outbox), and
reconciliation by read-back.

A run goes BUILDING → SENDING → SUCCEEDED | FAILED (or REFUSED at build). Its chunks are sent in order, each by its
own outbox message; the next chunk is queued when the previous one is sent, so a failed chunk stops its run
without leaving later messages stuck behind it. What ONE holds (``OneHeldStock``) is written as each chunk
succeeds; the changes a run took up (``changes``) are deleted only when every chunk is sent.
"""

import logging
import time
from collections.abc import Iterable, Iterator
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import BigIntegerField, Max, Q
from django.db.models.functions import Cast
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from wms.core.batches import in_batches
from wms.core.db import atomic_with_retry, lock_for_update
from wms.core.errors import Conflict, DomainError, DomainValidationError, ErrorCode
from wms.core.roles import Role, role_require
from wms.inventory.models import Warehouse
from wms.outbox.models import OutboxMessage
from wms.outbox.registry import PermanentSendError, RetryableSendError
from wms.outbox.services import outbox_message_dispatch, outbox_message_enqueue

from . import changes, selectors
from . import mapping as one_mapping
from .client import OneAuthError, OneClient, OneError, OneNotConfigured, OneRequestError, OneRetryableError
from .models import OneHeldStock, OneReconciliation, OneStockDrift, OneSyncChunk, OneSyncRun, OneWarehouseMapping

logger = logging.getLogger(__name__)

Mode = OneWarehouseMapping.Mode
RunMode = OneSyncRun.Mode
RunStatus = OneSyncRun.Status
ChunkStatus = OneSyncChunk.Status
Aggregate = OutboxMessage.Aggregate

# A run still BUILDING after this long died with its process; the lock is taken over.
BUILD_STALE_AFTER = timedelta(minutes=15)
RECONCILE_SKUS_PER_REQUEST = 100


class SyncBusy(Conflict):
    """Another sync of the warehouse is building or sending."""


class SyncRefused(DomainError):
    code = ErrorCode.INVALID_STATE


class Request:
    """What the caller asks for; the mapping's state decides the run's mode (see ``_run_mode``)."""

    TICK = "tick"  # the schedule: the changes since the last sync, by the mapping's endpoint
    BASELINE = "baseline"  # every flagged product (FULL: the PUT; INCREMENTAL: the baseline POSTs)
    RESYNC = "resync"  # selected products
    WITHDRAW = "withdraw"  # a disabled publication: remove every id ONE holds


def full_over_limit_message(*, warehouse_code: str, lines: int) -> str:
    return (f"Warehouse {warehouse_code} has {lines} flagged products, over ONE_MAX_LINES_PER_REQUEST "
            f"({settings.ONE_MAX_LINES_PER_REQUEST}). A FULL sync is one PUT that replaces the whole warehouse and "
            f"cannot be split: switch this warehouse to INCREMENTAL mode, which sends chunks of at most "
            f"{settings.ONE_MAX_LINES_PER_REQUEST} lines.")


# ==========================================================================================================
# Mappings
# ==========================================================================================================


@transaction.atomic
def one_mapping_create(*, warehouse: Warehouse, one_warehouse_id: str, mode: str = Mode.INCREMENTAL,
                       enabled: bool = True, user=None) -> OneWarehouseMapping:
    """Publish a warehouse to ONE. The first sync is a baseline (``baseline_needed``)."""
    role_require(user=user, roles=(Role.SUPERVISOR,), action="Mapping a warehouse to ONE")
    if not (one_warehouse_id or "").strip():
        raise DomainValidationError("a ONE warehouse id is required",
                                    errors={"one_warehouse_id": ["This field is required."]})
    mapping = OneWarehouseMapping(warehouse=warehouse, one_warehouse_id=one_warehouse_id.strip(), mode=mode,
                                  enabled=enabled)
    mapping.full_clean()
    mapping.save()
    return mapping


def one_mapping_enable(*, mapping: OneWarehouseMapping, enabled: bool, user=None) -> OneWarehouseMapping:
    """Enable (the next sync sends a baseline) or disable (ONE's stock of the warehouse is withdrawn) a
    publication."""
    if enabled:
        return one_mapping_enable_baseline(mapping_id=mapping.pk, user=user)
    return one_mapping_disable(mapping_id=mapping.pk, user=user)[0]


@atomic_with_retry
def one_mapping_enable_baseline(*, mapping_id: int, user=None) -> OneWarehouseMapping:
    """Publish again: the next sync sends every published product (a baseline), and removes what ONE still holds
    and should not."""
    role_require(user=user, roles=(Role.SUPERVISOR,), action="Enabling a ONE publication")
    mapping = lock_for_update(OneWarehouseMapping.objects).get(pk=mapping_id)
    if not mapping.enabled:
        mapping.enabled, mapping.baseline_needed = True, True
        mapping.save(update_fields=["enabled", "baseline_needed", "updated_at"])
        changes.changes_forget(mapping_id=mapping.pk)  # the baseline sends everything
    return mapping


@atomic_with_retry
def _mapping_disable(*, mapping_id: int) -> OneWarehouseMapping:
    mapping = lock_for_update(OneWarehouseMapping.objects).get(pk=mapping_id)
    if mapping.enabled:
        mapping.enabled = False
        mapping.save(update_fields=["enabled", "updated_at"])
        changes.changes_forget(mapping_id=mapping.pk)  # nothing more is captured; the withdraw removes all
    return mapping


def one_mapping_disable(*, mapping_id: int, user=None,
                        trigger: str = OneSyncRun.Trigger.ADMIN) -> tuple[OneWarehouseMapping, OneSyncRun | None]:
    """Stop publishing a warehouse: no more changes are sent, and a WITHDRAW run removes every id ONE holds for it.

    Returns the mapping and the withdraw run (None if ONE holds nothing, or if a run is still open: the schedule
    withdraws once it ends, every tick until ONE holds nothing). Disabling a disabled publication whose withdraw
    failed starts it again."""
    role_require(user=user, roles=(Role.SUPERVISOR,), action="Disabling a ONE publication")
    mapping = _mapping_disable(mapping_id=mapping_id)
    if not selectors.held_count(mapping_id=mapping.pk):
        return mapping, None
    try:
        run = one_sync_start(mapping_id=mapping.pk, request=Request.WITHDRAW, trigger=trigger)
    except SyncBusy as exc:
        logger.info("ONE withdraw of mapping %s waits for the open run: %s", mapping.pk, exc)
        return mapping, None
    return mapping, run


@transaction.atomic
def one_mapping_mode_switch(*, mapping_id: int, mode: str, user=None) -> OneWarehouseMapping:
    """Change the endpoint a warehouse is published by. ONE requires removing the warehouse's stock first and then
    a baseline with the new endpoint: the switch is marked pending and a sync is queued, which does both."""
    role_require(user=user, roles=(Role.SUPERVISOR,), action="Switching a warehouse's ONE mode")
    mapping = lock_for_update(OneWarehouseMapping.objects.select_related("warehouse")).get(pk=mapping_id)
    if mode not in Mode.values:
        raise DomainValidationError(f"unknown mode {mode!r}", errors={"mode": [f"Choose one of {Mode.values}."]})
    if mapping.mode == mode:
        raise SyncRefused(f"{mapping.warehouse.code} is already in {mode} mode")
    if mode == Mode.FULL:
        lines = selectors.flagged_stock_count(warehouse_id=mapping.warehouse_id)
        if lines > settings.ONE_MAX_LINES_PER_REQUEST:
            raise SyncRefused(full_over_limit_message(warehouse_code=mapping.warehouse.code, lines=lines))
    mapping.mode = mode
    mapping.switch_pending = True
    mapping.baseline_needed = True
    mapping.save(update_fields=["mode", "switch_pending", "baseline_needed", "updated_at"])
    transaction.on_commit(lambda: _sync_task_enqueue(mapping.pk, Request.TICK, OneSyncRun.Trigger.ADMIN))
    return mapping


def _sync_task_enqueue(mapping_id: int, request: str, trigger: str) -> None:
    from .tasks import one_sync_mapping

    try:
        one_sync_mapping.delay(mapping_id, request, trigger)
    except (BrokerError, OSError) as exc:  # the schedule's next tick does it (a pending switch is kept in the row)
        logger.warning("broker unavailable, ONE sync of mapping %s waits for the next tick: %s", mapping_id, exc)


def one_sync_fan_out(*, request: str = Request.TICK) -> int:
    """The schedule's entry point: one task per enabled mapping, so one warehouse's failure is its own, and one per
    disabled mapping ONE still holds stock of (its withdraw)."""
    ids = selectors.mapping_enabled_ids()
    for mapping_id in ids:
        _sync_task_enqueue(mapping_id, request, OneSyncRun.Trigger.SCHEDULE)
    withdrawing = selectors.mapping_withdrawing_ids()
    for mapping_id in withdrawing:
        _sync_task_enqueue(mapping_id, Request.WITHDRAW, OneSyncRun.Trigger.SCHEDULE)
    return len(ids) + len(withdrawing)


# ==========================================================================================================
# Sync runs: open (the lock), build (chunks), send (chunk by chunk), close
# ==========================================================================================================


def one_sync_start(*, mapping_id: int, request: str = Request.TICK, trigger: str = OneSyncRun.Trigger.SCHEDULE,
                   product_ids: Iterable[int] = ()) -> OneSyncRun:
    """Take the warehouse's lock and the changes waiting, build the chunks and queue the first one.

    Two transactions: the lock (with the changes it takes up) is visible to others at once, and the build commits
    its chunks with the first outbox message. Raises ``SyncBusy`` if a run is open.
    A run refused at build (FULL over the limit) is returned with status REFUSED and its message in ``error``.
    """
    run = _run_open(mapping_id=mapping_id, request=request, trigger=trigger)
    try:
        _run_build(run_id=run.pk, request=request, product_ids=list(product_ids))
    except Exception as exc:  # the run is closed with the reason, the lock released, and the error goes on up
        _run_close(run_id=run.pk, status=RunStatus.FAILED, error=f"build failed: {type(exc).__name__}: {exc}")
        raise
    run.refresh_from_db()
    return run


def _run_mode(*, mapping: OneWarehouseMapping, request: str) -> str:
    if not mapping.enabled:
        return RunMode.WITHDRAW
    if mapping.switch_pending:
        return RunMode.SWITCH
    if request == Request.RESYNC:
        return RunMode.FULL if mapping.mode == Mode.FULL else RunMode.RESYNC
    if mapping.mode == Mode.FULL:
        return RunMode.FULL
    if request == Request.BASELINE or mapping.baseline_needed:
        return RunMode.BASELINE
    return RunMode.INCREMENTAL


@atomic_with_retry
def _run_open(*, mapping_id: int, request: str, trigger: str) -> OneSyncRun:
    # Lock the mapping row alone, then read the active run in a statement of its own: a run committed by the
    # transaction we waited for is not in the snapshot of the locking statement (PostgreSQL, read committed).
    mapping = lock_for_update(OneWarehouseMapping.objects).get(pk=mapping_id)
    if not mapping.enabled and request != Request.WITHDRAW:
        raise SyncRefused(f"publication of {mapping.warehouse.code} to ONE is disabled")
    if mapping.enabled and request == Request.WITHDRAW:
        raise SyncRefused(f"publication of {mapping.warehouse.code} to ONE is enabled: disable it to withdraw")
    active = OneSyncRun.objects.filter(pk=mapping.active_run_id).first() if mapping.active_run_id else None
    if active is not None and active.status in OneSyncRun.OPEN_STATUSES:
        abandoned = _run_abandoned_reason(active)
        if not abandoned:
            raise SyncBusy(f"a sync of {mapping.warehouse.code} is already running (run #{active.pk}, "
                           f"{active.get_status_display().lower()})", data={"run_id": active.pk})
        OneSyncRun.objects.filter(pk=active.pk).update(status=RunStatus.FAILED, finished_at=timezone.now(),
                                                       error=abandoned)
    run = OneSyncRun.objects.create(mapping=mapping, mode=_run_mode(mapping=mapping, request=request),
                                    endpoint_mode=mapping.mode, trigger=trigger)
    if run.mode not in (RunMode.RESYNC, RunMode.WITHDRAW):
        # Before any stock is read (the build's own transaction): a change committed from now on is not taken up
        # by this run, so it waits for the next one.
        run.changes = changes.changes_claim(run=run)
        run.save(update_fields=["changes"])
    mapping.active_run = run
    mapping.save(update_fields=["active_run", "updated_at"])
    return run


def _run_abandoned_reason(run: OneSyncRun) -> str:
    """Why an open run can never finish (so its lock may be taken over), or "" if it still can."""
    if run.status == RunStatus.BUILDING and run.started_at < timezone.now() - BUILD_STALE_AFTER:
        return "abandoned while building (its process died)"
    dead = run.chunks.filter(outbox_message__status=OutboxMessage.Status.DEAD).values_list("seq", flat=True).first()
    if run.status == RunStatus.SENDING and dead is not None:
        return f"abandoned: the outbox gave chunk {dead} up"
    return ""


class _ChunkWriter:
    """Groups lines into requests of at most ``limit`` lines and writes each as soon as it is full, with what ONE
    will hold once it succeeds (``items``)."""

    def __init__(self, run: OneSyncRun, method: str, *, seq: int = 0):
        self.run, self.method, self.limit = run, method, settings.ONE_MAX_LINES_PER_REQUEST
        self.seq = seq
        self.stocks: list[str] = []
        self.removals: list[str] = []
        self.items_set: list[list] = []
        self.items_remove: list[list] = []
        self.lines = 0
        self.removed = 0

    def add_stock(self, product_id: int, sku: str, quantity: int) -> None:
        quantity = max(quantity, 0)
        self.stocks.append(one_mapping.stock_line_json(sku=sku, quantity=quantity))
        self.items_set.append([product_id, sku, quantity])
        self._maybe_flush()

    def add_stocks(self, rows: list[tuple[int, str, int]]) -> None:
        """``add_stock`` of each (product_id, sku, quantity) row, a request's worth at a time."""
        line = one_mapping.stock_line_json
        start = 0
        while start < len(rows):
            room = len(rows) - start
            if self.method == OneSyncChunk.Method.POST:
                room = min(room, self.limit - len(self.stocks) - len(self.removals))
            part = [(pid, sku, qty if qty > 0 else 0) for pid, sku, qty in rows[start:start + room]]
            self.stocks.extend([line(sku=sku, quantity=qty) for _pid, sku, qty in part])
            self.items_set.extend([list(row) for row in part])
            start += len(part)
            self._maybe_flush()

    def add_removal(self, product_id: int, sku: str) -> None:
        self.removals.append(one_mapping.removal_json(sku=sku))
        self.items_remove.append([product_id, sku])
        self._maybe_flush()

    def _maybe_flush(self) -> None:
        if self.method == OneSyncChunk.Method.POST and len(self.stocks) + len(self.removals) >= self.limit:
            self.flush()

    def flush(self, *, even_if_empty: bool = False) -> None:
        if not (self.stocks or self.removals or even_if_empty):
            return
        if self.method == OneSyncChunk.Method.PUT:
            body = one_mapping.replace_body(self.stocks)
            items = {"set": self.items_set, "remove": [], "replace": True}
        else:
            body = one_mapping.incremental_body(self.stocks, self.removals)
            items = {"set": self.items_set, "remove": self.items_remove}
        self.seq += 1
        OneSyncChunk.objects.create(run=self.run, seq=self.seq, method=self.method, lines=len(self.stocks),
                                    removals=len(self.removals), body=body, items=items)
        self.lines += len(self.stocks)
        self.removed += len(self.removals)
        self.stocks, self.removals, self.items_set, self.items_remove = [], [], [], []


def _diff(*, wanted: dict[int, tuple[str, int]], held: dict[int, tuple[str, int]], product_ids: Iterable[int],
          force: bool = False) -> Iterator[tuple[str, int, str, int]]:
    """What ONE must be told of ``product_ids`` to hold ``wanted``: ("set", product, sku, quantity) for a line,
    ("remove", product, sku, 0) for an id it holds and should not. ``force``: every wanted line, even unchanged."""
    for product_id in sorted(set(product_ids)):
        want, have = wanted.get(product_id), held.get(product_id)
        if have is not None and (want is None or want[0] != have[0]):
            yield "remove", product_id, have[0], 0
        if want is not None and (force or want != have):
            yield "set", product_id, want[0], want[1]


@atomic_with_retry
def _run_build(*, run_id: int, request: str, product_ids: list[int]) -> None:
    started = time.monotonic()
    run = _run_locked(run_id, related=("mapping__warehouse",))
    mapping = run.mapping
    warehouse_id = mapping.warehouse_id
    limit = settings.ONE_MAX_LINES_PER_REQUEST
    post, put = OneSyncChunk.Method.POST, OneSyncChunk.Method.PUT

    def refuse_if_full_over_limit() -> bool:
        lines = selectors.flagged_stock_count(warehouse_id=warehouse_id)
        if lines > limit:
            run.status, run.error = RunStatus.REFUSED, full_over_limit_message(
                warehouse_code=mapping.warehouse.code, lines=lines)
            return True
        return False

    totals = [0, 0, 0]  # lines, removals, chunks

    def write(writer: _ChunkWriter, *, even_if_empty: bool = False) -> None:
        writer.flush(even_if_empty=even_if_empty)
        totals[0] += writer.lines
        totals[1] += writer.removed
        totals[2] = writer.seq

    def diff_of(ids: list[int], *, force: bool = False):
        return _diff(wanted=selectors.wanted_of(warehouse_id=warehouse_id, product_ids=ids),
                     held=selectors.held_of(mapping_id=mapping.pk, product_ids=ids), product_ids=ids, force=force)

    def add(writer: _ChunkWriter, steps) -> None:
        for step, product_id, sku, quantity in steps:
            if step == "set":
                writer.add_stock(product_id, sku, quantity)
            else:
                writer.add_removal(product_id, sku)

    def changed() -> bool:
        return any(next(iter(diff_of(page)), None) for page in selectors.claimed_product_pages(run_id=run.pk))

    def put_everything() -> None:
        writer = _ChunkWriter(run, put, seq=totals[2])
        for page in selectors.flagged_stock_pages(warehouse_id=warehouse_id):
            writer.add_stocks(page)
        write(writer, even_if_empty=True)  # an empty PUT is meaningful: nothing of ours is for sale there

    def post_everything(*, removals: bool = True) -> None:
        writer = _ChunkWriter(run, post, seq=totals[2])
        for page in selectors.flagged_stock_pages(warehouse_id=warehouse_id):
            writer.add_stocks(page)
        unwanted = selectors.held_unwanted_pages(mapping_id=mapping.pk, warehouse_id=warehouse_id)
        for page in unwanted if removals else ():
            for product_id, sku, _quantity in page:
                writer.add_removal(product_id, sku)
        write(writer)

    def remove_everything() -> None:
        writer = _ChunkWriter(run, post, seq=totals[2])
        for page in selectors.held_pages(mapping_id=mapping.pk):
            for product_id, sku, _quantity in page:
                writer.add_removal(product_id, sku)
        write(writer)

    if run.mode == RunMode.WITHDRAW:
        remove_everything()
    elif run.mode == RunMode.FULL:
        # On the schedule, a FULL warehouse is PUT again only when something it publishes changed.
        unchanged = request == Request.TICK and not mapping.baseline_needed and not changed()
        if not unchanged and not refuse_if_full_over_limit():
            put_everything()
    elif run.mode == RunMode.SWITCH:
        if not (mapping.mode == Mode.FULL and refuse_if_full_over_limit()):
            remove_everything()
            if mapping.mode == Mode.FULL:
                put_everything()
            else:
                post_everything(removals=False)  # the chunks before remove every id ONE holds
    elif run.mode == RunMode.BASELINE:
        post_everything()
    elif run.mode == RunMode.INCREMENTAL:
        writer = _ChunkWriter(run, post)
        for page in selectors.claimed_product_pages(run_id=run.pk):
            add(writer, diff_of(page))
        write(writer)
    else:  # RESYNC of selected products: the published ones are sent, the others removed if ONE holds them
        writer = _ChunkWriter(run, post)
        for start in range(0, len(product_ids), selectors.read_page_size()):
            add(writer, diff_of(product_ids[start:start + selectors.read_page_size()], force=True))
        write(writer)

    run.lines, run.removals, run.chunks_total = totals
    run.build_ms = int((time.monotonic() - started) * 1000)
    if run.status == RunStatus.REFUSED:
        run.finished_at = timezone.now()
        run.save()
        _lock_release(run)
        return
    run.status = RunStatus.SENDING
    run.save()
    if run.chunks_total == 0:
        _run_succeed(run)
    else:
        _chunk_queue(OneSyncChunk.objects.get(run=run, seq=1))


def _chunk_queue(chunk: OneSyncChunk) -> None:
    message = outbox_message_enqueue(kind=OutboxMessage.Kind.ONE_STOCK_PUSH, aggregate_type=Aggregate.ONE_SYNC_RUN,
                                     aggregate_id=chunk.run_id, payload={"chunk_id": chunk.pk, "seq": chunk.seq})
    OneSyncChunk.objects.filter(pk=chunk.pk).update(status=ChunkStatus.QUEUED, outbox_message=message)


def _run_locked(run_id: int, *, related: tuple[str, ...] = ()) -> OneSyncRun:
    """The run, locked after its mapping: the mapping is the root of its runs in the domain's lock order
    (wms.core.db), as ``_run_open`` locks it before touching a run, and closing a run writes the mapping."""
    mapping_id = OneSyncRun.objects.filter(pk=run_id).values_list("mapping_id", flat=True).get()
    lock_for_update(OneWarehouseMapping.objects).get(pk=mapping_id)
    return lock_for_update(OneSyncRun.objects.select_related(*related)).get(pk=run_id)


def _lock_release(run: OneSyncRun) -> None:
    OneWarehouseMapping.objects.filter(pk=run.mapping_id, active_run=run).update(active_run=None,
                                                                               updated_at=timezone.now())


def _run_succeed(run: OneSyncRun) -> None:
    now = timezone.now()
    OneSyncRun.objects.filter(pk=run.pk).update(status=RunStatus.SUCCEEDED, finished_at=now, error="")
    fields = {"active_run": None, "last_success_at": now, "updated_at": now}
    if run.mode in (RunMode.FULL, RunMode.BASELINE, RunMode.SWITCH):
        fields["baseline_needed"] = False
    if run.mode == RunMode.SWITCH:
        fields["switch_pending"] = False
    changes.changes_consume(run=run)
    OneWarehouseMapping.objects.filter(pk=run.mapping_id, active_run=run).update(**fields)


@atomic_with_retry
def _run_close(*, run_id: int, status: str, error: str) -> None:
    run = _run_locked(run_id)
    if run.status not in OneSyncRun.OPEN_STATUSES:
        return
    run.status, run.error, run.finished_at = status, error[:4000], timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
    _lock_release(run)


def one_sync_chunk_send(*, chunk_id: int, outbox_message_id: int | None = None, attempt: int = 1) -> dict:
    """Send one chunk (the outbox sender calls this). Raises the outbox's Permanent/RetryableSendError."""
    chunk = OneSyncChunk.objects.select_related("run__mapping").get(pk=chunk_id)
    run = chunk.run
    if run.status != RunStatus.SENDING:
        raise PermanentSendError(f"run #{run.pk} is {run.status}: a later sync publishes this stock")
    try:
        client = OneClient()
        if chunk.method == OneSyncChunk.Method.PUT:
            response = client.stocks_replace(warehouse=run.mapping.one_warehouse_id, body=chunk.body,
                                             outbox_message_id=outbox_message_id)
        else:
            response = client.stocks_incremental(warehouse=run.mapping.one_warehouse_id, body=chunk.body,
                                                  outbox_message_id=outbox_message_id)
    except (OneAuthError, OneRequestError, OneNotConfigured) as exc:
        _chunk_failed(chunk_id=chunk.pk, error=str(exc), attempt=attempt, final=True)
        raise PermanentSendError(str(exc)) from exc
    except OneRetryableError as exc:
        final = attempt >= settings.OUTBOX_MAX_ATTEMPTS
        _chunk_failed(chunk_id=chunk.pk, error=str(exc), attempt=attempt, final=final)
        raise RetryableSendError(str(exc)) from exc
    _chunk_sent(chunk_id=chunk.pk, response=response, attempt=attempt)
    return response


@atomic_with_retry
def _chunk_sent(*, chunk_id: int, response: dict, attempt: int) -> None:
    chunk = OneSyncChunk.objects.get(pk=chunk_id)
    run = _run_locked(chunk.run_id)
    now = timezone.now()
    OneSyncChunk.objects.filter(pk=chunk.pk).update(status=ChunkStatus.SENT, response=response, error="",
                                                    attempts=attempt, sent_at=now)
    _held_apply(mapping_id=run.mapping_id, items=chunk.items, now=now)
    run.chunks_sent += 1
    run.save(update_fields=["chunks_sent"])
    following = OneSyncChunk.objects.filter(run=run, seq__gt=chunk.seq, status=ChunkStatus.PENDING).order_by("seq")
    following = following.first()
    if following is not None:
        _chunk_queue(following)
    elif run.chunks_sent >= run.chunks_total:
        _run_succeed(run)


def _held_apply(*, mapping_id: int, items: dict, now) -> None:
    """ONE took a chunk: what it holds for the publication is now what the chunk said (``OneSyncChunk.items``)."""
    held = OneHeldStock.objects.filter(mapping_id=mapping_id)
    if items.get("replace"):  # a PUT: every product not in it is gone
        held.delete()
    removed = {(product_id, sku) for product_id, sku in items.get("remove", [])}
    if removed:
        gone = [pk for pk, product_id, sku in held.filter(product_id__in={pid for pid, _s in removed})
                .values_list("pk", "product_id", "one_sku") if (product_id, sku) in removed]
        OneHeldStock.objects.filter(pk__in=gone).delete()
    rows = [OneHeldStock(mapping_id=mapping_id, product_id=product_id, one_sku=sku, quantity=quantity, sent_at=now)
            for product_id, sku, quantity in items.get("set", [])]
    if rows:
        OneHeldStock.objects.bulk_create(rows, update_conflicts=True, unique_fields=["mapping", "product"],
                                         update_fields=["one_sku", "quantity", "sent_at"], batch_size=2000)


@atomic_with_retry
def _chunk_failed(*, chunk_id: int, error: str, attempt: int, final: bool) -> None:
    chunk = OneSyncChunk.objects.get(pk=chunk_id)
    _run_locked(chunk.run_id)  # the lock order: mapping, run, then the chunk
    OneSyncChunk.objects.filter(pk=chunk.pk).update(
        status=ChunkStatus.FAILED if final else chunk.status, error=error[:4000], attempts=attempt)
    if final:
        _run_close(run_id=chunk.run_id, status=RunStatus.FAILED,
                   error=f"chunk {chunk.seq} failed after {attempt} attempt(s): {error}")
    else:
        OneSyncRun.objects.filter(pk=chunk.run_id).update(
            error=f"chunk {chunk.seq} attempt {attempt} failed, will be retried: {error}"[:4000])


def one_stock_push_send(message: OutboxMessage) -> dict:
    """The outbox sender of ONE_STOCK_PUSH messages (registered in ``apps.py``)."""
    return one_sync_chunk_send(chunk_id=message.payload["chunk_id"], outbox_message_id=message.pk,
                               attempt=message.attempts)


def one_sync_send_now(*, run_id: int, wait_seconds: float = 60.0) -> OneSyncRun:
    """Send a run's chunks in this process (the operators' command), one attempt each; stop at the first failure.

    A chunk a worker holds is waited for (up to ``wait_seconds`` without progress). A chunk whose attempt failed
    stays with the outbox, which retries it with backoff.
    """
    idle_since = time.monotonic()
    while True:
        run = OneSyncRun.objects.get(pk=run_id)
        if run.status not in OneSyncRun.OPEN_STATUSES:
            return run
        message_id = selectors.run_unsent_message_id(run=run)
        outcome = outbox_message_dispatch(message_id=message_id) if message_id else None
        if outcome in (OutboxMessage.Status.FAILED, OutboxMessage.Status.DEAD):
            run.refresh_from_db()
            return run
        if outcome is None:
            if time.monotonic() - idle_since > wait_seconds:
                return run
            time.sleep(0.2)  # a worker holds the chunk or its backoff is not over: wait for it
        else:
            idle_since = time.monotonic()


# ==========================================================================================================
# Reconciliation
# ==========================================================================================================


def one_reconcile(*, mapping_id: int) -> OneReconciliation:
    """Read the warehouse's flagged products back from ONE (batched GETs) and record every product whose
    ``largestQuantity`` differs from our available. A product ONE lacks counts as 0 there."""
    mapping = selectors.mapping_get(mapping_id=mapping_id)
    reconciliation = OneReconciliation.objects.create(mapping=mapping)
    checked = drifted = 0
    try:
        client = OneClient()
        for page in selectors.flagged_stock_pages(warehouse_id=mapping.warehouse_id,
                                                  page_size=RECONCILE_SKUS_PER_REQUEST):
            found = client.stocks_get(skus=[sku for _pid, sku, _a in page], warehouses=[mapping.one_warehouse_id])
            drifts = []
            for product_id, sku, available in page:
                entry = found.get(sku)
                stock = entry.in_warehouse(mapping.one_warehouse_id) if entry else None
                theirs = stock.largest_quantity if stock else None
                difference = (theirs or 0) - available
                if difference != 0:
                    drifts.append(OneStockDrift(reconciliation=reconciliation, product_id=product_id, ours=available,
                                                theirs=theirs, difference=difference))
            OneStockDrift.objects.bulk_create(drifts)
            checked += len(page)
            drifted += len(drifts)
    except Exception as exc:  # never left RUNNING: failed with the reason; an error of ours goes on up as well
        reason = str(exc) if isinstance(exc, OneError) else f"{type(exc).__name__}: {exc}"
        OneReconciliation.objects.filter(pk=reconciliation.pk).update(
            status=OneReconciliation.Status.FAILED, checked=checked, drifted=drifted, error=reason[:4000],
            finished_at=timezone.now())
        if not isinstance(exc, OneError):
            raise
    else:
        OneReconciliation.objects.filter(pk=reconciliation.pk).update(
            status=OneReconciliation.Status.SUCCEEDED, checked=checked, drifted=drifted, finished_at=timezone.now())
    reconciliation.refresh_from_db()
    return reconciliation


def one_reconcile_fan_out() -> int:
    from .tasks import one_reconcile_mapping

    ids = selectors.mapping_enabled_ids()
    for mapping_id in ids:
        one_reconcile_mapping.delay(mapping_id)
    return len(ids)


def one_drift_resync(*, drift_ids: Iterable[int], user=None) -> list[OneSyncRun]:
    """Staff's "resync selected": publish the drifted products again (per warehouse, one run each)."""
    role_require(user=user, roles=(Role.SUPERVISOR,), action="Resyncing stock to ONE")
    by_mapping: dict[int, list[int]] = {}
    for mapping_id, product_id in OneStockDrift.objects.filter(pk__in=list(drift_ids)).values_list(
            "reconciliation__mapping_id", "product_id"):
        by_mapping.setdefault(mapping_id, []).append(product_id)
    return [
        one_sync_start(mapping_id=mapping_id, request=Request.RESYNC, trigger=OneSyncRun.Trigger.ADMIN,
                       product_ids=product_ids)
        for mapping_id, product_ids in sorted(by_mapping.items())
    ]


# --- Retention ----------------------------------------------------------------------------------------------

def one_history_prune(*, older_than_days: int | None = None, empty_older_than_hours: int | None = None,
                      batch_size: int = 1000) -> dict[str, int]:
    """Delete the ONE history past its retention. Returns how many runs and reconciliations went.

    - Finished runs older than ``ONE_HISTORY_RETENTION_DAYS``, with their chunks (request bodies) and their outbox
      messages (whose state the chunks repeat). A run whose messages are still to be sent stays, and so does a
      warehouse's active run.
    - Runs that found nothing to send (most incremental ticks: about 720 a day per warehouse) older than
      ``ONE_EMPTY_RUN_RETENTION_HOURS``: the mapping keeps the time of its last success.
    - Reconciliations older than the retention, with their drifts, except each warehouse's latest one.
    """
    now = timezone.now()
    days = settings.ONE_HISTORY_RETENTION_DAYS if older_than_days is None else older_than_days
    hours = settings.ONE_EMPTY_RUN_RETENTION_HOURS if empty_older_than_hours is None else empty_older_than_hours
    messages = OutboxMessage.objects.filter(
        kind=OutboxMessage.Kind.ONE_STOCK_PUSH, aggregate_type=Aggregate.ONE_SYNC_RUN)
    # Read again for every batch: a message staff retry meanwhile keeps its run.
    unsent = (messages.exclude(status__in=(OutboxMessage.Status.SENT, OutboxMessage.Status.DEAD))
              .values(run_id=Cast("aggregate_id", BigIntegerField())))
    active = OneWarehouseMapping.objects.filter(active_run__isnull=False).values_list("active_run_id", flat=True)
    runs = (
        OneSyncRun.objects.exclude(status__in=OneSyncRun.OPEN_STATUSES).exclude(pk__in=active)
        .exclude(pk__in=unsent)
        .filter(Q(finished_at__lt=now - timedelta(days=days))
                | Q(chunks_total=0, status=RunStatus.SUCCEEDED, finished_at__lt=now - timedelta(hours=hours)))
    )

    def runs_delete(ids: list[int]) -> int:
        deleted = OneSyncRun.objects.filter(pk__in=ids).delete()[1].get(OneSyncRun._meta.label, 0)  # and chunks
        messages.filter(aggregate_id__in=[str(run_id) for run_id in ids]).delete()  # no chunk points at them now
        return deleted

    latest = OneReconciliation.objects.values("mapping_id").annotate(latest=Max("pk")).values("latest")
    reconciliations = (OneReconciliation.objects.exclude(status=OneReconciliation.Status.RUNNING)
                       .filter(started_at__lt=now - timedelta(days=days)).exclude(pk__in=latest))

    def reconciliations_delete(ids: list[int]) -> int:
        return OneReconciliation.objects.filter(pk__in=ids).delete()[1].get(OneReconciliation._meta.label, 0)

    return {
        "runs": in_batches(runs, batch_size=batch_size, act=runs_delete),
        "reconciliations": in_batches(reconciliations, batch_size=batch_size, act=reconciliations_delete),
    }
