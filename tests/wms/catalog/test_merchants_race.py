"""A product moving to another merchant while an order naming it is being written (PostgreSQL row locks): the
order, which read the old merchant, must not keep a line of the new merchant's product."""

import threading
import time

import pytest
from django.db import transaction

from tests.factories import ProductFactory
from tests.helpers import a_session_waits_for_a_lock, in_thread, requires_postgres
from wms.catalog.models import Product
from wms.catalog.services import product_upsert
from wms.core.errors import Conflict, DomainValidationError
from wms.inbound.models import InboundOrder
from wms.inbound.services import inbound_order_upsert

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]


def test_an_order_racing_its_products_move_to_another_merchant_keeps_no_foreign_line(warehouse):
    product = ProductFactory()  # MERCHANT-A's, not used yet: a sync may still move it
    moved, release = threading.Event(), threading.Event()

    def sync_moves_the_product():
        with transaction.atomic():
            product_upsert(sku_id=product.sku_id, owner_code="MERCHANT-B", name=product.name)
            moved.set()
            release.wait(30)

    sync_thread, _ = in_thread(sync_moves_the_product)
    assert moved.wait(30)
    # The order reads the product as MERCHANT-A's (the move is not committed yet), then waits on the row lock.
    order_thread, ordered = in_thread(lambda: inbound_order_upsert(
        inbound_order_no="IB-RACE", order_type="PURCHASE", warehouse_code=warehouse.code, owner_code="MERCHANT-A",
        items=[{"sku_id": product.sku_id, "quantity": 1}]))
    for _ in range(3000):
        if not order_thread.is_alive() or a_session_waits_for_a_lock():
            break
        time.sleep(0.01)
    release.set()
    sync_thread.join()
    order_thread.join()

    assert isinstance(ordered["value"], DomainValidationError), ordered["value"]
    assert list(ordered["value"].errors) == ["items.0.sku_id"]
    assert not InboundOrder.objects.exists()
    assert Product.objects.get(pk=product.pk).owner.owner_code == "MERCHANT-B"


def test_a_product_sync_racing_an_order_of_the_product_cannot_move_it_to_another_merchant(warehouse):
    product = ProductFactory()
    ordered, release = threading.Event(), threading.Event()

    def order_being_written():
        with transaction.atomic():
            inbound_order_upsert(inbound_order_no="IB-RACE", order_type="PURCHASE", warehouse_code=warehouse.code,
                                 owner_code="MERCHANT-A", items=[{"sku_id": product.sku_id, "quantity": 1}])
            ordered.set()
            release.wait(30)

    order_thread, _ = in_thread(order_being_written)
    assert ordered.wait(30)
    sync_thread, synced = in_thread(lambda: product_upsert(sku_id=product.sku_id, owner_code="MERCHANT-B",
                                                            name=product.name))
    for _ in range(3000):
        if not sync_thread.is_alive() or a_session_waits_for_a_lock():
            break
        time.sleep(0.01)
    release.set()
    order_thread.join()
    sync_thread.join()

    assert isinstance(synced["value"], Conflict), synced["value"]
    assert InboundOrder.objects.get().lines.get().product.owner.owner_code == "MERCHANT-A"
