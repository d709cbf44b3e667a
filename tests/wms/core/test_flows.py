"""One state machine per order type (``wms.core.transitions.Flow``): it moves an order with its time stamp, and the
services and the admin's buttons ask the same table, so what a button offers is what the service accepts."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import OwnerFactory
from wms.core.actors import ONEWAREHOUSE
from wms.core.errors import InvalidTransition
from wms.inbound.models import INBOUND_FLOW, InboundOrder
from wms.outbound.models import OUTBOUND_FLOW, OutboundOrder
from wms.outbound.services import outbound_order_label_request

Status = OutboundOrder.Status
BUTTONS = {"pick": "/pick/", "pack": "/pack/", "label": "id=\"label-request\"", "ship": "Ship</a>"}


def _outbound(warehouse, status: str) -> OutboundOrder:
    return OutboundOrder.objects.create(
        outbound_order_no=f"OB-FLOW-{status}", warehouse=warehouse, owner=OwnerFactory(), status=status,
        recipient_name="R", recipient_country_code="TW", recipient_city="Taipei", recipient_address1="A 1",
        logistics_provider_code="LP", label_file="labels/x.pdf" if status == Status.SHIPPED else "",
        shipped_at=timezone.now() if status == Status.SHIPPED else None,
    )


def test_a_move_sets_the_status_and_its_time_stamp_and_saves_them(db, warehouse):
    order = _outbound(warehouse, Status.LABELLED)
    OUTBOUND_FLOW.move(order, Status.CANCELLED, actor=ONEWAREHOUSE, fields=("cancel_reason",))
    order.refresh_from_db()
    assert order.status == Status.CANCELLED and order.cancelled_at is not None


def test_a_move_outside_the_table_is_refused_and_changes_nothing(db, warehouse):
    order = _outbound(warehouse, Status.PACKED)
    with pytest.raises(InvalidTransition, match="cannot go from PACKED to SHIPPED"):
        OUTBOUND_FLOW.move(order, Status.SHIPPED, actor=ONEWAREHOUSE)
    order.refresh_from_db()
    assert order.status == Status.PACKED and order.shipped_at is None


def test_every_action_names_only_statuses_of_its_model():
    for flow, model in ((OUTBOUND_FLOW, OutboundOrder), (INBOUND_FLOW, InboundOrder)):
        assert set(flow.transitions) == set(model.Status.values)
        for statuses in flow.actions.values():
            assert statuses <= set(model.Status.values)
        assert set(flow.stamps) <= set(model.Status.values)


def test_cancellation_is_allowed_exactly_where_the_table_leads_to_cancelled():
    for flow, model in ((OUTBOUND_FLOW, OutboundOrder), (INBOUND_FLOW, InboundOrder)):
        assert flow.actions["cancel"] == {s for s, after in flow.transitions.items()
                                          if model.Status.CANCELLED in after}


@pytest.mark.parametrize("status", Status.values)
def test_the_order_page_offers_exactly_the_steps_the_flow_allows(client, supervisor, warehouse, status):
    order = _outbound(warehouse, status)
    client.force_login(supervisor)
    page = client.get(reverse("admin:outbound_outboundorder_change", args=[order.pk])).content.decode()
    offered = {action for action, marker in BUTTONS.items() if marker in page}
    assert offered == OUTBOUND_FLOW.allowed_actions(order) & set(BUTTONS)


@pytest.mark.parametrize("status", Status.values)
def test_a_label_request_is_accepted_exactly_where_the_flow_allows_it(supervisor, warehouse, status):
    order = _outbound(warehouse, status)
    if OUTBOUND_FLOW.allows(order, "label"):
        assert outbound_order_label_request(order=order, actor=supervisor, reason="smudged") is not None
    else:
        with pytest.raises(InvalidTransition, match="impossible"):
            outbound_order_label_request(order=order, actor=supervisor)
