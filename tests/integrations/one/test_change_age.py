"""How long a change has waited for ONE (``OneStockChange.captured_at``, what the dashboard's lag reads): from its
first capture, not reset by a later change of the same product; a change made while a run was sending counts from
that run's start once the run succeeds."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.one.models import OneStockChange, OneSyncRun
from integrations.one.services import one_sync_send_now

from .helpers import flag, receive, sync

pytestmark = pytest.mark.django_db


def captured(product):
    return OneStockChange.objects.get(product=product).captured_at


def test_a_change_written_again_while_it_waits_keeps_its_first_capture(fake_one, one_publication, warehouse, stocked):
    product = stocked(2)
    flag(product)
    publication = one_publication()
    sync(publication)  # baseline
    before = timezone.now()
    receive(warehouse, product, 1)
    first = captured(product)
    assert first >= before
    OneStockChange.objects.filter(product=product).update(captured_at=first - timedelta(minutes=30))
    receive(warehouse, product, 1)  # changed again before any sync
    assert captured(product) == first - timedelta(minutes=30)
    sync(publication)
    assert not OneStockChange.objects.exists()


def test_a_change_made_while_a_run_sends_waits_from_that_runs_start(fake_one, one_publication, warehouse, stocked):
    product, other = stocked(2), stocked(3)
    flag(product, other)
    publication = one_publication()
    sync(publication)  # baseline
    receive(warehouse, product, 1)
    receive(warehouse, other, 1)
    long_ago = timezone.now() - timedelta(hours=2)
    OneStockChange.objects.update(captured_at=long_ago)
    run = sync(publication, send=False)  # built: both changes taken up
    receive(warehouse, product, 1)  # re-armed while the run sends
    one_sync_send_now(run_id=run.pk, wait_seconds=0)
    run.refresh_from_db()
    assert run.status == OneSyncRun.Status.SUCCEEDED
    assert list(OneStockChange.objects.values_list("product_id", flat=True)) == [product.pk]
    assert captured(product) == run.started_at  # ONE missed it since the run began, not for two hours
