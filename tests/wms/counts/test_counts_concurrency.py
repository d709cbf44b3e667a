"""PostgreSQL, real threads: picks, a count's approval and a direct adjustment of the same bin at once never drive
the bin (or the level) negative; whatever is refused is refused by name, and ledger, levels and bins stay equal."""

import pytest

from tests.factories import ProductFactory
from tests.helpers import race, requires_postgres
from tests.wms.counts.helpers import bin_make, held, stock_into_bin
from tests.wms.outbound.helpers import order_create
from wms.core.errors import DomainError
from wms.counts.models import CountTask
from wms.counts.services import count_task_approve, count_task_scan, count_task_submit, count_tasks_request
from wms.inventory.models import StockLevel
from wms.inventory.selectors import stock_ledger_drift, stock_location_drift
from wms.inventory.services import stock_adjust
from wms.outbound.services import outbound_order_pick_confirm

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("round_", range(3))
def test_picks_counts_and_adjustments_of_one_bin_at_once_never_drive_it_negative(warehouse, picker, supervisor,
                                                                                  round_):
    product = ProductFactory(sku_id="RACE-1", barcode="4719999000001")
    hot = bin_make(warehouse, "A-01", 10)
    spare = bin_make(warehouse, "B-01", 20)
    stock_into_bin(warehouse, product, hot, 10)
    stock_into_bin(warehouse, product, spare, 10)
    orders = [order_create(warehouse, f"OB-RACE-{i}", items=[{"sku_id": "RACE-1", "quantity": 1}])
              for i in range(6)]
    (task,) = count_tasks_request(location_ids=[hot.pk], actor=supervisor)
    count_task_scan(task=task, code=hot.barcode, actor=picker)
    count_task_scan(task=task, code=product.barcode, quantity=5, actor=picker)
    task = count_task_submit(task=task, actor=picker)  # counted 5 of 10: a variance of -5 awaits approval

    def act(index):
        if index < len(orders):
            return outbound_order_pick_confirm(order=orders[index], location_code=hot.barcode, code="RACE-1",
                                               actor=picker)
        if index == len(orders):
            return count_task_approve(task=task, reason="LOST", actor=supervisor)
        return stock_adjust(warehouse_id=warehouse.pk, product_id=product.pk, quantity=-3, reason="LOST",
                            location_id=hot.pk, actor=supervisor)

    results = race(len(orders) + 2, act)
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, DomainError)]
    assert unexpected == []
    picks = sum(1 for order in orders if order.lines.get().picked_qty == 1)
    task.refresh_from_db()
    approved = task.state == CountTask.State.APPROVED
    adjusted = product.stock_moves.filter(kind="ADJUST", quantity=-3).exists()
    assert held(hot, product) == 10 - picks - (5 if approved else 0) - (3 if adjusted else 0) >= 0
    assert StockLevel.objects.get(product=product).on_hand == 20 - (5 if approved else 0) - (3 if adjusted else 0)
    assert len([r for r in results if isinstance(r, DomainError)]) == (len(orders) - picks) + (not approved) + (
        not adjusted)
    assert stock_ledger_drift() == [] and stock_location_drift() == []
