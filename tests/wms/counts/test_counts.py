"""Cycle counts: opened on request, by age and after a short pick; counted blind by scan or typed quantity; no
variance closes the task and unblocks the bin; a variance waits for a Supervisor, whose approval books ADJUST moves
at the bin (as a delta found at count time), and whose rejection opens a recount."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tests.factories import ProductFactory
from tests.helpers import TEST_ACTOR
from tests.wms.counts.helpers import bin_make, held, stock_into_bin
from wms.core.actors import COUNTS
from wms.core.errors import DomainValidationError, InsufficientStock, InvalidTransition, PermissionDenied
from wms.counts.models import CountLine, CountTask
from wms.counts.services import (
    count_task_approve,
    count_task_counts_save,
    count_task_for_short_pick,
    count_task_reject,
    count_task_scan,
    count_task_submit,
    count_tasks_create_due,
    count_tasks_request,
)
from wms.inventory.models import Location, StockLevel, StockMove
from wms.inventory.selectors import location_default, stock_ledger_drift, stock_location_drift
from wms.inventory.services import StockLine, stock_reserve, stock_transfer

pytestmark = pytest.mark.django_db
State = CountTask.State


@pytest.fixture
def shelf(warehouse):
    """Bin A-01 holding 5 of product a and 2 of product b."""
    a = ProductFactory(sku_id="CNT-A", barcode="4719000000001")
    b = ProductFactory(sku_id="CNT-B", barcode="4719000000002")
    location = bin_make(warehouse, "A-01", 10)
    stock_into_bin(warehouse, a, location, 5)
    stock_into_bin(warehouse, b, location, 2)
    return location, a, b


def counted(task, actor, scans):
    """Scan the bin, then each code of ``scans``, then finish."""
    count_task_scan(task=task, code=task.location.barcode, actor=actor)
    for code in scans:
        count_task_scan(task=task, code=code, actor=actor)
    return count_task_submit(task=task, actor=actor)


def level(warehouse, product):
    return StockLevel.objects.get(warehouse=warehouse, product=product)


def test_a_count_without_variance_closes_unblocks_and_marks_the_bin_counted(shelf, picker, supervisor):
    location, a, b = shelf
    Location.objects.filter(pk=location.pk).update(is_blocked=True, blocked_reason="check")
    (task,) = count_tasks_request(location_ids=[location.pk], actor=supervisor)
    assert sorted(task.lines.values_list("product__sku_id", flat=True)) == ["CNT-A", "CNT-B"]
    assert set(task.lines.values_list("expected", flat=True)) == {None}  # nothing to peek at while counting
    done = counted(task, picker, [a.barcode] * 5 + [b.sku_id] * 2)
    assert (done.state, done.counted_by, done.approved_by) == (State.APPROVED, picker, None)
    location.refresh_from_db()
    assert (location.is_blocked, location.blocked_reason, location.last_counted_at) == (False, "", done.counted_at)
    assert not StockMove.objects.filter(kind=StockMove.Kind.ADJUST).exists()


def test_a_variance_waits_for_a_supervisor_whose_approval_books_adjust_moves_at_the_bin(warehouse, shelf, receiver,
                                                                                       supervisor):
    location, a, b = shelf
    (task,) = count_tasks_request(location_ids=[location.pk], actor=supervisor)
    count_task_scan(task=task, code=location.barcode, actor=receiver)
    lines = {line.product_id: line for line in task.lines.all()}
    count_task_counts_save(task=task, counts={lines[a.pk].pk: 3, lines[b.pk].pk: 2}, actor=receiver)
    done = count_task_submit(task=task, actor=receiver)
    assert done.state == State.COUNTED
    assert {ln.product_id: (ln.expected, ln.counted, ln.variance) for ln in done.lines.all()} == {
        a.pk: (5, 3, -2), b.pk: (2, 2, 0)}
    with pytest.raises(PermissionDenied):
        count_task_approve(task=done, reason="LOST", actor=receiver)
    count_task_approve(task=done, reason="LOST", note="", actor=supervisor)
    move = StockMove.objects.get(kind=StockMove.Kind.ADJUST)
    assert (move.product, move.quantity, move.from_location, move.reason_code, move.user) == (
        a, -2, location, "LOST", supervisor)
    assert (held(location, a), level(warehouse, a).on_hand) == (3, 3)
    done.refresh_from_db()
    assert (done.state, done.approved_by, done.reason_code) == (State.APPROVED, supervisor, "LOST")
    assert stock_ledger_drift() == [] and stock_location_drift() == []


def test_approval_applies_the_delta_found_at_count_time_even_after_picks(warehouse, shelf, picker, supervisor):
    """Counted 4 of 5 (one lost); then 3 units leave the bin for packing before the approval: the bin ends at 1."""
    location, a, _ = shelf
    (task,) = count_tasks_request(location_ids=[location.pk], actor=supervisor)
    done = counted(task, picker, [a.barcode] * 4 + ["4719000000002"] * 2)
    pack = location_default(warehouse_id=warehouse.pk, kind=Location.Kind.PACKING)
    stock_transfer(warehouse_id=warehouse.pk, product_id=a.pk, quantity=3, from_location_id=location.pk,
                   to_location_id=pack.pk, actor=TEST_ACTOR)
    count_task_approve(task=done, reason="LOST", actor=supervisor)
    assert (held(location, a), held(pack, a), level(warehouse, a).on_hand) == (1, 3, 4)


def test_approval_is_refused_when_the_delta_would_leave_the_bin_negative(warehouse, shelf, picker, supervisor):
    location, a, _ = shelf
    (task,) = count_tasks_request(location_ids=[location.pk], actor=supervisor)
    done = counted(task, picker, [a.barcode] * 2 + ["4719000000002"] * 2)  # 3 of a missing
    pack = location_default(warehouse_id=warehouse.pk, kind=Location.Kind.PACKING)
    stock_transfer(warehouse_id=warehouse.pk, product_id=a.pk, quantity=4, from_location_id=location.pk,
                   to_location_id=pack.pk, actor=TEST_ACTOR)
    with pytest.raises(InsufficientStock):
        count_task_approve(task=done, reason="LOST", actor=supervisor)
    done.refresh_from_db()
    assert done.state == State.COUNTED and held(location, a) == 1  # nothing booked; reject and recount
    recount = count_task_reject(task=done, note="picks since", actor=supervisor)
    done.refresh_from_db()
    assert (done.state, done.rejected_by) == (State.REJECTED, supervisor)
    assert (recount.state, recount.recount_of, recount.location) == (State.OPEN, done, location)


def test_approval_is_refused_below_what_is_reserved(warehouse, shelf, picker, supervisor):
    location, a, _ = shelf
    stock_reserve(warehouse_id=warehouse.pk, lines=[StockLine(a.pk, 5)], reference_type="test",
                  reference_number="R", actor=TEST_ACTOR)
    (task,) = count_tasks_request(location_ids=[location.pk], actor=supervisor)
    done = counted(task, picker, [a.barcode] * 4 + ["4719000000002"] * 2)
    with pytest.raises(InsufficientStock, match="below reserved"):
        count_task_approve(task=done, reason="LOST", actor=supervisor)


def test_counting_is_blind_bin_first_and_refuses_another_bin(warehouse, shelf, picker):
    location, a, _ = shelf
    other = bin_make(warehouse, "B-02", 20)
    task = count_task_for_short_pick(location_id=location.pk, product_ids=[a.pk], note="short", actor=picker)
    with pytest.raises(DomainValidationError, match="Scan bin A-01 first"):
        count_task_scan(task=task, code=a.barcode, actor=picker)
    with pytest.raises(DomainValidationError, match="That is bin B-02; this count is of bin A-01"):
        count_task_scan(task=task, code=other.barcode, actor=picker)
    count_task_scan(task=task, code=location.barcode, actor=picker)
    with pytest.raises(DomainValidationError, match="Unknown code"):
        count_task_scan(task=task, code="NOPE", actor=picker)
    stranger = ProductFactory(sku_id="CNT-FOUND")
    line = count_task_scan(task=task, code="CNT-FOUND", quantity=3, actor=picker)
    assert (line.product, line.counted) == (stranger, 3)  # found in the bin though not expected there


def test_a_product_the_counter_never_saw_counts_as_none_found(warehouse, shelf, picker, supervisor):
    location, a, b = shelf
    (task,) = count_tasks_request(location_ids=[location.pk], actor=supervisor)
    CountLine.objects.filter(task=task, product=b).delete()  # e.g. put away after the task was opened
    done = counted(task, picker, [a.barcode] * 5)
    assert {ln.product.sku_id: (ln.expected, ln.counted) for ln in done.lines.all()} == {
        "CNT-A": (5, 5), "CNT-B": (2, 0)}
    assert done.state == State.COUNTED


def test_one_live_task_per_bin_and_the_age_rule(warehouse, shelf, supervisor, settings):
    location, _, _ = shelf
    settings.COUNT_INTERVAL_DAYS = 30
    empty = bin_make(warehouse, "Z-99", 99)  # holds nothing: not due
    recent = bin_make(warehouse, "R-01", 5, last_counted_at=timezone.now() - timedelta(days=3))
    stock_into_bin(warehouse, ProductFactory(), recent, 1)
    opened = count_tasks_create_due(actor=COUNTS)
    assert {task.location.code for task in opened} == {"A-01"}
    assert {task.origin for task in opened} == {CountTask.Origin.AGE}
    assert count_tasks_create_due(actor=COUNTS) == []  # the live task is not doubled
    assert count_tasks_request(location_ids=[location.pk, empty.pk], actor=supervisor)[0].location == empty
    assert CountTask.objects.filter(location=location).count() == 1


def test_the_due_command_opens_tasks_and_names_them(warehouse, shelf, capsys):
    call_command("count_tasks_create_due", "--days", "0")
    out = capsys.readouterr().out
    assert "A-01" in out and "1 count task(s) opened." in out
    assert CountTask.objects.get().created_actor == "system:command:count_tasks_create_due"


def test_requesting_counts_is_for_supervisors_and_counting_for_the_floor(shelf, receiver, picker, supervisor):
    location, _, _ = shelf
    with pytest.raises(PermissionDenied):
        count_tasks_request(location_ids=[location.pk], actor=picker)
    (task,) = count_tasks_request(location_ids=[location.pk], actor=supervisor)
    for actor in (receiver, picker, supervisor):
        count_task_scan(task=task, code=location.barcode, actor=actor)
    with pytest.raises(PermissionDenied):
        count_task_scan(task=task, code=location.barcode, actor=COUNTS)


def test_a_closed_task_takes_no_more_counts(shelf, picker, supervisor):
    location, a, b = shelf
    (task,) = count_tasks_request(location_ids=[location.pk], actor=supervisor)
    done = counted(task, picker, [a.barcode] * 5 + [b.barcode] * 2)
    with pytest.raises(InvalidTransition):
        count_task_scan(task=done, code=a.barcode, actor=picker)
    with pytest.raises(InvalidTransition):
        count_task_approve(task=done, reason="LOST", actor=supervisor)


# --- Admin ---------------------------------------------------------------------------------------------------

def test_count_screen_and_review_in_admin(client, warehouse, shelf, picker, supervisor):
    location, a, b = shelf
    client.force_login(supervisor)
    client.post(reverse("admin:inventory_location_changelist"),
                {"action": "count_request", "_selected_action": [location.pk]})
    task = CountTask.objects.get(location=location)
    assert task.origin == CountTask.Origin.REQUEST

    client.force_login(picker)
    count_url = reverse("admin:counts_counttask_count", args=[task.pk])
    page = client.get(count_url)
    assert (page.context["next"]["label"], page.context["next"]["big"]) == ("Go to bin", "A-01")
    assert client.get(reverse("admin:counts_counttask_review", args=[task.pk])).status_code == 403
    client.post(count_url, {"code": location.barcode, "scan_submit": ""})
    page = client.post(count_url, {"code": a.barcode, "quantity": "4", "scan_submit": ""}, follow=True)
    assert "CNT-A: 4 counted." in page.content.decode()
    assert ">5<" not in page.content.decode().split('id="count-lines"')[1]  # what is expected stays hidden
    line_b = task.lines.get(product=b)
    page = client.post(count_url, {f"counted_{line_b.pk}": "x", "save": ""}, follow=True).content.decode()
    assert "CNT-B counted: Enter a whole number" in page and 'value="x"' in page  # named, and kept as typed
    client.post(count_url, {f"counted_{line_b.pk}": "2", "finish": "Finish count"})
    task.refresh_from_db()
    assert task.state == State.COUNTED

    client.force_login(supervisor)
    review_url = reverse("admin:counts_counttask_review", args=[task.pk])
    page = client.get(review_url).content.decode()
    assert "<strong>-1</strong>" in page
    page = client.post(review_url, {"approve": "1", "reason": ""}, follow=True).content.decode()
    assert "Reason: Choose why the stock differs." in page
    client.post(review_url, {"approve": "1", "reason": "OTHER", "note": "torn box, thrown away"})
    task.refresh_from_db()
    assert task.state == State.APPROVED and held(location, a) == 4


def test_count_tasks_are_listed_for_each_role_with_what_it_may_open(client, shelf, receiver, supervisor):
    location, _, _ = shelf
    (task,) = count_tasks_request(location_ids=[location.pk], actor=supervisor)
    client.force_login(receiver)
    listing = client.get(reverse("admin:counts_counttask_changelist")).content.decode()
    assert reverse("admin:counts_counttask_count", args=[task.pk]) in listing
    assert "Review" not in listing
    assert client.get(reverse("admin:counts_counttask_change", args=[task.pk])).status_code == 200


def test_a_supervisor_adjusts_stock_directly_at_a_location_with_a_reason(client, warehouse, shelf, supervisor,
                                                                         picker):
    location, a, _ = shelf
    level = StockLevel.objects.get(warehouse=warehouse, product=a)
    url = reverse("admin:inventory_stocklevel_adjust", args=[level.pk])
    client.force_login(picker)
    assert client.get(url).status_code == 403
    client.force_login(supervisor)
    page = client.post(url, {"delta": "-1", "reason": "DAMAGED_FOUND", "location": "NOPE"}).content.decode()
    assert "No location &#x27;NOPE&#x27; in this warehouse." in page and 'value="NOPE"' in page
    page = client.post(url, {"delta": "-6", "reason": "LOST", "location": "A-01"}, follow=True).content.decode()
    assert "A-01" in page and held(location, a) == 5  # refused: the bin holds 5
    assert client.post(url, {"delta": "-2", "reason": "LOST", "location": "A-01"}).status_code == 302
    move = StockMove.objects.get(kind=StockMove.Kind.ADJUST)
    assert (move.from_location, move.quantity, move.reason_code, move.user) == (location, -2, "LOST", supervisor)
    assert held(location, a) == 3 and stock_location_drift() == []
