"""A merchant that publishes new products to ONE: a product arriving by OneWarehouse's product sync reaches ONE
with its stock, without anyone flagging it."""

import pytest

from tests.factories import OwnerFactory
from tests.integrations.onewarehouse.helpers import E, fixture_load
from wms.catalog.models import Product

from .helpers import receive, sync

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("publishes", [True, False])
def test_a_pushed_product_reaches_one_when_its_merchant_publishes_new_products(
        push, fake_one, one_publication, warehouse, publishes):
    OwnerFactory(owner_code="MERCHANT-A", one_publish_new=publishes)
    publication = one_publication()
    sync(publication)  # the baseline, before the product exists
    assert push(E.PRODUCT_SYNC, fixture_load("product_sync")).json()["code"] == 0
    product = Product.objects.get(sku_id="OW-100234")
    receive(warehouse, product, 6)
    run = sync(publication)
    assert (product.sync_to_one, run.lines) == (publishes, 1 if publishes else 0)
    assert fake_one.stock.get("WRO", {}) == ({"OW-100234": 6} if publishes else {})
