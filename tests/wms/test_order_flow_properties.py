"""Stateful property test of the order flows: any interleaving of receipts, adjustments, orders arriving
(allocated or backordered), backorder re-allocation, picking, packing, labels, shipping, interception and put-backs
keeps the ledger equal to the levels, every level's reservation equal to what the order lines hold, and each
operation's outcome the one a simple model of the stock predicts. The products belong to two merchants and orders
come from either: a line of the other merchant's product is refused, and no order ever holds one.

Stock per location is kept in step too: the locations' stock equals the levels and the ledger
(``stock_location_drift``), receipts land on the dock, transfers out of a location with too few units are refused,
and the packing location holds exactly the picked units not yet shipped (or put back)."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import F, Sum
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from tests.factories import OwnerFactory, ProductFactory
from tests.helpers import TEST_ACTOR
from tests.wms.outbound.helpers import pick_all, pick_units
from wms.core.actors import BACKORDERS, ONEWAREHOUSE
from wms.core.errors import CancelRefused, DomainValidationError, InsufficientStock
from wms.inventory.models import Location, LocationStock, StockLevel
from wms.inventory.selectors import location_default, stock_ledger_drift, stock_location_drift
from wms.inventory.services import StockLine, location_defaults_ensure, stock_adjust, stock_receive, stock_transfer
from wms.outbound.models import OutboundOrder, OutboundOrderLine, PutBackTask
from wms.outbound.services import (
    PackageSpec,
    outbound_backorders_allocate,
    outbound_order_cancel,
    outbound_order_create,
    outbound_order_label_store,
    outbound_order_pack,
    outbound_order_ship,
    put_back_confirm,
)

pytestmark = pytest.mark.django_db
PRODUCTS = 3
OWNERS = ("MERCHANT-A", "MERCHANT-B")  # products 0 and 1 are A's, product 2 is B's
Status = OutboundOrder.Status
RESERVING = (Status.ALLOCATED, Status.PICKING, Status.PACKED, Status.LABELLED)

qty = st.integers(min_value=1, max_value=4)
product_index = st.integers(min_value=0, max_value=PRODUCTS - 1)


def has(*statuses):
    """Precondition: some order is in one of ``statuses`` (so that rules with nothing to act on are not drawn)."""
    return lambda machine: OutboundOrder.objects.filter(status__in=statuses).exists()


def order_flow_machine(*, warehouse, products, actor):
    class OrderFlow(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.atomic = transaction.atomic()  # each example starts from the same empty stock
            self.atomic.__enter__()
            self.on_hand = [0] * PRODUCTS
            self.numbers = 0
            location_defaults_ensure(warehouse_id=warehouse.pk)
            self.dock = location_default(warehouse_id=warehouse.pk, kind=Location.Kind.RECEIVING)
            self.pack = location_default(warehouse_id=warehouse.pk, kind=Location.Kind.PACKING)
            self.bins = [Location.objects.create(warehouse=warehouse, code=f"B-{n}", kind=Location.Kind.STORAGE,
                                                 pick_sequence=n) for n in (20, 10)]

        def teardown(self):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        # --- helpers -------------------------------------------------------------------------------------
        def reserved(self, index: int) -> int:
            lines = OutboundOrderLine.objects.filter(product=products[index], order__warehouse=warehouse)
            return lines.aggregate(total=Sum("reserved_qty"))["total"] or 0

        def held(self, location, index: int) -> int:
            stock = LocationStock.objects.filter(location=location, product=products[index]).first()
            return stock.quantity if stock else 0

        def available(self) -> list[int]:
            return [self.on_hand[i] - self.reserved(i) for i in range(PRODUCTS)]

        def pick_order(self, data, *statuses):
            return data.draw(st.sampled_from(list(OutboundOrder.objects.filter(status__in=statuses).order_by("pk"))))

        # --- stock ---------------------------------------------------------------------------------------
        @rule(index=product_index, amount=st.integers(min_value=1, max_value=10))
        def receive(self, index, amount):
            stock_receive(actor=TEST_ACTOR, warehouse_id=warehouse.pk, good=[StockLine(products[index].pk, amount)],
                          reference_type="property", reference_number="IN")
            self.on_hand[index] += amount

        @rule(index=product_index, delta=st.integers(min_value=-6, max_value=6).filter(bool))
        def adjust(self, index, delta):
            allowed = self.on_hand[index] + delta >= self.reserved(index)
            try:
                stock_adjust(warehouse_id=warehouse.pk, product_id=products[index].pk, quantity=delta,
                             reason="COUNT_CORRECTION", actor=actor)
            except InsufficientStock:
                assert not allowed, f"adjusting {delta} was refused with {self.on_hand[index]} on hand"
            else:
                assert allowed, f"adjusting {delta} took reserved units away"
                self.on_hand[index] += delta

        @rule(index=product_index, amount=st.integers(min_value=1, max_value=8), source=st.sampled_from([0, 1, 2]),
              destination=st.sampled_from([0, 1]))
        def transfer(self, index, amount, source, destination):
            """Putaway from the dock, or a move between the two bins; refused when the source holds too few."""
            origin = self.dock if source == 2 else self.bins[source]
            if origin == self.bins[destination]:
                return
            before = self.held(origin, index)
            try:
                stock_transfer(warehouse_id=warehouse.pk, product_id=products[index].pk, quantity=amount,
                               from_location_id=origin.pk, to_location_id=self.bins[destination].pk, actor=actor)
            except InsufficientStock:
                assert before < amount
            else:
                assert before >= amount
                assert self.held(origin, index) == before - amount

        # --- orders --------------------------------------------------------------------------------------
        @rule(items=st.dictionaries(product_index, qty, min_size=1, max_size=PRODUCTS),
              owner_code=st.sampled_from(OWNERS))
        def order_arrives(self, items, owner_code):
            available = self.available()
            expected = Status.ALLOCATED if all(available[i] >= q for i, q in items.items()) else Status.BACKORDERED
            lines = sorted(items.items())
            foreign = {f"items.{n}.sku_id" for n, (i, _) in enumerate(lines)
                       if products[i].owner.owner_code != owner_code}
            self.numbers += 1
            orders_before = OutboundOrder.objects.count()
            try:
                order, created = outbound_order_create(actor=ONEWAREHOUSE,
                    outbound_order_no=f"PROP-{self.numbers}", warehouse_code=warehouse.code, owner_code=owner_code,
                    items=[{"sku_id": products[i].sku_id, "quantity": q} for i, q in lines],
                    recipient={"name": "R"}, logistics={"provider_code": "TCAT"})
            except DomainValidationError as refused:
                assert foreign and set(refused.errors) == foreign, (owner_code, lines, refused.errors)
                assert OutboundOrder.objects.count() == orders_before
                return
            assert not foreign, f"an order of {owner_code} took another merchant's products: {lines}"
            assert created and order.status == expected

        @precondition(has(Status.BACKORDERED))
        @rule()
        def backorders_allocate(self):
            available = self.available()
            expected = []
            for order in OutboundOrder.objects.filter(status=Status.BACKORDERED).order_by("created_at", "pk"):
                lines = [(products.index(line.product), line.quantity)
                         for line in order.lines.select_related("product")]
                if all(available[i] >= q for i, q in lines):
                    expected.append(order.outbound_order_no)
                    for i, q in lines:
                        available[i] -= q
            assert outbound_backorders_allocate(actor=BACKORDERS, warehouse_id=warehouse.pk) == expected

        @precondition(has(Status.ALLOCATED, Status.PICKING))
        @rule(data=st.data())
        def pick(self, data):
            order = self.pick_order(data, Status.ALLOCATED, Status.PICKING)
            for line in order.lines.select_related("product").order_by("pk"):  # bin by bin, never back
                more = data.draw(st.integers(min_value=0, max_value=line.quantity - line.picked_qty))
                if more:
                    pick_units(order, actor, line.product, more)

        @precondition(has(Status.ALLOCATED, Status.PICKING))
        @rule(data=st.data())
        def pick_all_and_pack(self, data):
            order = self.pick_order(data, Status.ALLOCATED, Status.PICKING)
            pick_all(order, actor)
            lines = list(order.lines.order_by("pk"))
            outbound_order_pack(order=order, actor=actor, packages=[PackageSpec(
                weight_kg=Decimal("1.5"), length_cm=Decimal("30"), width_cm=Decimal("20"), height_cm=Decimal("10"),
                items={line.pk: line.quantity for line in lines})])

        @precondition(has(Status.PACKED))
        @rule(data=st.data())
        def label(self, data):
            order = self.pick_order(data, Status.PACKED)
            outbound_order_label_store(order_id=order.pk, content=b"%PDF-1.4 label", label_format="PDF",
                                       tracking_no=f"TRK-{order.pk}")

        @precondition(has(Status.LABELLED))
        @rule(data=st.data())
        def ship(self, data):
            order = self.pick_order(data, Status.LABELLED)
            outbound_order_ship(order=order, actor=actor)
            for line in order.lines.select_related("product"):
                self.on_hand[products.index(line.product)] -= line.quantity

        def cancel(self, order):
            picked = {line.pk: line.picked_qty for line in order.lines.all()}
            try:
                cancelled = outbound_order_cancel(actor=ONEWAREHOUSE, outbound_order_no=order.outbound_order_no,
                                                  reason="buyer cancelled")
            except CancelRefused:
                assert order.status == Status.SHIPPED
                return
            assert order.status != Status.SHIPPED and cancelled.status == Status.CANCELLED
            if order.status != Status.CANCELLED:  # picked units wait on a put-back task, nothing else stays reserved
                tasks = dict(cancelled.put_backs.values_list("line_id", "quantity"))
                assert tasks == {pk: n for pk, n in picked.items() if n}

        @precondition(has(*Status.values))
        @rule(data=st.data())
        def intercept(self, data):
            self.cancel(self.pick_order(data, *Status.values))

        @precondition(has(Status.PICKING, Status.PACKED, Status.LABELLED))
        @rule(data=st.data())
        def intercept_picked_goods(self, data):
            """Goods off the shelf: they get put-back tasks and stay reserved until they are put back."""
            self.cancel(self.pick_order(data, Status.PICKING, Status.PACKED, Status.LABELLED))

        @precondition(lambda machine: PutBackTask.objects.filter(status=PutBackTask.Status.OPEN).exists())
        @rule(data=st.data())
        def put_back(self, data):
            tasks = list(PutBackTask.objects.filter(status=PutBackTask.Status.OPEN).order_by("pk"))
            put_back_confirm(task=data.draw(st.sampled_from(tasks)), actor=actor)

        # --- what must always hold -----------------------------------------------------------------------
        @invariant()
        def ledger_levels_and_lines_agree(self):
            assert stock_ledger_drift() == []
            for index, product in enumerate(products):
                level = StockLevel.objects.filter(product=product, warehouse=warehouse).first()
                on_hand, reserved = (level.on_hand, level.reserved) if level else (0, 0)
                assert on_hand == self.on_hand[index]
                assert reserved == self.reserved(index) and 0 <= reserved <= on_hand

        @invariant()
        def locations_agree_with_levels_and_ledger(self):
            assert stock_location_drift() == []
            open_put_backs = PutBackTask.objects.filter(status=PutBackTask.Status.OPEN)
            for index, product in enumerate(products):
                picked = OutboundOrderLine.objects.filter(product=product, order__status__in=RESERVING).aggregate(
                    total=Sum("picked_qty"))["total"] or 0
                put_back = open_put_backs.filter(product=product).aggregate(total=Sum("quantity"))["total"] or 0
                assert self.held(self.pack, index) == picked + put_back

        @invariant()
        def every_line_is_a_product_of_its_orders_merchant(self):
            assert not OutboundOrderLine.objects.exclude(product__owner=F("order__owner")).exists()

        @invariant()
        def each_order_holds_what_its_status_says(self):
            open_put_backs = dict(PutBackTask.objects.filter(status=PutBackTask.Status.OPEN)
                                  .values_list("line_id", "quantity"))
            for line in OutboundOrderLine.objects.select_related("order"):
                status = line.order.status
                if status in RESERVING:
                    assert line.reserved_qty == line.quantity and line.picked_qty <= line.quantity
                elif status == Status.CANCELLED:
                    assert line.reserved_qty == open_put_backs.get(line.pk, 0)
                else:  # CREATED, BACKORDERED, SHIPPED
                    assert line.reserved_qty == 0, (status, line.reserved_qty)

    return OrderFlow


def test_any_interleaving_of_order_flows_keeps_stock_and_orders_in_step(warehouse, supervisor, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.OUTBOUND_LABEL_ON_PACK = False  # labels are stored directly here; no request goes out
    owners = [OwnerFactory(owner_code=code) for code in OWNERS]
    products = [ProductFactory(owner=owners[0]), ProductFactory(owner=owners[0]), ProductFactory(owner=owners[1])]
    machine = order_flow_machine(warehouse=warehouse, products=products, actor=supervisor)
    run_state_machine_as_test(machine, settings=hypothesis_settings(
        max_examples=40, stateful_step_count=40, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
