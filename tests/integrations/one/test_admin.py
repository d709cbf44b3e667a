import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from integrations.one.models import OnePublication, OneStockDrift, OneSyncRun
from integrations.one.services import one_reconcile, one_sync_send_now
from tests.factories import ProductFactory, WarehouseFactory

from .helpers import POST_URL, flag, receive, reserve, sync

pytestmark = pytest.mark.django_db
Mode = OnePublication.Mode


def _history(fake_one, one_publication, warehouse, rounds):
    publication = OnePublication.objects.filter(warehouse=warehouse).first() or one_publication()
    for _ in range(rounds):
        product = ProductFactory()
        receive(warehouse, product, 4)
        flag(product)
        sync(publication)
        reserve(warehouse, product, 1)
        fake_one.stock["WRO"][product.sku_id] = 9
        one_reconcile(publication_id=publication.pk)
    return publication


@pytest.mark.parametrize("url", [
    "admin:one_onepublication_changelist", "admin:one_onesyncrun_changelist", "admin:one_onesyncchunk_changelist",
    "admin:one_onereconciliation_changelist", "admin:one_onestockdrift_changelist",
])
def test_one_admin_lists_keep_a_constant_query_count(admin_client, fake_one, one_publication, warehouse, url):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get(reverse(url)).status_code == 200
        return len(ctx.captured_queries)

    _history(fake_one, one_publication, warehouse, 1)
    few = queries()
    _history(fake_one, one_publication, warehouse, 4)
    one_publication(warehouse_=WarehouseFactory(code="TW-KHH-01"), one_warehouse_id="KHH")
    assert queries() == few


def test_run_page_shows_its_chunks_and_a_chunk_page_its_request_and_answer(admin_client, fake_one, one_publication,
                                                                           warehouse):
    _history(fake_one, one_publication, warehouse, 1)
    run = OneSyncRun.objects.get()
    chunk = run.chunks.get()
    page = admin_client.get(reverse("admin:one_onesyncrun_change", args=[run.pk])).content.decode()
    assert "Baseline" in page and reverse("admin:one_onesyncchunk_change", args=[chunk.pk]) in page
    page = admin_client.get(reverse("admin:one_onesyncchunk_change", args=[chunk.pk])).content.decode()
    assert "stocksToRemove" in page and f"?outbox_message_id={chunk.outbox_message_id}" in page


def test_changing_the_mode_goes_through_a_confirmation_page_that_says_what_happens(
        admin_client, fake_one, one_publication, warehouse, django_capture_on_commit_callbacks):
    publication = _history(fake_one, one_publication, warehouse, 2)
    url = reverse("admin:one_onepublication_switch", args=[publication.pk])
    page = admin_client.get(url).content.decode()
    assert "Remove this warehouse's stock on ONE" in page and "2 product(s) ONE holds are removed" in page
    assert "baseline with the new endpoint" in page and "one PUT" in page
    publication.refresh_from_db()
    assert publication.mode == Mode.INCREMENTAL  # nothing changes before the confirmation
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url)
    assert response.status_code == 302
    publication.refresh_from_db()
    assert publication.mode == Mode.FULL and not publication.switch_pending
    assert [method for method, _, _ in fake_one.requests][-2:] == ["POST", "PUT"]


def test_mode_and_enabled_are_not_editable_in_the_change_form(admin_client, one_publication):
    # The mode changes through the switch procedure, "enabled" through the withdraw and enable actions.
    publication = one_publication()
    response = admin_client.post(reverse("admin:one_onepublication_change", args=[publication.pk]),
                                 {"mode": "FULL", "enabled": ""})
    assert response.status_code == 302
    publication.refresh_from_db()
    assert publication.mode == Mode.INCREMENTAL and publication.enabled is True


def test_a_publication_is_added_in_admin_through_the_service(admin_client, warehouse):
    response = admin_client.post(reverse("admin:one_onepublication_add"), {
        "warehouse": warehouse.pk, "one_warehouse_id": "WRO", "mode": "FULL", "enabled": "on"})
    assert response.status_code == 302
    publication = OnePublication.objects.get()
    assert (publication.one_warehouse_id, publication.mode, publication.baseline_needed) == ("WRO", Mode.FULL, True)


def test_drift_view_lists_the_latest_drift_and_resyncs_the_selected_products(
        admin_client, fake_one, one_publication, warehouse, django_capture_on_commit_callbacks):
    _history(fake_one, one_publication, warehouse, 2)
    latest = OneStockDrift.objects.filter(reconciliation__pk=OneStockDrift.objects.order_by("-reconciliation_id")
                                          .values("reconciliation_id")[:1])
    page = admin_client.get(reverse("admin:one_onestockdrift_changelist"))
    assert list(page.context["cl"].queryset.order_by("pk")) == list(latest.order_by("pk"))
    assert latest.count() == 1 and OneStockDrift.objects.count() == 2  # the first one was fixed by the 2nd sync
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:one_onestockdrift_changelist"), {
            "action": "resync_selected", "_selected_action": [d.pk for d in latest]})
    assert response.status_code == 302
    run = OneSyncRun.objects.filter(purpose="RESYNC").get()
    assert (run.lines, run.status) == (1, "SUCCEEDED")
    one_reconcile(publication_id=run.publication_id)
    assert admin_client.get(reverse("admin:one_onestockdrift_changelist")).context["cl"].result_count == 0


def test_supervisor_sees_the_one_pages(client, supervisor):
    client.force_login(supervisor)
    for url in ("admin:one_onepublication_changelist", "admin:one_onesyncrun_changelist",
                "admin:one_onestockdrift_changelist"):
        assert client.get(reverse(url)).status_code == 200


def test_a_running_syncs_page_shows_its_progress_and_refreshes_itself(admin_client, mocked, one_publication, warehouse,
                                                                        settings):
    settings.ONE_MAX_LINES_PER_REQUEST = 1
    products = ProductFactory.create_batch(3)
    for product in products:
        receive(warehouse, product, 2)
    flag(*products)
    mocked.post(POST_URL, status=200)
    publication = one_publication()
    run = sync(publication, send=False)
    assert (run.status, run.chunks_total) == ("SENDING", 3)
    page = admin_client.get(reverse("admin:one_onesyncrun_change", args=[run.pk])).content.decode()
    assert '<progress value="0" max="3"' in page and "0 of 3 chunk(s) sent, 3 line(s)" in page
    assert 'http-equiv="refresh"' in page
    one_sync_send_now(run_id=run.pk, wait_seconds=0)
    page = admin_client.get(reverse("admin:one_onesyncrun_change", args=[run.pk])).content.decode()
    assert '<progress value="3" max="3"' in page and 'http-equiv="refresh"' not in page


def test_a_reconciliation_page_lists_its_drift_and_resyncs_the_selected_products(
        admin_client, fake_one, one_publication, warehouse, django_capture_on_commit_callbacks):
    a, b = ProductFactory(), ProductFactory()
    receive(warehouse, a, 4)
    receive(warehouse, b, 5)
    flag(a, b)
    publication = one_publication()
    sync(publication)
    fake_one.stock["WRO"][a.sku_id] = 1
    fake_one.stock["WRO"][b.sku_id] = 9
    reconciliation = one_reconcile(publication_id=publication.pk)
    url = reverse("admin:one_onereconciliation_change", args=[reconciliation.pk])
    page = admin_client.get(url).content.decode()
    assert "2 drifted" in page and a.sku_id in page and b.sku_id in page and "Resync selected" in page
    drift_a = reconciliation.drifts.get(product=a)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, {"drift": [str(drift_a.pk), "x", "99999"]})
    assert response.status_code == 302
    assert fake_one.stock["WRO"] == {a.sku_id: 4, b.sku_id: 9}  # only the selected one


def test_admin_home_says_per_publication_when_stock_last_reached_one_and_how_many_changes_wait(
        admin_client, fake_one, one_publication, warehouse):
    product = ProductFactory(sku_id="HOME-1")
    receive(warehouse, product, 3)
    flag(product)
    publication = one_publication()
    sync(publication)
    receive(warehouse, product, 1)
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "ONE stock sync" in page and warehouse.code in page
    section = page.split("ONE stock sync", 1)[1].split("</table>", 1)[0]
    assert "never" not in section and "<strong>1</strong>" in section


def test_publications_and_runs_read_as_words_where_admin_names_them(one_publication):
    """Admin names a publication and a run by their text (the runs' list, breadcrumbs, the drift page): words, not
    the enum values a developer reads ("[INCREMENTAL, INCREMENTAL]" was what staff saw)."""
    publication = one_publication()
    run = OneSyncRun(pk=7, publication=publication, purpose=OneSyncRun.Purpose.BASELINE,
                     mode=publication.mode, status=OneSyncRun.Status.SENDING)

    assert str(publication) == f"{publication.warehouse.code} → ONE WRO (incremental)"
    assert str(run) == "#7 baseline, sending"
