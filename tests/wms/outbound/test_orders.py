import pytest
from django.utils import timezone

from tests.helpers import TEST_ACTOR
from tests.wms.outbound.helpers import outbound
from wms.core.actors import BACKORDERS, ONEWAREHOUSE
from wms.core.errors import CancelRefused, Conflict, InvalidTransition
from wms.inventory.models import StockLevel
from wms.inventory.selectors import stock_ledger_drift
from wms.inventory.services import StockLine, stock_receive
from wms.outbound.models import OutboundOrder
from wms.outbound.services import outbound_backorders_allocate, outbound_order_allocate, outbound_order_cancel

pytestmark = pytest.mark.django_db


def test_outbound_is_allocated_at_once_when_stock_is_there(warehouse, stocked):
    product = stocked(5)
    order, created = outbound([(product, 3)])
    assert created and order.status == "ALLOCATED"
    assert order.lines.get().reserved_qty == 3
    assert StockLevel.objects.get(product=product).reserved == 3


def test_outbound_backordered_then_allocated_when_stock_arrives(warehouse, stocked, product):
    order, _ = outbound([(product, 3)])
    assert order.status == "BACKORDERED"
    stocked(3, product=product)
    assert outbound_backorders_allocate(actor=BACKORDERS, warehouse_id=warehouse.pk) == ["OB-1"]
    order.refresh_from_db()
    assert order.status == "ALLOCATED"


def test_backorders_are_served_oldest_first(warehouse, stocked, product):
    outbound([(product, 2)], number="OB-old")
    outbound([(product, 2)], number="OB-new")
    stocked(2, product=product)
    assert outbound_backorders_allocate(actor=BACKORDERS, warehouse_id=warehouse.pk) == ["OB-old"]


def test_outbound_same_number_same_content_is_one_order_other_content_is_conflict(warehouse, stocked):
    product = stocked(5)
    first, _ = outbound([(product, 1)])
    again, created = outbound([(product, 1)])
    assert (again.pk, created) == (first.pk, False)
    with pytest.raises(Conflict) as conflict:
        outbound([(product, 2)])
    assert conflict.value.data == {"outbound_order_no": "OB-1", "status": "ALLOCATED"}
    assert OutboundOrder.objects.count() == 1


def test_outbound_cancel_releases_reservations_and_is_idempotent(warehouse, stocked):
    product = stocked(5)
    outbound([(product, 3)])
    order = outbound_order_cancel(actor=ONEWAREHOUSE, outbound_order_no="OB-1", reason="buyer cancelled")
    assert order.status == "CANCELLED" and order.cancel_reason == "buyer cancelled"
    assert StockLevel.objects.get(product=product).reserved == 0
    assert outbound_order_cancel(actor=ONEWAREHOUSE, outbound_order_no="OB-1").status == "CANCELLED"
    assert stock_ledger_drift() == []


def test_outbound_cancel_after_ship_is_refused(warehouse, stocked):
    product = stocked(5)
    order, _ = outbound([(product, 1)])
    # The refusal depends on the status only, so the order is put in SHIPPED directly (the floor flow is in
    # test_outbound_flow.py).
    OutboundOrder.objects.filter(pk=order.pk).update(status="SHIPPED", label_file="labels/x.pdf",
                                                     shipped_at=timezone.now())
    with pytest.raises(CancelRefused) as refused:
        outbound_order_cancel(actor=ONEWAREHOUSE, outbound_order_no="OB-1")
    assert refused.value.data["reason"] == "already shipped"


def test_allocating_an_allocated_order_is_an_illegal_transition(warehouse, stocked):
    product = stocked(5)
    order, _ = outbound([(product, 1)])
    with pytest.raises(InvalidTransition):
        outbound_order_allocate(order_id=order.pk, actor=BACKORDERS)


def test_transition_table_covers_every_status_and_end_states_are_final():
    table = OutboundOrder.TRANSITIONS
    statuses = set(table)
    assert all(targets <= statuses for targets in table.values())
    assert table["CANCELLED"] == frozenset()


def test_database_refuses_shipped_without_label(warehouse, stocked):
    from django.db import IntegrityError, transaction

    product = stocked(1)
    order, _ = outbound([(product, 1)])
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboundOrder.objects.filter(pk=order.pk).update(status="SHIPPED")



def test_backorder_sweep_serves_every_warehouse(warehouse, stocked, product):
    from tests.factories import WarehouseFactory
    from wms.outbound.services import outbound_backorders_sweep

    other = WarehouseFactory(code="TW-KHH-01")
    outbound([(product, 1)], number="OB-TPE")
    outbound([(product, 1)], number="OB-KHH", warehouse_code=other.code)
    # Stock arrives; its after-commit re-allocation never runs here (as when the broker is down).
    stocked(1, product=product)
    stock_receive(actor=TEST_ACTOR, warehouse_id=other.pk, good=[StockLine(product.pk, 1)], reference_type="test",
                  reference_number="T-2")
    assert outbound_backorders_sweep(actor=BACKORDERS) == {"TW-KHH-01": ["OB-KHH"], "TW-TPE-01": ["OB-TPE"]}


def test_backorder_allocation_skips_an_order_cancelled_after_it_was_listed(warehouse, stocked, product,
                                                                          monkeypatch):
    from wms.outbound import services

    gone, _ = outbound([(product, 1)], number="OB-GONE")
    waiting, _ = outbound([(product, 1)], number="OB-WAIT")
    outbound_order_cancel(actor=ONEWAREHOUSE, outbound_order_no="OB-GONE")
    monkeypatch.setattr(services, "outbound_backordered_ids", lambda warehouse_id: [gone.pk, waiting.pk])
    stocked(1, product=product)
    assert services.outbound_backorders_allocate(actor=BACKORDERS, warehouse_id=warehouse.pk) == ["OB-WAIT"]
