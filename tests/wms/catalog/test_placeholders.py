"""Products that arrive after their order: a placeholder of the order's merchant lets the order be taken, the
product sync completes it; without the option an unknown sku_id is refused as before."""

import pytest
from django.urls import reverse

from tests.factories import OwnerFactory, ProductFactory
from tests.wms.inbound.helpers import inbound
from tests.wms.outbound.helpers import outbound
from wms.catalog.models import PLACEHOLDER_NAME, Product
from wms.catalog.selectors import products_awaiting_data
from wms.catalog.services import product_placeholder_ensure, product_upsert
from wms.core.errors import Conflict, DomainValidationError, UnknownSku
from wms.inbound.models import InboundOrder
from wms.outbound.models import OutboundOrder

pytestmark = pytest.mark.django_db


class Unknown:
    """An order line's product as the order names it: a sku_id we do not know yet."""

    def __init__(self, sku_id):
        self.sku_id = sku_id


def test_a_placeholder_is_made_only_for_sku_ids_no_product_has(db):
    known = ProductFactory(sku_id="KNOWN-1")
    made = product_placeholder_ensure(sku_ids=["NEW-2", "KNOWN-1", "NEW-1", "NEW-2"], owner_code="MERCHANT-A")
    assert [p.sku_id for p in made] == ["NEW-1", "NEW-2"]
    for product in made:
        assert (product.name, product.awaiting_data, product.owner.owner_code) == (PLACEHOLDER_NAME, True,
                                                                                     "MERCHANT-A")
    known.refresh_from_db()
    assert not known.awaiting_data
    assert product_placeholder_ensure(sku_ids=["NEW-1"], owner_code="MERCHANT-A") == []
    assert list(products_awaiting_data()) == made


def test_the_product_sync_completes_a_placeholder_and_says_created(db):
    (placeholder,) = product_placeholder_ensure(sku_ids=["NEW-1"], owner_code="MERCHANT-A")
    product, created = product_upsert(sku_id="NEW-1", owner_code="MERCHANT-A", name="Mug", barcode="471")
    assert created and product.pk == placeholder.pk
    product.refresh_from_db()
    assert (product.name, product.barcode, product.awaiting_data) == ("Mug", "471", False)
    assert product_upsert(sku_id="NEW-1", owner_code="MERCHANT-A", name="Mug", barcode="471")[1] is False
    assert not products_awaiting_data().exists()


def test_orders_refuse_an_unknown_sku_unless_placeholders_are_asked_for(warehouse):
    with pytest.raises(UnknownSku):
        outbound([(Unknown("NEW-1"), 1)])
    with pytest.raises(UnknownSku):
        inbound([(Unknown("NEW-1"), 1)])
    assert not Product.objects.exists()
    order, created = outbound([(Unknown("NEW-1"), 1)], unknown_sku_placeholders=True)
    assert created and order.status == OutboundOrder.Status.BACKORDERED
    line = order.lines.select_related("product__owner").get()
    assert line.product.awaiting_data and line.product.owner == order.owner
    receipt, _ = inbound([(Unknown("NEW-1"), 3), (Unknown("NEW-2"), 1)], unknown_sku_placeholders=True)
    assert sorted(receipt.lines.values_list("product__sku_id", flat=True)) == ["NEW-1", "NEW-2"]
    assert Product.objects.filter(awaiting_data=True).count() == 2


def test_a_refused_order_leaves_no_placeholder(warehouse):
    theirs = ProductFactory(owner=OwnerFactory(owner_code="MERCHANT-ZZZ"))
    with pytest.raises(DomainValidationError):
        outbound([(Unknown("NEW-1"), 1), (theirs, 1)], unknown_sku_placeholders=True)
    with pytest.raises(DomainValidationError):  # a sku_id named twice
        inbound([(Unknown("NEW-1"), 1), (Unknown("NEW-1"), 2)], unknown_sku_placeholders=True)
    assert not Product.objects.filter(awaiting_data=True).exists()
    assert not OutboundOrder.objects.exists() and not InboundOrder.objects.exists()


def test_a_sync_naming_another_merchant_for_a_placeholder_in_use_is_a_conflict(warehouse):
    outbound([(Unknown("NEW-1"), 1)], unknown_sku_placeholders=True)
    with pytest.raises(Conflict):
        product_upsert(sku_id="NEW-1", owner_code="MERCHANT-ZZZ", name="Mug")
    assert Product.objects.get(sku_id="NEW-1").awaiting_data


def test_the_product_list_filters_the_placeholders_still_waiting(client, supervisor, warehouse):
    ProductFactory(sku_id="SYNCED-1")
    product_placeholder_ensure(sku_ids=["WAITING-1"], owner_code="MERCHANT-A")
    client.force_login(supervisor)
    page = client.get(reverse("admin:catalog_product_changelist") + "?awaiting_data__exact=1").content.decode()
    assert "WAITING-1" in page and "SYNCED-1" not in page
    assert "By awaiting product data" in page
