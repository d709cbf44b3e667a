import pytest
from responses import matchers

from integrations.one.models import OnePublication, OneStockChange, OneSyncChunk, OneSyncRun
from integrations.one.services import SyncBusy, one_sync_send_now, one_sync_start
from tests.factories import ProductFactory
from wms.outbox.models import OutboxMessage
from wms.outbox.services import outbox_message_dispatch, outbox_message_retry

from .helpers import (
    API_KEY,
    POST_URL,
    PUT_URL,
    TENANT,
    bodies,
    flag,
    receive,
    reserve,
    sent_skus,
    sync,
)

pytestmark = pytest.mark.django_db
Mode = OnePublication.Mode
Status = OneSyncRun.Status
Purpose = OneSyncRun.Purpose
WRITE_HEADERS = {"one-tenant": TENANT, "ApiAuth": API_KEY, "accept": "*/*", "Content-Type": "application/json"}


def test_full_sync_puts_every_flagged_product_with_available_as_the_contract_shows(
        mocked, one_publication, warehouse, two_products):
    unflagged = ProductFactory()
    receive(warehouse, unflagged, 5)
    mocked.put(PUT_URL, status=200, match=[
        matchers.json_params_matcher({"stocks": [
            {"id": "SIGNY_51502000", "quantity": 12, "sku": "SIGNY_51502000"},
            {"id": "SIGNY_51500600", "quantity": 12, "sku": "SIGNY_51500600"},
        ]}, strict_match=True),
        matchers.header_matcher(WRITE_HEADERS),
    ])
    run = sync(one_publication(mode=Mode.FULL))
    assert (run.status, run.purpose, run.mode, run.lines, run.chunks_total) == (
        Status.SUCCEEDED, "BASELINE", "FULL", 2, 1)
    assert len(mocked.calls) == 1 and mocked.calls[0].request.method == "PUT"


def test_incremental_post_sends_changed_products_as_absolute_quantities_with_removals(
        mocked, one_publication, warehouse, two_products):
    a, b = two_products
    publication = one_publication()
    mocked.post(POST_URL, status=200)
    assert sync(publication).status == Status.SUCCEEDED  # the baseline
    mocked.calls.reset()
    receive(warehouse, a, 6)
    flag(b, enabled=False)
    mocked.replace("POST", POST_URL, status=200, match=[
        matchers.json_params_matcher({"stocks": [{"id": "SIGNY_51502000", "quantity": 18, "sku": "SIGNY_51502000"}],
                                      "stocksToRemove": ["SIGNY_51500600"]}, strict_match=True),
        matchers.header_matcher(WRITE_HEADERS),
    ])
    run = sync(publication)
    assert (run.status, run.purpose, run.lines, run.removals) == (Status.SUCCEEDED, "CHANGES", 1, 1)
    assert len(mocked.calls) == 1


def test_first_sync_of_an_incremental_warehouse_is_a_baseline_of_every_flagged_product(
        mocked, one_publication, two_products):
    mocked.post(POST_URL, status=200)
    run = sync(one_publication())
    assert (run.purpose, run.mode, run.status) == ("BASELINE", "INCREMENTAL", Status.SUCCEEDED)
    assert bodies(mocked) == [{"stocks": [
        {"id": "SIGNY_51502000", "quantity": 12, "sku": "SIGNY_51502000"},
        {"id": "SIGNY_51500600", "quantity": 12, "sku": "SIGNY_51500600"}], "stocksToRemove": []}]


@pytest.mark.parametrize("count, expected_sizes", [(2, [2]), (3, [3]), (4, [3, 1]), (9, [3, 3, 3])])
def test_incremental_requests_hold_at_most_the_limit_each_in_its_own_queued_message(
        mocked, one_publication, warehouse, settings, count, expected_sizes):
    settings.ONE_MAX_LINES_PER_REQUEST = 3
    products = ProductFactory.create_batch(count)
    for product in products:
        receive(warehouse, product, 1)
    flag(*products)
    mocked.post(POST_URL, status=200)
    publication = one_publication()
    sync(publication)  # baseline
    mocked.calls.reset()
    for product in products:
        receive(warehouse, product, 2)
    run = sync(publication)
    assert (run.status, run.purpose, run.chunks_total, run.chunks_sent) == (
        Status.SUCCEEDED, "CHANGES", len(expected_sizes), len(expected_sizes))
    assert [len(body["stocks"]) for body in bodies(mocked)] == expected_sizes
    assert sorted(sent_skus(mocked)) == sorted(p.sku_id for p in products)
    messages = OutboxMessage.objects.filter(aggregate_type="one_sync_run", aggregate_id=str(run.pk))
    assert messages.count() == len(expected_sizes) and set(messages.values_list("status", flat=True)) == {"SENT"}


@pytest.fixture
def three_synced(mocked, one_publication, warehouse, settings):
    """Three stocked and flagged products, at most 2 lines a request, after the first sync (a baseline)."""
    settings.ONE_MAX_LINES_PER_REQUEST = 2
    products = ProductFactory.create_batch(3)
    for product in products:
        receive(warehouse, product, 1)
    flag(*products)
    publication = one_publication()
    mocked.post(POST_URL, status=200)
    sync(publication)
    return publication, products


def test_baseline_chunks_count_removals_within_the_limit(mocked, three_synced):
    publication, products = three_synced
    mocked.calls.reset()
    flag(products[0], enabled=False)
    run = sync(publication, purpose=Purpose.BASELINE)
    assert [(len(b["stocks"]), len(b["stocksToRemove"])) for b in bodies(mocked)] == [(2, 0), (0, 1)]
    assert run.status == Status.SUCCEEDED


def test_many_moves_of_one_product_become_one_line(mocked, one_publication, warehouse, stocked):
    product = stocked(1)
    flag(product)
    publication = one_publication()
    mocked.post(POST_URL, status=200)
    sync(publication)
    mocked.calls.reset()
    for _ in range(5):
        receive(warehouse, product, 1)
    reserve(warehouse, product, 2)
    sync(publication)
    assert bodies(mocked) == [{"stocks": [{"id": product.sku_id, "quantity": 4, "sku": product.sku_id}],
                               "stocksToRemove": []}]


def test_unflagged_product_is_removed_incrementally_and_left_out_of_the_next_put(
        mocked, one_publication, warehouse, two_products):
    a, b = two_products
    mocked.put(PUT_URL, status=200)
    publication = one_publication(mode=Mode.FULL)
    sync(publication)
    flag(b, enabled=False)
    mocked.calls.reset()
    sync(publication)
    assert bodies(mocked) == [{"stocks": [{"id": a.sku_id, "quantity": 12, "sku": a.sku_id}]}]


def test_flagging_a_product_later_publishes_its_stock_without_a_move(mocked, one_publication, warehouse, stocked):
    product = stocked(7)
    publication = one_publication()
    mocked.post(POST_URL, status=200)
    sync(publication)
    assert bodies(mocked) == []  # nothing flagged yet: nothing sent
    flag(product)
    sync(publication)
    assert sent_skus(mocked) == [product.sku_id]


def test_a_full_warehouse_with_nothing_changed_is_not_put_again(mocked, one_publication, two_products):
    mocked.put(PUT_URL, status=200)
    publication = one_publication(mode=Mode.FULL)
    sync(publication)
    run = sync(publication)
    assert (run.status, run.chunks_total, len(mocked.calls)) == (Status.SUCCEEDED, 0, 1)


def test_changes_stay_when_a_chunk_fails_and_the_next_run_sends_only_what_one_did_not_take(
        mocked, warehouse, three_synced):
    publication, products = three_synced
    for product in products:
        receive(warehouse, product, 1)
    mocked.calls.reset()
    mocked.replace("POST", POST_URL, status=200)
    mocked.add("POST", POST_URL, status=401)
    run = sync(publication)
    publication.refresh_from_db()
    assert run.status == Status.FAILED and "chunk 2" in run.error
    assert publication.active_run is None and OneStockChange.objects.filter(publication=publication).count() == 3
    first_chunk = [line["sku"] for line in bodies(mocked)[0]["stocks"]]
    mocked.calls.reset()
    mocked.replace("POST", POST_URL, status=200)
    retry = sync(publication)
    assert retry.status == Status.SUCCEEDED and not OneStockChange.objects.filter(publication=publication).exists()
    # ONE took the first chunk: only the rest is sent again.
    assert sorted(sent_skus(mocked)) == sorted(p.sku_id for p in products if p.sku_id not in first_chunk)


def test_401_is_not_retried_and_is_shown_to_staff(mocked, one_publication, two_products):
    mocked.post(POST_URL, status=401)
    run = sync(one_publication())
    message = OutboxMessage.objects.get(aggregate_id=str(run.pk))
    assert (message.status, message.attempts) == (OutboxMessage.Status.DEAD, 1)
    assert "credentials" in message.last_error and "credentials" in run.error
    assert run.status == Status.FAILED and OneSyncChunk.objects.get(run=run).status == "FAILED"
    assert outbox_message_dispatch(message_id=message.pk) is None and len(mocked.calls) == 1


def test_503_is_retried_with_backoff_and_the_run_finishes_when_it_goes_through(mocked, one_publication, two_products):
    mocked.post(POST_URL, status=503)
    mocked.post(POST_URL, status=200)
    publication = one_publication()
    run = sync(publication)
    message = OutboxMessage.objects.get(aggregate_id=str(run.pk))
    assert message.status == OutboxMessage.Status.FAILED and message.next_attempt_at is not None
    assert run.status == Status.SENDING and "will be retried" in run.error
    assert outbox_message_dispatch(message_id=message.pk) is None  # not due before its backoff
    outbox_message_retry(message=message)
    assert outbox_message_dispatch(message_id=message.pk) == OutboxMessage.Status.SENT
    run.refresh_from_db()
    publication.refresh_from_db()
    assert run.status == Status.SUCCEEDED and not publication.baseline_needed and len(mocked.calls) == 2


def test_a_chunk_that_runs_out_of_retries_fails_its_run(mocked, one_publication, two_products, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    mocked.post(POST_URL, status=503)
    run = sync(one_publication())
    assert run.status == Status.FAILED
    assert OutboxMessage.objects.get(aggregate_id=str(run.pk)).status == OutboxMessage.Status.DEAD


def test_full_warehouse_over_the_limit_is_refused_with_a_message_recommending_incremental(
        mocked, one_publication, two_products, settings):
    settings.ONE_MAX_LINES_PER_REQUEST = 1
    publication = one_publication(mode=Mode.FULL)
    run = sync(publication)
    publication.refresh_from_db()
    assert run.status == Status.REFUSED and run.chunks_total == 0
    assert "2 flagged products" in run.error and "cannot be split" in run.error and "INCREMENTAL" in run.error
    assert len(mocked.calls) == 0 and publication.active_run is None and not OutboxMessage.objects.exists()


def test_a_second_sync_of_a_warehouse_is_refused_while_one_is_open(mocked, one_publication, two_products, warehouse):
    mocked.post(POST_URL, status=200)
    publication = one_publication()
    first = sync(publication, send=False)
    assert first.status == Status.SENDING
    with pytest.raises(SyncBusy, match=f"run #{first.pk}"):
        one_sync_start(publication_id=publication.pk)
    assert OneSyncRun.objects.count() == 1
    one_sync_send_now(run_id=first.pk, wait_seconds=0)
    assert sync(publication).status == Status.SUCCEEDED


def test_moves_during_a_sync_are_published_by_the_next_one_exactly_once(mocked, one_publication, warehouse, stocked):
    early, late = stocked(1), stocked(1)
    flag(early, late)
    publication = one_publication()
    mocked.post(POST_URL, status=200)
    sync(publication)
    receive(warehouse, early, 1)
    run = sync(publication, send=False)  # built: its horizon is fixed
    receive(warehouse, late, 1)  # arrives while the run is being sent
    mocked.calls.reset()
    one_sync_send_now(run_id=run.pk, wait_seconds=0)
    assert sent_skus(mocked) == [early.sku_id]
    mocked.calls.reset()
    sync(publication)
    assert sent_skus(mocked) == [late.sku_id]
    mocked.calls.reset()
    sync(publication)
    assert sent_skus(mocked) == []


def test_a_run_whose_chunk_the_outbox_gave_up_does_not_hold_the_lock(mocked, one_publication, two_products):
    publication = one_publication()
    first = sync(publication, send=False)
    OutboxMessage.objects.filter(aggregate_id=str(first.pk)).update(status=OutboxMessage.Status.DEAD)
    mocked.post(POST_URL, status=200)
    second = sync(publication)
    first.refresh_from_db()
    assert (first.status, second.status) == (Status.FAILED, Status.SUCCEEDED)
    assert "gave chunk 1 up" in first.error


def test_an_explicit_full_sync_puts_even_when_nothing_changed(mocked, one_publication, two_products):
    mocked.put(PUT_URL, status=200)
    publication = one_publication(mode=Mode.FULL)
    sync(publication)
    assert sync(publication, purpose=Purpose.CHANGES).chunks_total == 0
    assert sync(publication, purpose=Purpose.BASELINE).chunks_total == 1 and len(mocked.calls) == 2
