"""Merchants' stock is kept apart in the domain, whatever the path (webhook, admin, simulator, demo): an order only
names its own merchant's products, and an order that holds another's (written before the rule, or around the
services) never takes or books that merchant's stock."""

import pytest

from tests.factories import OwnerFactory, ProductFactory
from tests.wms.inbound.helpers import inbound
from tests.wms.outbound.helpers import outbound
from wms.catalog.services import product_upsert
from wms.core.actors import BACKORDERS
from wms.core.errors import Conflict, DomainValidationError
from wms.inbound.models import InboundOrder
from wms.inbound.services import LineCount, inbound_order_complete, inbound_order_record_counts
from wms.inventory.models import StockLevel, StockMove
from wms.outbound.models import OutboundOrder
from wms.outbound.services import outbound_backorders_allocate, outbound_order_allocate

pytestmark = pytest.mark.django_db
Status = OutboundOrder.Status


@pytest.fixture
def zzz():
    return OwnerFactory(owner_code="MERCHANT-ZZZ", name="ZZZ")


def test_the_services_refuse_a_line_of_another_merchants_product(warehouse, stocked, zzz):
    theirs, ours = stocked(5), stocked(5, ProductFactory(owner=zzz))
    with pytest.raises(DomainValidationError) as refused:
        outbound([(ours, 1), (theirs, 1)], owner_code="MERCHANT-ZZZ")
    assert refused.value.errors == {
        "items.1.sku_id": [f"sku_id {theirs.sku_id} is not a product of merchant MERCHANT-ZZZ."]}
    with pytest.raises(DomainValidationError) as refused:
        inbound([(theirs, 1)], owner_code="MERCHANT-ZZZ")
    assert list(refused.value.errors) == ["items.0.sku_id"]
    assert not OutboundOrder.objects.exists() and not InboundOrder.objects.exists()
    assert set(StockLevel.objects.values_list("reserved", flat=True)) == {0}


def legacy_backorder(product, owner, number):
    """An order of ``owner`` holding ``product`` of another merchant, as one written before the rule was."""
    order, _ = outbound([(product, 2)], number=number)
    assert order.status == Status.BACKORDERED
    OutboundOrder.objects.filter(pk=order.pk).update(owner=owner)
    return order


def test_allocating_an_existing_order_never_takes_another_merchants_stock(warehouse, stocked, zzz):
    product = ProductFactory()  # MERCHANT-A's
    foreign_order = legacy_backorder(product, zzz, "OB-LEGACY")
    _own_order, _ = outbound([(product, 2)], number="OB-OWN")
    stocked(4, product)

    assert outbound_backorders_allocate(actor=BACKORDERS, warehouse_id=warehouse.pk) == ["OB-OWN"]
    with pytest.raises(DomainValidationError) as refused:
        outbound_order_allocate(order_id=foreign_order.pk, actor=BACKORDERS)
    assert refused.value.errors == {
        "items.0.sku_id": [f"sku_id {product.sku_id} is not a product of merchant MERCHANT-ZZZ."]}
    foreign_order.refresh_from_db()
    assert foreign_order.status == Status.BACKORDERED
    assert set(foreign_order.lines.values_list("reserved_qty", flat=True)) == {0}
    assert StockLevel.objects.get(product=product).reserved == 2  # only the own order's
    assert not StockMove.objects.filter(reference_number="OB-LEGACY").exists()


def test_completing_an_inbound_order_never_books_stock_of_another_merchants_product(warehouse, product, zzz,
                                                                                      receiver):
    order, _ = inbound([(product, 3)])
    inbound_order_record_counts(order=order, counts=[LineCount(order.lines.get().pk, 3)], actor=receiver)
    InboundOrder.objects.filter(pk=order.pk).update(owner=zzz)
    with pytest.raises(DomainValidationError):
        inbound_order_complete(order=order, actor=receiver)
    assert not StockMove.objects.exists()
    order.refresh_from_db()
    assert order.status == InboundOrder.Status.RECEIVING


@pytest.mark.parametrize("use", ["stock", "inbound line", "outbound line"])
def test_a_product_with_stock_or_orders_cannot_move_to_another_merchant(warehouse, stocked, use):
    product = ProductFactory()
    if use == "stock":
        stocked(1, product)
    elif use == "inbound line":
        inbound([(product, 1)])
    else:
        outbound([(product, 1)])
    with pytest.raises(Conflict) as refused:
        product_upsert(sku_id=product.sku_id, owner_code="MERCHANT-ZZZ", name=product.name)
    assert list(refused.value.errors) == ["owner_code"]
    product.refresh_from_db()
    assert product.owner.owner_code == "MERCHANT-A"


def test_a_product_sync_naming_the_same_merchant_still_updates_a_used_product(warehouse, stocked):
    product = stocked(1)
    product_upsert(sku_id=product.sku_id, owner_code="MERCHANT-A", name="renamed")
    product.refresh_from_db()
    assert product.name == "renamed"
