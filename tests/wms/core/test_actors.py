"""Who does a step: a service without an actor fails loudly, the role check applies to every staff member, a system
actor may do only the steps its service allows, and the ledger names whoever did each move."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.factories import UserFactory
from tests.helpers import TEST_ACTOR
from tests.integrations.onewarehouse.helpers import E, fixture_bytes
from tests.wms.inbound.helpers import inbound
from tests.wms.outbound.helpers import order_create
from wms.core.actors import BACKORDERS, ONEWAREHOUSE, SystemActor, actor_command, actor_name, actor_system
from wms.core.errors import PermissionDenied
from wms.core.roles import Role, role_require
from wms.inbound.services import LineCount, inbound_order_complete, inbound_order_record_counts
from wms.inventory.models import StockMove
from wms.inventory.services import StockLine, stock_receive
from wms.outbound.models import OutboundOrder
from wms.outbound.services import (
    outbound_order_allocate,
    outbound_order_pick_confirm,
    outbound_order_ship,
)

Status = OutboundOrder.Status


def test_a_service_called_with_no_actor_or_none_is_a_type_error(warehouse, product, picker, products):
    order = order_create(warehouse)
    with pytest.raises(TypeError):
        stock_receive(warehouse_id=warehouse.pk, good=[StockLine(product.pk, 1)], reference_type="test",
                      reference_number="T")
    with pytest.raises(TypeError, match="needs an actor"):
        stock_receive(warehouse_id=warehouse.pk, good=[StockLine(product.pk, 1)], reference_type="test",
                      reference_number="T", actor=None)
    with pytest.raises(TypeError, match="needs an actor"):
        outbound_order_pick_confirm(order=order, location_code="DOCK", code="OW-100234", actor=None)
    with pytest.raises(TypeError, match="needs an actor"):
        outbound_order_allocate(order_id=order.pk, actor="picker")  # a name is not an actor
    assert not StockMove.objects.filter(reference_number="T").exists()


def test_role_require_never_skips_the_check():
    with pytest.raises(TypeError):
        role_require(actor=None, roles=(Role.SUPERVISOR,), action="Anything")
    with pytest.raises(TypeError):
        role_require(actor=None, roles=(Role.SUPERVISOR,), action="Anything", system=True)


def test_the_role_check_applies_to_every_staff_member_even_on_steps_the_system_may_take(warehouse, products,
                                                                                          receiver, picker):
    order = order_create(warehouse, allocate=False)
    with pytest.raises(PermissionDenied, match="Picker or Supervisor"):
        outbound_order_allocate(order_id=order.pk, actor=receiver)
    inactive = UserFactory(roles=[Role.SUPERVISOR], is_active=False)
    with pytest.raises(PermissionDenied):
        outbound_order_allocate(order_id=order.pk, actor=inactive)
    assert outbound_order_allocate(order_id=order.pk, actor=picker).status == Status.ALLOCATED


def test_a_system_actor_may_not_take_a_staff_step(warehouse, products):
    order = order_create(warehouse)
    with pytest.raises(PermissionDenied, match="system:onewarehouse may not do it"):
        outbound_order_pick_confirm(order=order, location_code="DOCK", code="OW-100234", actor=ONEWAREHOUSE)
    with pytest.raises(PermissionDenied):
        outbound_order_ship(order=order, actor=BACKORDERS)


def test_actor_names():
    assert actor_name(actor_system("onewarehouse")) == "system:onewarehouse" == str(ONEWAREHOUSE)
    assert actor_name(actor_command("stock_verify")) == "system:command:stock_verify"
    assert actor_system("backorders") == BACKORDERS
    with pytest.raises(ValueError):
        SystemActor(" ")


def test_a_staff_step_records_the_user_on_its_moves(warehouse, product, receiver):
    order, _ = inbound([(product, 2)], warehouse_code=warehouse.code)
    inbound_order_record_counts(order=order, counts=[LineCount(order.lines.get().pk, 2)], actor=receiver)
    inbound_order_complete(order=order, actor=receiver)
    (move,) = StockMove.objects.filter(reference_number=order.inbound_order_no)
    assert (move.kind, move.user, move.actor) == ("RECEIPT", receiver, receiver.username)


def test_a_push_records_the_onewarehouse_actor_on_its_moves(push, stocked_catalogue):
    assert push(E.OUTBOUND_CREATE, raw=fixture_bytes("outbound_create")).json()["code"] == 0
    assert push(E.OUTBOUND_CANCEL, raw=fixture_bytes("outbound_cancel")).json()["code"] == 0
    moves = StockMove.objects.filter(reference_type="outbound_line").order_by("pk")
    assert [(m.kind, m.actor, m.user) for m in moves] == [
        ("ALLOCATE", "system:onewarehouse", None), ("ALLOCATE", "system:onewarehouse", None),
        ("DEALLOCATE", "system:onewarehouse", None), ("DEALLOCATE", "system:onewarehouse", None)]


def test_the_backorder_task_records_its_actor(warehouse, products, stocked, django_capture_on_commit_callbacks):
    order = order_create(warehouse, items=[{"sku_id": "OW-100234", "quantity": 12}])
    assert order.status == Status.BACKORDERED
    with django_capture_on_commit_callbacks(execute=True):
        stocked(5, order.lines.get().product)  # the arrival queues the re-allocation task
    order.refresh_from_db()
    assert order.status == Status.ALLOCATED
    (move,) = StockMove.objects.filter(reference_number=order.outbound_order_no, kind=StockMove.Kind.ALLOCATE)
    assert (move.actor, move.user) == ("system:backorders", None)


def test_a_command_records_its_actor(db):
    call_command("demo_setup")
    assert set(StockMove.objects.values_list("actor", flat=True)) == {"system:command:demo_setup"}


def test_the_ledger_page_shows_who_made_each_move(client, warehouse, product, supervisor, products):
    stock_receive(warehouse_id=warehouse.pk, good=[StockLine(product.pk, 1)], reference_type="test",
                  reference_number="T", actor=TEST_ACTOR)
    order_create(warehouse)
    client.force_login(supervisor)
    page = client.get(reverse("admin:inventory_stockmove_changelist")).content.decode()
    assert "system:tests" in page
    assert "system:onewarehouse" in page  # the order's allocation
