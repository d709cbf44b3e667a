"""Publications of our warehouses to ONE: create, start clean, enable (a baseline follows), disable (a withdraw
follows), switch the endpoint; the schedule's fan-out."""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from wms.core.db import atomic_with_retry, lock_for_update
from wms.core.errors import DomainValidationError
from wms.core.roles import Role, role_require
from wms.inventory.models import Warehouse

from .. import changes, selectors
from ..client import OneClient
from ..models import OneHeldStock, OnePublication, OneSyncRun
from .runs import SyncBusy, SyncRefused, full_over_limit_message, one_sync_start

logger = logging.getLogger(__name__)

Mode = OnePublication.Mode
Purpose = OneSyncRun.Purpose


@transaction.atomic
def one_publication_create(*, warehouse: Warehouse, one_warehouse_id: str, mode: str = Mode.INCREMENTAL,
                           enabled: bool = True, actor) -> OnePublication:
    """Publish a warehouse to ONE (a Supervisor, or an operator's command). The first sync is a baseline
    (``baseline_needed``)."""
    role_require(actor=actor, roles=(Role.SUPERVISOR,), action="Publishing a warehouse to ONE", system=True)
    if not (one_warehouse_id or "").strip():
        raise DomainValidationError("a ONE warehouse id is required",
                                    errors={"one_warehouse_id": ["This field is required."]})
    publication = OnePublication(warehouse=warehouse, one_warehouse_id=one_warehouse_id.strip(), mode=mode,
                                 enabled=enabled)
    publication.full_clean()
    publication.save()
    return publication


def one_publication_enable(*, publication: OnePublication, enabled: bool, actor) -> OnePublication:
    """Enable (the next sync sends a baseline) or disable (ONE's stock of the warehouse is withdrawn) a
    publication."""
    if enabled:
        return one_publication_enable_baseline(publication_id=publication.pk, actor=actor)
    return one_publication_disable(publication_id=publication.pk, actor=actor)[0]


@atomic_with_retry
def one_publication_enable_baseline(*, publication_id: int, actor) -> OnePublication:
    """Publish again: the next sync sends every published product (a baseline), and removes what ONE still holds
    and should not. A Supervisor, or an operator's command."""
    role_require(actor=actor, roles=(Role.SUPERVISOR,), action="Enabling a ONE publication", system=True)
    publication = lock_for_update(OnePublication.objects).get(pk=publication_id)
    if not publication.enabled:
        publication.enabled, publication.baseline_needed = True, True
        publication.save(update_fields=["enabled", "baseline_needed", "updated_at"])
        changes.changes_forget(publication_id=publication.pk)  # the baseline sends everything
    return publication


@atomic_with_retry
def _publication_disable(*, publication_id: int) -> OnePublication:
    publication = lock_for_update(OnePublication.objects).get(pk=publication_id)
    if publication.enabled:
        publication.enabled = False
        publication.save(update_fields=["enabled", "updated_at"])
        changes.changes_forget(publication_id=publication.pk)  # nothing more is captured; the withdraw removes all
    return publication


def one_publication_disable(*, publication_id: int, actor,
                            trigger: str = OneSyncRun.Trigger.ADMIN) -> tuple[OnePublication, OneSyncRun | None]:
    """Stop publishing a warehouse: no more changes are sent, and a WITHDRAW run removes every id ONE holds for it.

    Returns the publication and the withdraw run (None if ONE holds nothing, or if a run is still open: the schedule
    withdraws once it ends, every tick until ONE holds nothing). Disabling a disabled publication whose withdraw
    failed starts it again. A Supervisor, or an operator's command."""
    role_require(actor=actor, roles=(Role.SUPERVISOR,), action="Disabling a ONE publication", system=True)
    publication = _publication_disable(publication_id=publication_id)
    if not selectors.held_count(publication_id=publication.pk):
        return publication, None
    try:
        run = one_sync_start(publication_id=publication.pk, purpose=Purpose.WITHDRAW, trigger=trigger)
    except SyncBusy as exc:
        logger.info("ONE withdraw of publication %s waits for the open run: %s", publication.pk, exc)
        return publication, None
    return publication, run


@transaction.atomic
def one_publication_mode_switch(*, publication: OnePublication, mode: str, actor) -> OnePublication:
    """Change the endpoint a warehouse is published by. ONE requires removing the warehouse's stock first and then
    a baseline with the new endpoint: the switch is marked pending and a sync is queued, which does both."""
    role_require(actor=actor, roles=(Role.SUPERVISOR,), action="Switching a warehouse's ONE mode")
    publication = lock_for_update(OnePublication.objects.select_related("warehouse")).get(pk=publication.pk)
    if mode not in Mode.values:
        raise DomainValidationError(f"unknown mode {mode!r}", errors={"mode": [f"Choose one of {Mode.values}."]})
    if publication.mode == mode:
        raise SyncRefused(f"{publication.warehouse.code} is already in {mode} mode")
    if mode == Mode.FULL:
        lines = selectors.flagged_stock_count(warehouse_id=publication.warehouse_id)
        if lines > settings.ONE_MAX_LINES_PER_REQUEST:
            raise SyncRefused(full_over_limit_message(warehouse_code=publication.warehouse.code, lines=lines))
    publication.mode = mode
    publication.switch_pending = True
    publication.baseline_needed = True
    publication.save(update_fields=["mode", "switch_pending", "baseline_needed", "updated_at"])
    transaction.on_commit(lambda: _sync_task_enqueue(publication.pk, Purpose.CHANGES, OneSyncRun.Trigger.ADMIN))
    return publication


CLEAN_START_SKUS_PER_REQUEST = 100


def one_publication_clean_start(*, publication_id: int, actor) -> int:
    """Start a publication clean: ask ONE which of the warehouse's products (every product with a stock row here,
    published or not) it already holds there, e.g. left by an earlier integration, and take them as held; the next
    sync is a baseline, which sends what we publish and removes the rest. Returns how many ids ONE reported.

    Refused while a run is open (it writes what ONE holds). A Supervisor, or an operator's command."""
    role_require(actor=actor, roles=(Role.SUPERVISOR,), action="Starting a ONE publication clean", system=True)
    publication = selectors.publication_get(publication_id=publication_id)
    client = OneClient()
    found: list[tuple[int, str, int]] = []
    for page in selectors.stocked_one_sku_pages(warehouse_id=publication.warehouse_id,
                                               page_size=CLEAN_START_SKUS_PER_REQUEST):
        stocks = client.stocks_get(skus=[sku for _pid, sku in page], warehouses=[publication.one_warehouse_id])
        for product_id, sku in page:
            entry = stocks.get(sku)
            stock = entry.in_warehouse(publication.one_warehouse_id) if entry else None
            if stock is not None:
                found.append((product_id, sku, int(stock.largest_quantity)))
    _held_adopt(publication_id=publication.pk, found=found)
    return len(found)


@atomic_with_retry
def _held_adopt(*, publication_id: int, found: list[tuple[int, str, int]]) -> None:
    publication = lock_for_update(OnePublication.objects.select_related("warehouse")).get(pk=publication_id)
    if publication.active_run_id and OneSyncRun.objects.filter(pk=publication.active_run_id,
                                                               status__in=OneSyncRun.OPEN_STATUSES).exists():
        raise SyncBusy(f"a sync of {publication.warehouse.code} is running: start clean once it has ended")
    now = timezone.now()
    OneHeldStock.objects.bulk_create(
        [OneHeldStock(publication_id=publication.pk, product_id=pid, one_sku=sku, quantity=qty, sent_at=now)
         for pid, sku, qty in found],
        update_conflicts=True, unique_fields=["publication", "product"],
        update_fields=["one_sku", "quantity", "sent_at"])
    publication.baseline_needed = True
    publication.save(update_fields=["baseline_needed", "updated_at"])


def _sync_task_enqueue(publication_id: int, purpose: str, trigger: str) -> None:
    from ..tasks import one_sync_publication

    try:
        one_sync_publication.delay(publication_id, purpose, trigger)
    except (BrokerError, OSError) as exc:  # the schedule's next tick does it (a pending switch is kept in the row)
        logger.warning("broker unavailable, ONE sync of publication %s waits for the next tick: %s",
                       publication_id, exc)


def one_sync_fan_out(*, purpose: str = Purpose.CHANGES) -> int:
    """The schedule's entry point: one task per enabled publication, so one warehouse's failure is its own, and one per
    disabled publication ONE still holds stock of (its withdraw)."""
    ids = selectors.publication_enabled_ids()
    for publication_id in ids:
        _sync_task_enqueue(publication_id, purpose, OneSyncRun.Trigger.SCHEDULE)
    withdrawing = selectors.publication_withdrawing_ids()
    for publication_id in withdrawing:
        _sync_task_enqueue(publication_id, Purpose.WITHDRAW, OneSyncRun.Trigger.SCHEDULE)
    return len(ids) + len(withdrawing)
