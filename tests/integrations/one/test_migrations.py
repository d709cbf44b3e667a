"""The migration that split what a run is for (purpose) from how stock reaches ONE (the one mode enum) keeps every
stored run, chunk and schedule meaning what it meant."""

import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from integrations.one.models import OnePublication, OneSyncRun

BEFORE = [("one", "0004_publication")]
AFTER = [("one", "0005_run_purpose")]
SCHEDULED = "integrations.one.tasks.one_sync_scheduled"


def test_no_value_means_the_same_thing_in_the_mode_and_the_purpose():
    assert not set(OnePublication.Mode.values) & set(OneSyncRun.Purpose.values)


@pytest.mark.django_db(transaction=True)
def test_stored_runs_chunks_and_schedules_are_mapped_to_the_purpose_and_the_mode():
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE)
        others = [node for node in executor.loader.graph.leaf_nodes() if node[0] != "one"]
        old = executor.loader.project_state([*others, *BEFORE]).apps
        warehouse = old.get_model("inventory", "Warehouse").objects.create(code="W", name="W")
        mapping = old.get_model("one", "OnePublication").objects.create(warehouse=warehouse, one_warehouse_id="WRO")
        Run, Chunk = old.get_model("one", "OneSyncRun"), old.get_model("one", "OneSyncChunk")
        ticked = Run.objects.create(mapping=mapping, mode="INCREMENTAL", endpoint_mode="INCREMENTAL")
        put = Run.objects.create(mapping=mapping, mode="FULL", endpoint_mode="FULL", chunks_total=1)
        unchanged = Run.objects.create(mapping=mapping, mode="FULL", endpoint_mode="FULL", chunks_total=0)
        switch = Run.objects.create(mapping=mapping, mode="SWITCH", endpoint_mode="FULL", chunks_total=2)
        removal = Chunk.objects.create(run=switch, seq=1, method="POST", body="{}")
        replace = Chunk.objects.create(run=switch, seq=2, method="PUT", body="{}")
        # The beat rows as migration one.0002 writes them (made here: an earlier transactional test empties them).
        PeriodicTask = old.get_model("django_celery_beat", "PeriodicTask")
        PeriodicTask.objects.filter(task=SCHEDULED).delete()
        every = old.get_model("django_celery_beat", "IntervalSchedule").objects.create(every=2, period="minutes")
        for request in ("tick", "baseline"):
            PeriodicTask.objects.create(name=f"sync {request}", task=SCHEDULED, interval=every,
                                        kwargs=json.dumps({"request": request}))

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps
        runs = new.get_model("one", "OneSyncRun").objects
        assert [runs.values_list("purpose", "mode").get(pk=run.pk) for run in (ticked, put, unchanged, switch)] == [
            ("CHANGES", "INCREMENTAL"), ("BASELINE", "FULL"), ("CHANGES", "FULL"), ("SWITCH", "FULL")]
        chunks = new.get_model("one", "OneSyncChunk").objects
        assert [chunks.get(pk=chunk.pk).mode for chunk in (removal, replace)] == ["INCREMENTAL", "FULL"]
        kwargs = [json.loads(k) for k in new.get_model("django_celery_beat", "PeriodicTask").objects
                  .filter(task=SCHEDULED).values_list("kwargs", flat=True)]
        assert sorted(kwargs, key=str) == [{"purpose": "BASELINE"}, {"purpose": "CHANGES"}]

        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE)  # and back
        back = executor.loader.project_state([*others, *BEFORE]).apps.get_model("one", "OneSyncRun").objects
        assert [back.get(pk=run.pk).mode for run in (ticked, put, unchanged, switch)] == [
            "INCREMENTAL", "FULL", "FULL", "SWITCH"]
    finally:  # the latest state again, even if an assertion failed
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
