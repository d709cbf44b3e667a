"""Which products are published to ONE: a merchant's policy for new products, bulk per merchant, and a product's
own SKU on ONE."""

import pytest
from django.urls import reverse

from tests.factories import OwnerFactory, ProductFactory
from wms.catalog.models import Product
from wms.catalog.services import (
    owner_products_set_sync_to_one,
    owner_set_one_publish_new,
    product_placeholder_ensure,
    product_set_one_sku,
    product_set_sync_to_one,
    product_upsert,
)
from wms.catalog.signals import products_publication_changed

pytestmark = pytest.mark.django_db


@pytest.fixture
def announced():
    """The product ids every ``products_publication_changed`` announced."""
    seen: list[int] = []

    def receiver(*, product_ids, **_kwargs):
        seen.extend(product_ids)

    products_publication_changed.connect(receiver, dispatch_uid="test_announced")
    yield seen
    products_publication_changed.disconnect(dispatch_uid="test_announced")


def test_a_new_product_is_published_only_if_its_merchant_publishes_new_products():
    OwnerFactory(owner_code="PUB", one_publish_new=True)
    OwnerFactory(owner_code="PRIVATE")
    published, _ = product_upsert(sku_id="N-1", owner_code="PUB", name="n")
    private, _ = product_upsert(sku_id="N-2", owner_code="PRIVATE", name="n")
    new_owner, _ = product_upsert(sku_id="N-3", owner_code="NEW", name="n")  # the default is off
    assert (published.sync_to_one, private.sync_to_one, new_owner.sync_to_one) == (True, False, False)


def test_a_placeholder_made_for_an_order_ahead_of_its_product_is_published_as_a_new_product_is():
    OwnerFactory(owner_code="PUB", one_publish_new=True)
    (placeholder,) = product_placeholder_ensure(sku_ids=["EARLY-1"], owner_code="PUB")
    assert placeholder.sync_to_one and placeholder.awaiting_data
    completed, created = product_upsert(sku_id="EARLY-1", owner_code="PUB", name="data arrives")
    assert created and completed.sync_to_one and not completed.awaiting_data


def test_an_update_never_changes_the_flag():
    owner = OwnerFactory(owner_code="PUB")
    product, _ = product_upsert(sku_id="N-1", owner_code="PUB", name="n")
    owner_set_one_publish_new(owner_ids=[owner.pk], enabled=True)
    product, created = product_upsert(sku_id="N-1", owner_code="PUB", name="renamed")
    assert not created and product.sync_to_one is False


def test_bulk_publish_per_merchant_flags_only_that_merchants_products_and_announces_them(announced):
    a, b = OwnerFactory(owner_code="A"), OwnerFactory(owner_code="B")
    mine = ProductFactory.create_batch(3, owner=a)
    other = ProductFactory(owner=b)
    product_set_sync_to_one(product_ids=[mine[0].pk], enabled=True)
    announced.clear()
    assert owner_products_set_sync_to_one(owner_ids=[a.pk], enabled=True) == 2
    assert sorted(announced) == sorted(p.pk for p in mine[1:])
    assert set(Product.objects.filter(sync_to_one=True).values_list("pk", flat=True)) == {p.pk for p in mine}
    other.refresh_from_db()
    assert other.sync_to_one is False
    assert owner_products_set_sync_to_one(owner_ids=[a.pk], enabled=False) == 3


def test_the_one_sku_defaults_to_the_sku_id_and_a_change_is_announced(announced):
    product = ProductFactory(sku_id="OW-9")
    assert product.one_sku_effective == "OW-9"
    product_set_one_sku(product_id=product.pk, one_sku=" ONE-9 ")
    product_set_one_sku(product_id=product.pk, one_sku="ONE-9")  # unchanged: nothing announced
    product.refresh_from_db()
    assert (product.one_sku, product.one_sku_effective, announced) == ("ONE-9", "ONE-9", [product.pk])


def test_merchant_admin_actions_set_the_policy_and_publish(admin_client):
    owner = OwnerFactory()
    products = ProductFactory.create_batch(2, owner=owner)
    url = reverse("admin:catalog_owner_changelist")
    admin_client.post(url, {"action": "publish_new_products", "_selected_action": [owner.pk]})
    admin_client.post(url, {"action": "publish_all_products", "_selected_action": [owner.pk]})
    owner.refresh_from_db()
    assert owner.one_publish_new and all(Product.objects.filter(pk__in=[p.pk for p in products])
                                         .values_list("sync_to_one", flat=True))


def test_the_one_sku_is_typed_in_the_product_page_and_nothing_else(admin_client):
    product = ProductFactory(name="kept")
    response = admin_client.post(reverse("admin:catalog_product_change", args=[product.pk]),
                                 {"one_sku": "ONE-1", "name": "typed"})
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.one_sku, product.name) == ("ONE-1", "kept")
