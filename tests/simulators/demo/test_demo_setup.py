import pytest
from django.core.management import call_command

from wms.catalog.models import Owner, Product
from wms.catalog.services import product_upsert

pytestmark = pytest.mark.django_db


def test_demo_setup_is_idempotent_and_consistent(capsys):
    call_command("demo_setup")
    call_command("demo_setup")
    call_command("stock_verify")
    assert "agree" in capsys.readouterr().out


def test_the_demo_merchant_publishes_new_products_to_one():
    call_command("demo_setup")
    assert Owner.objects.get(owner_code="MERCHANT-A").one_publish_new
    assert list(Product.objects.order_by("sku_id").values_list("sync_to_one", flat=True)) == [True, True, True, False]
    pushed, created = product_upsert(sku_id="OW-NEW", owner_code="MERCHANT-A", name="arrives by push")
    assert created and pushed.sync_to_one
