import pytest

from tests.factories import ProductFactory
from tests.wms.inbound.helpers import inbound
from wms.core.errors import CancelRefused, DomainValidationError, InvalidTransition, NotFound, UnknownSku
from wms.inbound.models import InboundOrder
from wms.inbound.services import (
    LineCount,
    inbound_order_cancel,
    inbound_order_complete,
    inbound_order_record_counts,
    inbound_order_upsert,
)
from wms.inventory.models import StockLevel
from wms.inventory.selectors import stock_ledger_drift
from wms.outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_inbound_same_delivery_twice_is_one_order(warehouse, product):
    order, created = inbound([(product, 5)])
    again, created_again = inbound([(product, 5)])
    assert (created, created_again, again.pk) == (True, False, order.pk)
    assert InboundOrder.objects.count() == 1 and order.lines.count() == 1


def test_inbound_update_while_created_replaces_lines(warehouse, product):
    other = ProductFactory()
    order, _ = inbound([(product, 5)])
    order, created = inbound([(product, 7), (other, 1)], tracking_no="SF2")
    assert not created and order.tracking_no == "SF2"
    assert sorted(order.lines.values_list("expected_qty", flat=True)) == [1, 7]


def test_inbound_update_after_receiving_started_is_invalid_state(warehouse, product, receiver):
    order, _ = inbound([(product, 5)])
    line = order.lines.get()
    inbound_order_record_counts(order=order, counts=[LineCount(line.pk, 1)], actor=receiver)
    with pytest.raises(InvalidTransition) as refused:
        inbound([(product, 6)])
    assert refused.value.data["status"] == "RECEIVING"


def test_inbound_unknown_and_repeated_skus_are_named_by_path(warehouse, product):
    with pytest.raises(UnknownSku) as unknown:
        inbound_order_upsert(inbound_order_no="IB-9", order_type="PURCHASE", warehouse_code="TW-TPE-01",
                             owner_code="MERCHANT-A", items=[{"sku_id": product.sku_id, "quantity": 1},
                                                    {"sku_id": "NOPE", "quantity": 1}])
    assert unknown.value.errors == {"items.1.sku_id": ["Unknown sku_id NOPE."]}
    with pytest.raises(DomainValidationError) as repeated:
        inbound([(product, 1), (product, 2)], number="IB-10")
    assert list(repeated.value.errors) == ["items.1.sku_id"]
    with pytest.raises(DomainValidationError) as no_wh:
        inbound([(product, 1)], number="IB-11", warehouse_code="NOWHERE")
    assert list(no_wh.value.errors) == ["warehouse_code"]
    assert not InboundOrder.objects.exists()


def test_inbound_cancel_allowed_while_created_and_twice_answers_the_same(warehouse, product):
    inbound([(product, 5)])
    assert inbound_order_cancel(inbound_order_no="IB-1", reason="late").status == "CANCELLED"
    assert inbound_order_cancel(inbound_order_no="IB-1", reason="late").status == "CANCELLED"
    with pytest.raises(NotFound):
        inbound_order_cancel(inbound_order_no="IB-404")


def test_inbound_cancel_refused_once_receiving_started(warehouse, product, receiver):
    order, _ = inbound([(product, 5)])
    inbound_order_record_counts(order=order, counts=[LineCount(order.lines.get().pk, 2)], actor=receiver)
    with pytest.raises(CancelRefused) as refused:
        inbound_order_cancel(inbound_order_no="IB-1")
    assert refused.value.data == {"inbound_order_no": "IB-1", "cancelled": False, "status": "RECEIVING",
                                  "reason": "receiving has started"}


def test_receipt_writes_moves_and_queues_the_callback_in_one_go(warehouse, product, receiver):
    order, _ = inbound([(product, 10)])
    line = order.lines.get()
    inbound_order_record_counts(order=order, counts=[LineCount(line.pk, 4)], actor=receiver)
    inbound_order_record_counts(order=order, counts=[LineCount(line.pk, 8, 1)], actor=receiver)
    order = inbound_order_complete(order=order, actor=receiver)
    assert order.status == "RECEIVED"
    level = StockLevel.objects.get(product=product)
    assert (level.on_hand, level.damaged) == (8, 1)
    message = OutboxMessage.objects.get()
    assert message.kind == "INBOUND_CALLBACK"
    assert message.payload["items"] == [{"sku_id": product.sku_id, "expected_qty": 10, "received_qty": 9,
                                         "good_qty": 8, "damaged_qty": 1}]
    with pytest.raises(InvalidTransition):
        inbound_order_complete(order=order, actor=receiver)
    assert stock_ledger_drift() == []


def test_complete_without_counting_is_an_illegal_transition(warehouse, product, receiver):
    order, _ = inbound([(product, 10)])
    with pytest.raises(InvalidTransition, match="cannot go from CREATED to RECEIVED"):
        inbound_order_complete(order=order, actor=receiver)


def test_over_receipt_beyond_tolerance_needs_a_supervisor(warehouse, product, receiver, supervisor, settings):
    settings.INBOUND_OVER_RECEIPT_TOLERANCE_PERCENT = 10
    order, _ = inbound([(product, 10)])
    line = order.lines.get()
    inbound_order_record_counts(order=order, counts=[LineCount(line.pk, 11)], actor=receiver)  # within 10 %
    with pytest.raises(DomainValidationError, match="some counts were refused"):
        inbound_order_record_counts(order=order, counts=[LineCount(line.pk, 12)], actor=receiver)
    inbound_order_record_counts(order=order, counts=[LineCount(line.pk, 12)], actor=supervisor)
    line.refresh_from_db()
    assert line.received_good == 12 and line.difference == 2


def test_transition_table_covers_every_status_and_end_states_are_final():
    table = InboundOrder.TRANSITIONS
    statuses = set(table)
    assert all(targets <= statuses for targets in table.values())
    assert table["CANCELLED"] == frozenset()
