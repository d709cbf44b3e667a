"""Issue 17 end to end, over the admin with the Django test client: a receipt is completed and put away into bins,
an order is picked bin by bin in pick-path order, a count with a variance is approved, and ONE receives the new
available stock as an incremental change."""

import pytest
from django.urls import reverse

from integrations.one.models import OneSyncRun
from tests.integrations.one.helpers import POST_URL, bodies, flag, sync
from tests.wms.counts.helpers import bin_make, held
from tests.wms.inbound.helpers import complete, example_purchase_order
from tests.wms.outbound.helpers import order_create, url
from wms.counts.models import CountTask
from wms.inbound.models import PutawayTask
from wms.inventory.models import StockLevel, StockMove
from wms.inventory.selectors import stock_ledger_drift, stock_location_drift
from wms.outbound.models import OutboundOrder

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ow_callbacks", "one_settings")]


def test_receipt_put_away_picked_bin_by_bin_counted_approved_and_sent_to_one(
        client, mocked, one_publication, warehouse, receiver, picker, supervisor):
    inbound = example_purchase_order(warehouse)  # 5 × OW-100234 and 10 × OW-100235
    a, b = (line.product for line in inbound.lines.order_by("pk"))
    near, middle, far = (bin_make(warehouse, code, seq) for code, seq in (("A-01", 10), ("B-01", 20), ("C-01", 30)))
    flag(a, b)
    publication = one_publication()
    mocked.post(POST_URL, status=200)
    sync(publication)  # ONE knows the warehouse (nothing in stock yet)

    # Receiver: the receipt is completed in admin; the goods wait on the dock as putaway tasks.
    response = complete(client, inbound, receiver)
    assert response.status_code == 302
    assert set(PutawayTask.objects.values_list("from_location__code", flat=True)) == {"DOCK"}

    # Receiver: put away by scanning bins on the putaway screen; 2 of OW-100234 go to B-01, the rest to A-01.
    putaway_url = reverse("admin:inbound_putawaytask_putaway") + f"?order={inbound.pk}"
    for product, code, units in ((a, middle.barcode, 2), (a, near.barcode, 3), (b, far.barcode, 10)):
        task = PutawayTask.objects.get(product=product, status=PutawayTask.Status.OPEN)
        answer = client.post(putaway_url, {"task": task.pk, "code": code, "quantity": units})
        assert answer.status_code == 302, answer.content.decode()[-2000:]
    assert (held(near, a), held(middle, a), held(far, b)) == (3, 2, 10)

    # An order arrives and is allocated; the Picker picks it bin by bin in pick-path order on the pick page.
    order = order_create(warehouse, "OB-E2E-BINS", items=[{"sku_id": a.sku_id, "quantity": 4},
                                                          {"sku_id": b.sku_id, "quantity": 2}])
    assert order.status == OutboundOrder.Status.ALLOCATED
    client.force_login(picker)
    page = client.get(url("pick", order))
    assert [(s.location.code, s.product.sku_id, s.quantity) for s in page.context["stops"]] == [
        ("A-01", a.sku_id, 3), ("B-01", a.sku_id, 1), ("C-01", b.sku_id, 2)]
    for bin_code, item, units in ((near.barcode, a.barcode, "3"), (middle.barcode, a.sku_id, "1"),
                                  (far.barcode, b.barcode, "2")):
        assert page.context["next"]["big"] == bin_code.removeprefix("LOC-")  # the next bin, big
        client.post(url("pick", order), {"code": bin_code, "scan_submit": ""})
        page = client.post(url("pick", order), {"code": item, "quantity": units, "scan_submit": ""}, follow=True)
        assert page.context["messages"] and "picked" in [m.message for m in page.context["messages"]][-1]
    assert page.context["fully_picked"]
    picked_from = [m.from_location.code for m in StockMove.objects.filter(
        kind=StockMove.Kind.TRANSFER, reference_number="OB-E2E-BINS").order_by("pk")]
    assert picked_from == ["A-01", "B-01", "C-01"]

    # A Supervisor asks for B-01 to be counted; the Picker counts it blind and finds 3 where the system holds 1.
    client.force_login(supervisor)
    client.post(reverse("admin:inventory_location_changelist"),
                {"action": "count_request", "_selected_action": [middle.pk]})
    task = CountTask.objects.get(location=middle)
    client.force_login(picker)
    count_url = reverse("admin:counts_counttask_count", args=[task.pk])
    client.post(count_url, {"code": middle.barcode, "scan_submit": ""})
    client.post(count_url, {"code": a.barcode, "quantity": "3", "scan_submit": ""})
    client.post(count_url, {"finish": "Finish count"})
    task.refresh_from_db()
    assert task.state == CountTask.State.COUNTED

    # The Supervisor approves the variance (+2, found): an ADJUST move at B-01; ONE gets the new available.
    mocked.calls.reset()
    client.force_login(supervisor)
    client.post(reverse("admin:counts_counttask_review", args=[task.pk]),
                {"approve": "Approve", "reason": "FOUND", "note": "behind the carton"})
    task.refresh_from_db()
    assert (task.state, task.approved_by) == (CountTask.State.APPROVED, supervisor)
    adjust = StockMove.objects.get(kind=StockMove.Kind.ADJUST)
    assert (adjust.to_location, adjust.quantity, adjust.reason_code) == (middle, 2, "FOUND")
    level = StockLevel.objects.get(product=a, warehouse=warehouse)
    assert (level.on_hand, level.reserved, held(middle, a)) == (7, 4, 3)
    run = sync(publication)
    assert run.purpose == OneSyncRun.Purpose.CHANGES
    sent = {line["sku"]: line["quantity"] for body in bodies(mocked, "POST") for line in body["stocks"]}
    assert sent[a.sku_id] == 3  # available: 7 on hand - 4 reserved
    assert stock_ledger_drift() == [] and stock_location_drift() == []
