"""Property tests: any sequence of stock operations keeps the ledger equal to the levels, every constraint true,
and each operation is refused exactly when a simple model of the stock says it must be."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import ProductFactory
from tests.helpers import TEST_ACTOR
from wms.core.errors import InsufficientStock
from wms.inventory.models import StockLevel
from wms.inventory.selectors import stock_ledger_drift
from wms.inventory.services import StockLine, stock_adjust, stock_receive, stock_release, stock_reserve, stock_ship

pytestmark = pytest.mark.django_db
PRODUCTS = 3

qty = st.integers(min_value=1, max_value=8)
product_index = st.integers(min_value=0, max_value=PRODUCTS - 1)
operation = st.one_of(
    st.tuples(st.just("receive"), product_index, qty, st.integers(min_value=0, max_value=3)),
    st.tuples(st.just("reserve"), product_index, qty),
    st.tuples(st.just("release"), product_index, qty),
    st.tuples(st.just("ship"), product_index, qty),
    st.tuples(st.just("adjust"), product_index, st.integers(min_value=-8, max_value=8).filter(bool)),
    st.tuples(st.just("adjust_damaged"), product_index, st.integers(min_value=-4, max_value=4).filter(bool)),
)


def expected_after(model: dict, op: tuple) -> dict | None:
    """The level the model predicts after ``op``, or None if the operation must be refused."""
    on_hand, reserved, damaged = model["on_hand"], model["reserved"], model["damaged"]
    kind, _, amount, *rest = op
    if kind == "receive":
        on_hand, damaged = on_hand + amount, damaged + rest[0]
    elif kind == "reserve":
        reserved += amount
    elif kind == "release":
        reserved -= amount
    elif kind == "ship":
        on_hand, reserved = on_hand - amount, reserved - amount
    elif kind == "adjust":
        on_hand += amount
    elif kind == "adjust_damaged":
        damaged += amount
    if min(on_hand, reserved, damaged) < 0 or reserved > on_hand:
        return None
    return {"on_hand": on_hand, "reserved": reserved, "damaged": damaged}


def apply(op: tuple, *, warehouse, products, actor) -> None:
    kind, index, amount, *rest = op
    product = products[index]
    ref = {"reference_type": "property", "reference_number": "P-1", "actor": TEST_ACTOR}
    line = [StockLine(product.pk, abs(amount))]
    if kind == "receive":
        damaged = [StockLine(product.pk, rest[0])] if rest[0] else []
        stock_receive(warehouse_id=warehouse.pk, good=line, damaged=damaged, **ref)
    elif kind == "reserve":
        stock_reserve(warehouse_id=warehouse.pk, lines=line, **ref)
    elif kind == "release":
        stock_release(warehouse_id=warehouse.pk, lines=line, **ref)
    elif kind == "ship":
        stock_ship(warehouse_id=warehouse.pk, lines=line, **ref)
    else:
        stock_adjust(warehouse_id=warehouse.pk, product_id=product.pk, quantity=amount,
                     reason="COUNT_CORRECTION", actor=actor,
                     damaged=kind == "adjust_damaged")


@pytest.fixture
def products(db):
    return ProductFactory.create_batch(PRODUCTS)


@settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, max_size=25))
def test_any_sequence_of_stock_operations_keeps_ledger_levels_and_constraints(warehouse, products, supervisor, ops):
    with transaction.atomic():
        models = [{"on_hand": 0, "reserved": 0, "damaged": 0} for _ in products]
        for op in ops:
            predicted = expected_after(models[op[1]], op)
            try:
                apply(op, warehouse=warehouse, products=products, actor=supervisor)
            except InsufficientStock:
                assert predicted is None, f"{op} was refused but the stock allowed it: {models[op[1]]}"
            else:
                assert predicted is not None, f"{op} went through but the stock forbade it: {models[op[1]]}"
                models[op[1]] = predicted
        for product, model in zip(products, models, strict=True):
            level = StockLevel.objects.filter(product=product, warehouse=warehouse).first()
            got = {b: getattr(level, b) for b in model} if level else dict.fromkeys(model, 0)
            assert got == model
        assert stock_ledger_drift() == []
        transaction.set_rollback(True)  # each example starts from empty stock
