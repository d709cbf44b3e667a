"""Sync runs: open (the warehouse's lock, taking up the waiting changes), build (chunks computed against what ONE
holds), close.

A run goes BUILDING → SENDING → SUCCEEDED | FAILED (or REFUSED at build). Its chunks are sent in order, each by its
own outbox message (``sending``); the changes a run took up are deleted only when every chunk is sent.
"""

import time
from collections.abc import Iterable, Iterator
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from wms.core.db import atomic_with_retry, lock_for_update
from wms.core.errors import Conflict, DomainError, ErrorCode
from wms.outbox.models import OutboxMessage
from wms.outbox.services import outbox_message_enqueue

from .. import changes, selectors
from .. import mapping as names
from ..models import OnePublication, OneSyncChunk, OneSyncRun

Mode = OnePublication.Mode
Purpose = OneSyncRun.Purpose
RunStatus = OneSyncRun.Status
ChunkStatus = OneSyncChunk.Status
Aggregate = OutboxMessage.Aggregate


# A run still BUILDING after this long died with its process; the lock is taken over.
BUILD_STALE_AFTER = timedelta(minutes=15)


class SyncBusy(Conflict):
    """Another sync of the warehouse is building or sending."""


class SyncRefused(DomainError):
    code = ErrorCode.INVALID_STATE


def full_over_limit_message(*, warehouse_code: str, lines: int) -> str:
    return (f"Warehouse {warehouse_code} has {lines} flagged products, over ONE_MAX_LINES_PER_REQUEST "
            f"({settings.ONE_MAX_LINES_PER_REQUEST}). A FULL sync is one PUT that replaces the whole warehouse and "
            f"cannot be split: switch this warehouse to INCREMENTAL mode, which sends chunks of at most "
            f"{settings.ONE_MAX_LINES_PER_REQUEST} lines.")


def one_sync_start(*, publication_id: int, purpose: str = Purpose.CHANGES, trigger: str = OneSyncRun.Trigger.SCHEDULE,
                   product_ids: Iterable[int] = ()) -> OneSyncRun:
    """Take the warehouse's lock and the changes waiting, build the chunks and queue the first one.

    ``purpose`` is what the caller asks for; the publication's state may make it more (``_run_purpose``): a pending
    switch is done first, and CHANGES of a publication that needs a baseline is a BASELINE.

    Two transactions: the lock (with the changes it takes up) is visible to others at once, and the build commits
    its chunks with the first outbox message. Raises ``SyncBusy`` if a run is open.
    A run refused at build (FULL over the limit) is returned with status REFUSED and its message in ``error``.
    """
    run = _run_open(publication_id=publication_id, purpose=purpose, trigger=trigger)
    try:
        _run_build(run_id=run.pk, product_ids=list(product_ids))
    except Exception as exc:  # the run is closed with the reason, the lock released, and the error goes on up
        _run_close(run_id=run.pk, status=RunStatus.FAILED, error=f"build failed: {type(exc).__name__}: {exc}")
        raise
    run.refresh_from_db()
    return run


def _run_purpose(*, publication: OnePublication, purpose: str) -> str:
    if not publication.enabled:
        return Purpose.WITHDRAW
    if publication.switch_pending:
        return Purpose.SWITCH
    if purpose == Purpose.CHANGES and publication.baseline_needed:
        return Purpose.BASELINE
    return purpose


def _run_sends_everything(run: OneSyncRun) -> bool:
    """A run that sends every published product: a baseline, a switch, or any run but a withdraw of a FULL
    publication (one PUT replaces the warehouse)."""
    return run.purpose in (Purpose.BASELINE, Purpose.SWITCH) or (
        run.mode == Mode.FULL and run.purpose != Purpose.WITHDRAW)


@atomic_with_retry
def _run_open(*, publication_id: int, purpose: str, trigger: str) -> OneSyncRun:
    # Lock the publication row alone, then read the active run in a statement of its own: a run committed by the
    # transaction we waited for is not in the snapshot of the locking statement (PostgreSQL, read committed).
    publication = lock_for_update(OnePublication.objects).get(pk=publication_id)
    if purpose not in Purpose.values:
        raise SyncRefused(f"unknown purpose {purpose!r}: one of {Purpose.values}")
    if not publication.enabled and purpose != Purpose.WITHDRAW:
        raise SyncRefused(f"publication of {publication.warehouse.code} to ONE is disabled")
    if publication.enabled and purpose == Purpose.WITHDRAW:
        raise SyncRefused(f"publication of {publication.warehouse.code} to ONE is enabled: disable it to withdraw")
    active = OneSyncRun.objects.filter(pk=publication.active_run_id).first() if publication.active_run_id else None
    if active is not None and active.status in OneSyncRun.OPEN_STATUSES:
        abandoned = _run_abandoned_reason(active)
        if not abandoned:
            raise SyncBusy(f"a sync of {publication.warehouse.code} is already running (run #{active.pk}, "
                           f"{active.get_status_display().lower()})", data={"run_id": active.pk})
        OneSyncRun.objects.filter(pk=active.pk).update(status=RunStatus.FAILED, finished_at=timezone.now(),
                                                       error=abandoned)
    run = OneSyncRun.objects.create(publication=publication,
                                    purpose=_run_purpose(publication=publication, purpose=purpose),
                                    mode=publication.mode, trigger=trigger)
    if run.purpose == Purpose.CHANGES or _run_sends_everything(run):
        # Before any stock is read (the build's own transaction): a change committed from now on is not taken up
        # by this run, so it waits for the next one.
        run.changes = changes.changes_claim(run=run)
        run.save(update_fields=["changes"])
    publication.active_run = run
    publication.save(update_fields=["active_run", "updated_at"])
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

    def __init__(self, run: OneSyncRun, mode: str, *, seq: int = 0):
        self.run, self.mode, self.limit = run, mode, settings.ONE_MAX_LINES_PER_REQUEST
        self.seq = seq
        self.stocks: list[str] = []
        self.removals: list[str] = []
        self.items_set: list[list] = []
        self.items_remove: list[list] = []
        self.lines = 0
        self.removed = 0

    def add_stock(self, product_id: int, sku: str, quantity: int) -> None:
        quantity = max(quantity, 0)
        self.stocks.append(names.stock_line_json(sku=sku, quantity=quantity))
        self.items_set.append([product_id, sku, quantity])
        self._maybe_flush()

    def add_stocks(self, rows: list[tuple[int, str, int]]) -> None:
        """``add_stock`` of each (product_id, sku, quantity) row, a request's worth at a time."""
        line = names.stock_line_json
        start = 0
        while start < len(rows):
            room = len(rows) - start
            if self.mode == Mode.INCREMENTAL:
                room = min(room, self.limit - len(self.stocks) - len(self.removals))
            part = [(pid, sku, qty if qty > 0 else 0) for pid, sku, qty in rows[start:start + room]]
            self.stocks.extend([line(sku=sku, quantity=qty) for _pid, sku, qty in part])
            self.items_set.extend([list(row) for row in part])
            start += len(part)
            self._maybe_flush()

    def add_removal(self, product_id: int, sku: str) -> None:
        self.removals.append(names.removal_json(sku=sku))
        self.items_remove.append([product_id, sku])
        self._maybe_flush()

    def _maybe_flush(self) -> None:
        if self.mode == Mode.INCREMENTAL and len(self.stocks) + len(self.removals) >= self.limit:
            self.flush()

    def flush(self, *, even_if_empty: bool = False) -> None:
        if not (self.stocks or self.removals or even_if_empty):
            return
        if self.mode == Mode.FULL:
            body = names.replace_body(self.stocks)
            items = {"set": self.items_set, "remove": [], "replace": True}
        else:
            body = names.incremental_body(self.stocks, self.removals)
            items = {"set": self.items_set, "remove": self.items_remove}
        self.seq += 1
        OneSyncChunk.objects.create(run=self.run, seq=self.seq, mode=self.mode, lines=len(self.stocks),
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
def _run_build(*, run_id: int, product_ids: list[int]) -> None:
    started = time.monotonic()
    run = _run_locked(run_id, related=("publication__warehouse",))
    publication = run.publication
    warehouse_id = publication.warehouse_id
    limit = settings.ONE_MAX_LINES_PER_REQUEST
    post, put = Mode.INCREMENTAL, Mode.FULL

    def refuse_if_full_over_limit() -> bool:
        lines = selectors.flagged_stock_count(warehouse_id=warehouse_id)
        if lines > limit:
            run.status, run.error = RunStatus.REFUSED, full_over_limit_message(
                warehouse_code=publication.warehouse.code, lines=lines)
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
                     held=selectors.held_of(publication_id=publication.pk, product_ids=ids), product_ids=ids,
                     force=force)

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
        unwanted = selectors.held_unwanted_pages(publication_id=publication.pk, warehouse_id=warehouse_id)
        for page in unwanted if removals else ():
            for product_id, sku, _quantity in page:
                writer.add_removal(product_id, sku)
        write(writer)

    def remove_everything() -> None:
        writer = _ChunkWriter(run, post, seq=totals[2])
        for page in selectors.held_pages(publication_id=publication.pk):
            for product_id, sku, _quantity in page:
                writer.add_removal(product_id, sku)
        write(writer)

    if run.purpose == Purpose.WITHDRAW:
        remove_everything()
    elif run.purpose == Purpose.SWITCH:
        if not (run.mode == Mode.FULL and refuse_if_full_over_limit()):
            remove_everything()
            if run.mode == Mode.FULL:
                put_everything()
            else:
                post_everything(removals=False)  # the chunks before remove every id ONE holds
    elif run.mode == Mode.FULL:
        # A FULL warehouse's changes are one PUT of everything, sent only when something it publishes changed.
        unchanged = run.purpose == Purpose.CHANGES and not changed()
        if not unchanged and not refuse_if_full_over_limit():
            put_everything()
    elif run.purpose == Purpose.BASELINE:
        post_everything()
    elif run.purpose == Purpose.CHANGES:
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
    """The run, locked after its publication: the publication is the root of its runs in the domain's lock order
    (wms.core.db), as ``_run_open`` locks it before touching a run, and closing a run writes the publication."""
    publication_id = OneSyncRun.objects.filter(pk=run_id).values_list("publication_id", flat=True).get()
    lock_for_update(OnePublication.objects).get(pk=publication_id)
    return lock_for_update(OneSyncRun.objects.select_related(*related)).get(pk=run_id)


def _lock_release(run: OneSyncRun) -> None:
    OnePublication.objects.filter(pk=run.publication_id, active_run=run).update(active_run=None,
                                                                               updated_at=timezone.now())


def _run_succeed(run: OneSyncRun) -> None:
    now = timezone.now()
    OneSyncRun.objects.filter(pk=run.pk).update(status=RunStatus.SUCCEEDED, finished_at=now, error="")
    fields = {"active_run": None, "last_success_at": now, "updated_at": now}
    if _run_sends_everything(run):
        fields["baseline_needed"] = False
    if run.purpose == Purpose.SWITCH:
        fields["switch_pending"] = False
    changes.changes_consume(run=run)
    OnePublication.objects.filter(pk=run.publication_id, active_run=run).update(**fields)


@atomic_with_retry
def _run_close(*, run_id: int, status: str, error: str) -> None:
    run = _run_locked(run_id)
    if run.status not in OneSyncRun.OPEN_STATUSES:
        return
    run.status, run.error, run.finished_at = status, error[:4000], timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
    _lock_release(run)
