"""Sending a run's chunks: one chunk per outbox message, in order; what ONE holds is written as each succeeds."""

import time

from django.conf import settings
from django.utils import timezone

from wms.core.db import atomic_with_retry
from wms.outbox.models import OutboxMessage
from wms.outbox.registry import PermanentSendError, RetryableSendError
from wms.outbox.services import outbox_message_dispatch

from .. import selectors
from ..client import OneAuthError, OneClient, OneNotConfigured, OneRequestError, OneRetryableError
from ..models import OneHeldStock, OnePublication, OneSyncChunk, OneSyncRun
from .runs import _chunk_queue, _run_close, _run_locked, _run_succeed

RunStatus = OneSyncRun.Status
ChunkStatus = OneSyncChunk.Status


def one_sync_chunk_send(*, chunk_id: int, outbox_message_id: int | None = None, attempt: int = 1) -> dict:
    """Send one chunk (the outbox sender calls this). Raises the outbox's Permanent/RetryableSendError."""
    chunk = OneSyncChunk.objects.select_related("run__publication").get(pk=chunk_id)
    run = chunk.run
    if run.status != RunStatus.SENDING:
        raise PermanentSendError(f"run #{run.pk} is {run.status}: a later sync publishes this stock")
    try:
        client = OneClient()
        if chunk.mode == OnePublication.Mode.FULL:
            response = client.stocks_replace(warehouse=run.publication.one_warehouse_id, body=chunk.body,
                                             outbox_message_id=outbox_message_id)
        else:
            response = client.stocks_incremental(warehouse=run.publication.one_warehouse_id, body=chunk.body,
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
    _held_apply(publication_id=run.publication_id, items=chunk.items, now=now)
    run.chunks_sent += 1
    run.save(update_fields=["chunks_sent"])
    following = OneSyncChunk.objects.filter(run=run, seq__gt=chunk.seq, status=ChunkStatus.PENDING).order_by("seq")
    following = following.first()
    if following is not None:
        _chunk_queue(following)
    elif run.chunks_sent >= run.chunks_total:
        _run_succeed(run)


def _held_apply(*, publication_id: int, items: dict, now) -> None:
    """ONE took a chunk: what it holds for the publication is now what the chunk said (``OneSyncChunk.items``)."""
    held = OneHeldStock.objects.filter(publication_id=publication_id)
    if items.get("replace"):  # a PUT: every product not in it is gone
        held.delete()
    removed = {(product_id, sku) for product_id, sku in items.get("remove", [])}
    if removed:
        gone = [pk for pk, product_id, sku in held.filter(product_id__in={pid for pid, _s in removed})
                .values_list("pk", "product_id", "one_sku") if (product_id, sku) in removed]
        OneHeldStock.objects.filter(pk__in=gone).delete()
    rows = [OneHeldStock(publication_id=publication_id, product_id=product_id, one_sku=sku, quantity=quantity,
                         sent_at=now)
            for product_id, sku, quantity in items.get("set", [])]
    if rows:
        OneHeldStock.objects.bulk_create(rows, update_conflicts=True, unique_fields=["publication", "product"],
                                         update_fields=["one_sku", "quantity", "sent_at"], batch_size=2000)


@atomic_with_retry
def _chunk_failed(*, chunk_id: int, error: str, attempt: int, final: bool) -> None:
    chunk = OneSyncChunk.objects.get(pk=chunk_id)
    _run_locked(chunk.run_id)  # the lock order: publication, run, then the chunk
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
