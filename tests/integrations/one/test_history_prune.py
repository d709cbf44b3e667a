from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from integrations.one.models import OneReconciliation, OneStockDrift, OneSyncChunk, OneSyncRun
from integrations.one.services import one_history_prune, one_reconcile, one_sync_start
from integrations.one.tasks import one_history_prune as one_history_prune_task
from tests.factories import WarehouseFactory
from wms.outbox.models import OutboxMessage

from .helpers import POST_URL, flag, receive, sync

pytestmark = pytest.mark.django_db


def aged(record, **delta):
    """Make a run or a reconciliation look started and finished ``delta`` ago."""
    when = timezone.now() - timedelta(**delta)
    type(record).objects.filter(pk=record.pk).update(started_at=when, finished_at=when)
    return record


def messages_of(run):
    return OutboxMessage.objects.filter(aggregate_type="one_sync_run", aggregate_id=str(run.pk))


def test_old_runs_go_with_their_chunks_and_messages_and_recent_ones_stay(fake_one, one_publication, warehouse, stocked):
    product = stocked(5)
    flag(product)
    publication = one_publication()
    old = sync(publication)
    receive(warehouse, product, 1)
    recent = sync(publication)
    assert old.chunks_total == recent.chunks_total == 1 and messages_of(old).get().status == "SENT"
    aged(old, days=31)
    aged(recent, days=29)

    assert one_history_prune() == {"runs": 1, "reconciliations": 0}

    assert list(OneSyncRun.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not OneSyncChunk.objects.filter(run_id=old.pk).exists() and not messages_of(old).exists()
    assert OneSyncChunk.objects.filter(run=recent).exists() and messages_of(recent).exists()


def test_runs_that_sent_nothing_go_after_a_day(fake_one, one_publication, warehouse, stocked):
    flag(stocked(5))
    publication = one_publication()
    sync(publication)  # the baseline: one chunk, kept
    empty_old, empty_new = sync(publication), sync(publication)
    assert empty_old.chunks_total == empty_new.chunks_total == 0
    aged(empty_old, hours=25)
    aged(empty_new, hours=23)

    assert one_history_prune()["runs"] == 1

    assert not OneSyncRun.objects.filter(pk=empty_old.pk).exists()
    assert OneSyncRun.objects.filter(pk=empty_new.pk).exists() and publication.runs.count() == 2
    publication.refresh_from_db()
    assert publication.last_success_at is not None


def test_open_active_and_unsent_runs_stay_however_old(mocked, one_publication, warehouse, stocked):
    flag(stocked(5))
    publication = one_publication()
    mocked.post(POST_URL, status=503)
    retrying = sync(publication)  # its chunk failed once and will be retried: the run is open, the message FAILED
    assert retrying.status == "SENDING" and messages_of(retrying).get().status == "FAILED"
    aged(retrying, days=90)

    assert one_history_prune() == {"runs": 0, "reconciliations": 0}
    assert OneSyncRun.objects.filter(pk=retrying.pk).exists() and messages_of(retrying).exists()

    # Closed and no longer the warehouse's lock, but its message is still to be sent: kept as well.
    OneSyncRun.objects.filter(pk=retrying.pk).update(status="FAILED")
    type(publication).objects.filter(pk=publication.pk).update(active_run=None)
    assert one_history_prune()["runs"] == 0
    messages_of(retrying).update(status="DEAD")
    assert one_history_prune()["runs"] == 1 and not messages_of(retrying).exists()


def test_old_reconciliations_go_with_their_drifts_but_each_warehouse_keeps_its_latest(
        fake_one, one_publication, warehouse, stocked):
    product = stocked(5)
    flag(product)
    publication = one_publication()
    other = one_publication(warehouse_=WarehouseFactory(code="TW-KHH-01"), one_warehouse_id="KHH")
    first, second = one_reconcile(publication_id=publication.pk), one_reconcile(publication_id=publication.pk)
    only_other = one_reconcile(publication_id=other.pk)
    assert first.drifted == 1 and OneStockDrift.objects.filter(reconciliation=first).exists()  # never synced
    for reconciliation in (first, second, only_other):
        aged(reconciliation, days=40)

    assert one_history_prune() == {"runs": 0, "reconciliations": 1}

    assert set(OneReconciliation.objects.values_list("pk", flat=True)) == {second.pk, only_other.pk}
    assert not OneStockDrift.objects.filter(reconciliation_id=first.pk).exists()


def test_retention_comes_from_settings_and_the_beat_runs_it_daily(fake_one, one_publication, stocked, settings):
    flag(stocked(5))
    run = aged(sync(one_publication()), days=3)
    settings.ONE_HISTORY_RETENTION_DAYS = 4
    assert one_history_prune_task.delay().get() == {"runs": 0, "reconciliations": 0}
    settings.ONE_HISTORY_RETENTION_DAYS = 2
    assert one_history_prune_task.delay().get() == {"runs": 1, "reconciliations": 0}
    assert not OneSyncRun.objects.filter(pk=run.pk).exists()
    entry = django_settings.CELERY_BEAT_SCHEDULE["one-history-prune"]
    assert (entry["task"], entry["schedule"]) == ("integrations.one.tasks.one_history_prune", timedelta(hours=24))


def test_a_refused_full_run_is_history_too(mocked, one_publication, warehouse, stocked, settings):
    settings.ONE_MAX_LINES_PER_REQUEST = 1
    flag(stocked(5), stocked(5))
    run = one_sync_start(publication_id=one_publication(mode="FULL").pk, trigger="COMMAND")
    assert run.status == "REFUSED" and run.finished_at is not None
    aged(run, days=31)
    assert one_history_prune()["runs"] == 1
