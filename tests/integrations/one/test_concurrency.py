"""The change capture and the lock against real concurrent transactions.

PostgreSQL: ids are drawn at insert, seen at commit; a row inserted by a transaction in flight is invisible to
others until it commits.
"""

import threading
import time
from collections import Counter

import pytest
from django.db import transaction

from integrations.one import selectors
from integrations.one.models import OneSyncRun
from integrations.one.services import SyncBusy, one_sync_send_now, one_sync_start
from tests.helpers import a_session_waits_for_a_lock, in_thread, requires_postgres

from .helpers import flag, receive, sync

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]


def test_no_duplicate_or_lost_change_when_moves_arrive_during_a_sync(fake_one, one_publication, warehouse, stocked):
    slow, quick = stocked(1), stocked(1)
    flag(slow, quick)
    publication = one_publication()
    sync(publication)  # baseline
    fake_one.requests.clear()

    # A move whose id is drawn first but whose transaction commits last, after the sync has begun.
    in_flight, release = threading.Event(), threading.Event()

    def slow_move():
        with transaction.atomic():
            receive(warehouse, slow, 1)
            in_flight.set()
            release.wait(30)

    slow_thread, _ = in_thread(slow_move)
    assert in_flight.wait(30)
    receive(warehouse, quick, 1)  # commits now, with a higher id than the slow move's
    sync_thread, started = in_thread(lambda: one_sync_start(publication_id=publication.pk))
    # Let the slow move commit only once the sync waits for it, or has finished without waiting for it.
    for _ in range(3000):
        if not sync_thread.is_alive() or a_session_waits_for_a_lock():
            break
        time.sleep(0.01)
    release.set()
    slow_thread.join()
    sync_thread.join()
    assert isinstance(started["value"], OneSyncRun)
    one_sync_send_now(run_id=started["value"].pk, wait_seconds=5)
    sync(publication)  # the next sync must not send anything twice

    sent = Counter(line["sku"] for _, _, body in fake_one.requests for line in body["stocks"])
    assert sent == Counter({slow.sku_id: 1, quick.sku_id: 1})
    assert fake_one.stock["WRO"] == {slow.sku_id: 2, quick.sku_id: 2}


def test_moves_committed_while_a_run_is_being_built_are_sent_by_the_next_run_exactly_once(
        fake_one, one_publication, warehouse, stocked, monkeypatch):
    again, fresh, steady = stocked(1), stocked(1), stocked(1)
    flag(again, fresh, steady)
    publication = one_publication()
    sync(publication)  # baseline: 1 each
    receive(warehouse, again, 1)  # a change waiting when the next run starts: 2
    fake_one.requests.clear()

    # The run pauses in its build after reading our stock (before reading what ONE holds), while other
    # transactions commit moves: one of a product the run has taken up, one of a product it has not.
    building, go_on = threading.Event(), threading.Event()
    held_of = selectors.held_of

    def paused_held_of(**kwargs):
        building.set()
        assert go_on.wait(30)
        return held_of(**kwargs)

    monkeypatch.setattr(selectors, "held_of", paused_held_of)
    sync_thread, started = in_thread(lambda: one_sync_start(publication_id=publication.pk))
    assert building.wait(30)
    receive(warehouse, again, 1)  # 3: committed after the run read 2
    receive(warehouse, fresh, 1)  # 2
    go_on.set()
    sync_thread.join()
    monkeypatch.setattr(selectors, "held_of", held_of)
    run = started["value"]
    assert isinstance(run, OneSyncRun)
    one_sync_send_now(run_id=run.pk, wait_seconds=5)
    first = [(line["sku"], line["quantity"]) for _, _, body in fake_one.requests for line in body["stocks"]]
    assert first == [(again.sku_id, 2)]
    fake_one.requests.clear()
    sync(publication)  # the next run: both moves, once
    assert sorted((line["sku"], line["quantity"]) for _, _, body in fake_one.requests
                  for line in body["stocks"]) == sorted([(again.sku_id, 3), (fresh.sku_id, 2)])
    fake_one.requests.clear()
    sync(publication)  # and nothing twice
    assert fake_one.requests == []
    assert fake_one.stock["WRO"] == {again.sku_id: 3, fresh.sku_id: 2, steady.sku_id: 1}


def test_two_syncs_of_one_warehouse_started_together_make_one_run(fake_one, one_publication, stocked, monkeypatch):
    # No worker picks the chunks up yet: the first run stays open while the others try to start.
    monkeypatch.setattr("wms.outbox.services._task_enqueue", lambda *args, **kwargs: None)
    flag(stocked(3))
    publication = one_publication()
    barrier = threading.Barrier(4)

    def start():
        barrier.wait()
        return one_sync_start(publication_id=publication.pk)

    threads = [in_thread(start) for _ in range(4)]
    for thread, _ in threads:
        thread.join()
    outcomes = [outcome["value"] for _, outcome in threads]
    runs = [o for o in outcomes if isinstance(o, OneSyncRun)]
    assert len(runs) == 1 and all(isinstance(o, SyncBusy) for o in outcomes if o not in runs)
    assert OneSyncRun.objects.count() == 1
