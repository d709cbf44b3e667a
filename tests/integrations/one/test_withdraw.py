"""Disabling a publication withdraws every id ONE holds for it; enabling it again sends a baseline."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from integrations.one.models import OneHeldStock, OneStockChange, OneSyncRun
from integrations.one.services import (
    SyncBusy,
    SyncRefused,
    one_publication_clean_start,
    one_publication_disable,
    one_publication_enable_baseline,
    one_sync_fan_out,
    one_sync_send_now,
    one_sync_start,
)
from wms.core.errors import PermissionDenied

from .helpers import POST_URL, flag, receive, sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(fake_one, one_publication, stocked):
    """Three published products on ONE, and one stocked product never published."""
    products = [stocked(qty) for qty in (2, 3, 4)]
    stocked(9)
    flag(*products)
    publication = one_publication()
    sync(publication)
    fake_one.requests.clear()
    return publication, products


def test_disabling_withdraws_every_held_id_and_then_sends_nothing(fake_one, published, warehouse, supervisor):
    publication, products = published
    publication, run = one_publication_disable(publication_id=publication.pk, actor=supervisor)
    run = one_sync_send_now(run_id=run.pk, wait_seconds=0)
    assert (run.purpose, run.status, run.removals, run.lines) == ("WITHDRAW", "SUCCEEDED", 3, 0)
    assert [body for _, _, body in fake_one.requests] == [
        {"stocks": [], "stocksToRemove": [p.sku_id for p in products]}]
    assert fake_one.stock["WRO"] == {} and not OneHeldStock.objects.filter(publication=publication).exists()
    receive(warehouse, products[0], 5)
    assert not OneStockChange.objects.exists()
    with pytest.raises(SyncRefused, match="disabled"):
        one_sync_start(publication_id=publication.pk)
    assert one_sync_fan_out() == 0


def test_a_failed_withdraw_is_done_again_by_the_schedule(mocked, published, supervisor,
                                                         django_capture_on_commit_callbacks):
    publication, _products = published
    mocked.post(POST_URL, status=403)
    publication, run = one_publication_disable(publication_id=publication.pk, actor=supervisor)
    run = one_sync_send_now(run_id=run.pk, wait_seconds=0)
    assert run.status == "FAILED" and OneHeldStock.objects.filter(publication=publication).count() == 3
    mocked.replace("POST", POST_URL, status=200)
    with django_capture_on_commit_callbacks(execute=True):
        assert one_sync_fan_out() == 1  # the withdraw, while ONE still holds ids
    again = OneSyncRun.objects.filter(purpose="WITHDRAW").latest("pk")
    assert again.status == "SUCCEEDED" and not OneHeldStock.objects.filter(publication=publication).exists()
    assert one_sync_fan_out() == 0


def test_enabling_again_sends_a_baseline(fake_one, published, warehouse, supervisor):
    publication, products = published
    _, run = one_publication_disable(publication_id=publication.pk, actor=supervisor)
    one_sync_send_now(run_id=run.pk, wait_seconds=0)
    receive(warehouse, products[0], 1)
    one_publication_enable_baseline(publication_id=publication.pk, actor=supervisor)
    run = sync(publication)
    assert (run.purpose, run.lines, run.removals) == ("BASELINE", 3, 0)
    assert fake_one.stock["WRO"] == {products[0].sku_id: 3, products[1].sku_id: 3, products[2].sku_id: 4}


def test_disabling_needs_a_supervisor(published, receiver):
    with pytest.raises(PermissionDenied):
        one_publication_disable(publication_id=published[0].pk, actor=receiver)


def test_the_command_disables_withdraws_and_enables(fake_one, published, warehouse, capsys):
    publication, _products = published
    call_command("one_mapping", "--warehouse", warehouse.code, "--disable")
    assert "3 stock id(s) removed, none left" in capsys.readouterr().out
    assert fake_one.stock["WRO"] == {}
    publication.refresh_from_db()
    assert not publication.enabled
    call_command("one_mapping", "--warehouse", warehouse.code, "--enable")
    publication.refresh_from_db()
    assert publication.enabled and publication.baseline_needed


def test_the_command_fails_when_the_withdraw_fails(mocked, published, warehouse):
    mocked.post(POST_URL, status=401)
    with pytest.raises(CommandError, match="3 stock id"):
        call_command("one_mapping", "--warehouse", warehouse.code, "--disable")


def test_the_admin_action_asks_for_confirmation_then_withdraws(admin_client, fake_one, published,
                                                                django_capture_on_commit_callbacks):
    publication, _products = published
    url = reverse("admin:one_onepublication_changelist")
    page = admin_client.post(url, {"action": "disable_and_withdraw", "_selected_action": [publication.pk]})
    assert page.status_code == 200 and "3 stock id(s) ONE holds are removed" in page.content.decode()
    publication.refresh_from_db()
    assert publication.enabled and fake_one.requests == []  # nothing happens before the confirmation
    with django_capture_on_commit_callbacks(execute=True):  # the outbox sends the withdraw after commit
        response = admin_client.post(url, {"action": "disable_and_withdraw", "_selected_action": [publication.pk],
                                           "confirmed": "yes"})
    assert response.status_code == 302
    publication.refresh_from_db()
    assert not publication.enabled and fake_one.stock["WRO"] == {}


def test_a_clean_start_removes_what_an_earlier_integration_left_on_one(fake_one, one_publication, warehouse, stocked,
                                                                      capsys):
    published, left_over, absent = stocked(2), stocked(3), stocked(4)
    flag(published)
    fake_one.stock["WRO"] = {published.sku_id: 50, left_over.sku_id: 7, "NOT-OURS": 1}
    publication = one_publication()
    call_command("one_mapping", "--warehouse", warehouse.code, "--clean-start")
    assert "ONE holds 2 of" in capsys.readouterr().out
    fake_one.requests.clear()
    run = sync(publication)
    assert (run.purpose, run.lines, run.removals) == ("BASELINE", 1, 1)
    assert [body for _, _, body in fake_one.requests] == [
        {"stocks": [{"id": published.sku_id, "quantity": 2, "sku": published.sku_id}],
         "stocksToRemove": [left_over.sku_id]}]
    assert fake_one.stock["WRO"] == {published.sku_id: 2, "NOT-OURS": 1}  # an id not ours is never touched
    assert absent.sku_id not in fake_one.stock["WRO"]


def test_a_clean_start_is_refused_while_a_run_is_open(published, warehouse, supervisor):
    publication, products = published
    receive(warehouse, products[0], 1)
    assert sync(publication, send=False).status == "SENDING"
    with pytest.raises(SyncBusy, match="running"):
        one_publication_clean_start(publication_id=publication.pk, actor=supervisor)
