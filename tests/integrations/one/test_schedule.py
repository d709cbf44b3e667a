import json

import pytest
from django_celery_beat.models import PeriodicTask

from integrations.one.models import OnePublication, OneSyncRun
from integrations.one.services import one_publication_enable
from integrations.one.tasks import one_reconcile_scheduled, one_sync_scheduled
from tests.factories import WarehouseFactory

from .helpers import flag, receive

pytestmark = pytest.mark.django_db


def test_schedules_are_beat_rows_editable_in_admin():
    tasks = {t.name: t for t in PeriodicTask.objects.select_related("interval", "crontab")
             .filter(task__startswith="integrations.one.")}
    incremental = tasks["ONE stock sync: incremental"]
    assert (incremental.interval.every, incremental.interval.period) == (2, "minutes")
    assert json.loads(incremental.kwargs) == {"purpose": "CHANGES"}
    baseline = tasks["ONE stock sync: nightly baseline"]
    assert (baseline.crontab.hour, baseline.crontab.minute) == ("2", "0")
    assert json.loads(baseline.kwargs) == {"purpose": "BASELINE"}
    reconcile = tasks["ONE stock reconciliation: nightly"]
    assert reconcile.task == "integrations.one.tasks.one_reconcile_scheduled"
    assert all(t.enabled for t in tasks.values())


def test_the_schedule_syncs_and_reconciles_every_enabled_warehouse(fake_one, one_publication, warehouse, stocked,
                                                                  supervisor, django_capture_on_commit_callbacks):
    flag(stocked(4))
    other = WarehouseFactory(code="TW-KHH-01")
    disabled = one_publication(warehouse_=other, one_warehouse_id="KHH")
    one_publication_enable(publication=disabled, enabled=False, actor=supervisor)
    publication = one_publication()
    with django_capture_on_commit_callbacks(execute=True):
        assert one_sync_scheduled.delay("CHANGES").get() == 1
    assert list(OneSyncRun.objects.values_list("publication_id", "purpose", "status", "trigger")) == [
        (publication.pk, "BASELINE", "SUCCEEDED", "SCHEDULE")]
    assert one_reconcile_scheduled.delay().get() == 1
    assert list(publication.reconciliations.values_list("status", "drifted")) == [("SUCCEEDED", 0)]
    assert not OnePublication.objects.get(pk=disabled.pk).runs.exists()


def test_a_scheduled_tick_while_a_run_is_open_is_skipped_without_error(fake_one, one_publication, warehouse, stocked):
    product = stocked(4)
    flag(product)
    publication = one_publication()
    one_sync_scheduled.delay("CHANGES")  # on-commit not run: the run's chunk waits
    receive(warehouse, product, 1)
    one_sync_scheduled.delay("CHANGES")
    assert publication.runs.count() == 1
