import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.db.models import F

from tests.factories import ProductFactory
from tests.helpers import TEST_ACTOR
from wms.core.errors import DomainValidationError, InsufficientStock, PermissionDenied
from wms.inventory.models import StockLevel, StockMove
from wms.inventory.selectors import stock_ledger_drift
from wms.inventory.services import (
    StockLine,
    stock_adjust,
    stock_receive,
    stock_release,
    stock_reserve,
    stock_ship,
)

pytestmark = pytest.mark.django_db
REF = {"reference_type": "test", "reference_number": "T-1", "actor": TEST_ACTOR}


def level_of(product, warehouse):
    level = StockLevel.objects.get(product=product, warehouse=warehouse)
    return level.on_hand, level.reserved, level.damaged


def test_receive_puts_good_on_hand_and_damaged_apart(warehouse, product):
    moves = stock_receive(warehouse_id=warehouse.pk, good=[StockLine(product.pk, 10)],
                          damaged=[StockLine(product.pk, 2)], **REF)
    assert [(m.kind, m.quantity) for m in moves] == [("RECEIPT", 10), ("RECEIPT_DAMAGED", 2)]
    assert level_of(product, warehouse) == (10, 0, 2)


@pytest.mark.parametrize("bucket", ["good", "damaged"])
def test_a_receipt_that_would_take_a_level_past_its_column_is_refused_by_name(warehouse, product, bucket):
    stock_receive(warehouse_id=warehouse.pk, **{bucket: [StockLine(product.pk, 2_147_483_000)]}, **REF)
    with pytest.raises(DomainValidationError, match=f"a stock level of {product.sku_id} would exceed 2147483647 units"):
        stock_receive(warehouse_id=warehouse.pk, **{bucket: [StockLine(product.pk, 1000)]}, **REF)
    assert StockMove.objects.count() == 1
    assert sum(level_of(product, warehouse)) == 2_147_483_000


def test_reserve_release_ship_move_the_right_buckets(warehouse, stocked):
    product = stocked(10)
    stock_reserve(warehouse_id=warehouse.pk, lines=[StockLine(product.pk, 6)], **REF)
    assert level_of(product, warehouse) == (10, 6, 0)
    stock_release(warehouse_id=warehouse.pk, lines=[StockLine(product.pk, 2)], **REF)
    assert level_of(product, warehouse) == (10, 4, 0)
    stock_ship(warehouse_id=warehouse.pk, lines=[StockLine(product.pk, 4)], **REF)
    assert level_of(product, warehouse) == (6, 0, 0)
    assert list(StockMove.objects.order_by("pk").values_list("kind", "quantity")) == [
        ("RECEIPT", 10), ("ALLOCATE", 6), ("DEALLOCATE", -2), ("SHIP", -4)]
    assert stock_ledger_drift() == []


def test_reserve_is_all_or_nothing(warehouse, stocked):
    plenty, scarce = stocked(10), stocked(1)
    with pytest.raises(InsufficientStock) as refused:
        stock_reserve(warehouse_id=warehouse.pk,
                      lines=[StockLine(plenty.pk, 5), StockLine(scarce.pk, 2)], **REF)
    assert [s["sku_id"] for s in refused.value.data["shortages"]] == [scarce.sku_id]
    assert level_of(plenty, warehouse) == (10, 0, 0)
    assert StockMove.objects.filter(kind="ALLOCATE").count() == 0


def test_reserve_of_unknown_level_is_refused_not_created_negative(warehouse, product):
    with pytest.raises(InsufficientStock):
        stock_reserve(warehouse_id=warehouse.pk, lines=[StockLine(product.pk, 1)], **REF)
    assert not StockMove.objects.exists()


def test_cannot_ship_more_than_reserved(warehouse, stocked):
    product = stocked(10)
    stock_reserve(warehouse_id=warehouse.pk, lines=[StockLine(product.pk, 2)], **REF)
    with pytest.raises(InsufficientStock):
        stock_ship(warehouse_id=warehouse.pk, lines=[StockLine(product.pk, 3)], **REF)
    assert level_of(product, warehouse) == (10, 2, 0)


def test_zero_or_negative_quantities_are_refused(warehouse, product):
    with pytest.raises(DomainValidationError):
        stock_receive(warehouse_id=warehouse.pk, good=[StockLine(product.pk, 0)], **REF)
    with pytest.raises(DomainValidationError):
        stock_reserve(warehouse_id=warehouse.pk, lines=[StockLine(product.pk, -1)], **REF)


def test_adjust_needs_a_supervisor_and_a_reason(warehouse, stocked, receiver, supervisor):
    product = stocked(5)
    with pytest.raises(PermissionDenied):
        stock_adjust(warehouse_id=warehouse.pk, product_id=product.pk, quantity=-1,
                     reason="COUNT_CORRECTION", actor=receiver)
    with pytest.raises(DomainValidationError):
        stock_adjust(warehouse_id=warehouse.pk, product_id=product.pk, quantity=-1, reason=" ", actor=supervisor)
    with pytest.raises(TypeError):
        stock_adjust(warehouse_id=warehouse.pk, product_id=product.pk, quantity=-1,
                     reason="COUNT_CORRECTION", actor=None)
    with pytest.raises(PermissionDenied):  # a staff step: no system actor may do it
        stock_adjust(warehouse_id=warehouse.pk, product_id=product.pk, quantity=-1,
                     reason="COUNT_CORRECTION", actor=TEST_ACTOR)
    move = stock_adjust(warehouse_id=warehouse.pk, product_id=product.pk, quantity=-2, reason="COUNT_CORRECTION",
                        actor=supervisor)
    assert (move.kind, move.quantity, move.user, move.actor, move.reason_code, move.reason) == (
        "ADJUST", -2, supervisor, supervisor.username, "COUNT_CORRECTION", "Count correction")
    assert level_of(product, warehouse) == (3, 0, 0)


def test_adjust_cannot_take_away_reserved_units(warehouse, stocked, supervisor):
    product = stocked(5)
    stock_reserve(warehouse_id=warehouse.pk, lines=[StockLine(product.pk, 4)], **REF)
    with pytest.raises(InsufficientStock):
        stock_adjust(warehouse_id=warehouse.pk, product_id=product.pk, quantity=-2, reason="LOST", actor=supervisor)


def test_damaged_adjustment_moves_only_damaged(warehouse, product, supervisor):
    stock_receive(warehouse_id=warehouse.pk, damaged=[StockLine(product.pk, 3)], **REF)
    stock_adjust(warehouse_id=warehouse.pk, product_id=product.pk, quantity=-3, reason="EXPIRED",
                 actor=supervisor, damaged=True)
    assert level_of(product, warehouse) == (0, 0, 0)


@pytest.mark.parametrize(
    "change",
    [
        {"on_hand": -1},
        {"reserved": -1},
        {"damaged": -1},
        {"reserved": F("on_hand") + 1},
    ],
    ids=["on_hand", "reserved", "damaged", "reserved_over_on_hand"],
)
def test_check_constraints_hold_when_services_are_bypassed(warehouse, stocked, change):
    product = stocked(3)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(product=product, warehouse=warehouse).update(**change)


def test_one_level_per_product_and_warehouse(warehouse, stocked):
    product = stocked(1)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.create(product=product, warehouse=warehouse)


@pytest.mark.parametrize("kind,quantity", [("RECEIPT", -1), ("SHIP", 1), ("ALLOCATE", 0), ("DEALLOCATE", 2)])
def test_ledger_sign_constraints(warehouse, product, kind, quantity):
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMove.objects.create(product=product, warehouse=warehouse, kind=kind, quantity=quantity)


def test_moves_are_append_only(warehouse, stocked):
    stocked(2)
    move = StockMove.objects.get()
    move.quantity = 5
    with pytest.raises(TypeError):
        move.save()
    with pytest.raises(TypeError):
        move.delete()


def test_stock_verify_reports_drift_and_exits_non_zero(warehouse, stocked, capsys):
    product = stocked(4)
    call_command("stock_verify")
    assert "agree" in capsys.readouterr().out
    StockLevel.objects.filter(product=product).update(on_hand=7)  # a bug that bypassed the services
    with pytest.raises(CommandError, match="1 stock level value"):
        call_command("stock_verify")
    assert f"DRIFT {product.sku_id} @ {warehouse.code} on_hand: level=7 ledger=4" in capsys.readouterr().out


def test_levels_are_per_warehouse(stocked, warehouse):
    from tests.factories import WarehouseFactory

    other = WarehouseFactory(code="TW-KHH-01")
    product = stocked(5)
    with pytest.raises(InsufficientStock):
        stock_reserve(warehouse_id=other.pk, lines=[StockLine(product.pk, 1)], **REF)
    assert ProductFactory._meta.model.objects.count() == 1
