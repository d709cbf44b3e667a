"""The cursor and the lock against real concurrent transactions.

PostgreSQL: ids are drawn at insert, seen at commit.
"""

import threading
import time
from collections import Counter

import pytest
from django.db import transaction

from integrations.one.models import OneSyncRun
from integrations.one.services import SyncBusy, one_sync_send_now, one_sync_start
from tests.helpers import a_session_waits_for_a_lock, in_thread, requires_postgres

from .helpers import flag, receive, sync

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]


def test_no_duplicate_or_lost_change_when_moves_arrive_during_a_sync(fake_one, one_mapping, warehouse, stocked):
    slow, quick = stocked(1), stocked(1)
    flag(slow, quick)
    mapping = one_mapping()
    sync(mapping)  # baseline
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
    sync_thread, started = in_thread(lambda: one_sync_start(mapping_id=mapping.pk))
    # Let the slow move commit only once the sync waits for it, or has finished without waiting (a naive cursor).
    for _ in range(3000):
        if not sync_thread.is_alive() or a_session_waits_for_a_lock():
            break
        time.sleep(0.01)
    release.set()
    slow_thread.join()
    sync_thread.join()
    assert isinstance(started["value"], OneSyncRun)
    one_sync_send_now(run_id=started["value"].pk, wait_seconds=5)
    sync(mapping)  # the next sync must not send anything twice

    sent = Counter(line["sku"] for _, _, body in fake_one.requests for line in body["stocks"])
    assert sent == Counter({slow.sku_id: 1, quick.sku_id: 1})
    assert fake_one.stock["WRO"] == {slow.sku_id: 2, quick.sku_id: 2}


def test_two_syncs_of_one_warehouse_started_together_make_one_run(fake_one, one_mapping, stocked, monkeypatch):
    # No worker picks the chunks up yet: the first run stays open while the others try to start.
    monkeypatch.setattr("wms.outbox.services._task_enqueue", lambda *args, **kwargs: None)
    flag(stocked(3))
    mapping = one_mapping()
    barrier = threading.Barrier(4)

    def start():
        barrier.wait()
        return one_sync_start(mapping_id=mapping.pk)

    threads = [in_thread(start) for _ in range(4)]
    for thread, _ in threads:
        thread.join()
    outcomes = [outcome["value"] for _, outcome in threads]
    runs = [o for o in outcomes if isinstance(o, OneSyncRun)]
    assert len(runs) == 1 and all(isinstance(o, SyncBusy) for o in outcomes if o not in runs)
    assert OneSyncRun.objects.count() == 1
