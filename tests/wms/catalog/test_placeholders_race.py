"""A placeholder and the product sync of the same sku_id written at once (PostgreSQL): whichever inserts first,
one product remains, the order's line points to it, and the sync's data completes it."""

import threading
import time

import pytest
from django.db import transaction

from tests.helpers import a_session_waits_for_a_lock, in_thread, requires_postgres
from wms.catalog.models import Product
from wms.catalog.services import product_upsert
from wms.inbound.models import InboundOrder
from wms.inbound.services import inbound_order_upsert

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]


def _order(warehouse):
    return inbound_order_upsert(inbound_order_no="IB-RACE", order_type="PURCHASE", warehouse_code=warehouse.code,
                                owner_code="MERCHANT-A", items=[{"sku_id": "NEW-1", "quantity": 1}],
                                unknown_sku_placeholders=True)


def _sync():
    return product_upsert(sku_id="NEW-1", owner_code="MERCHANT-A", name="Mug")


def _race(first, second):
    """``first`` runs and holds its transaction open until ``second`` waits on it; returns what each returned."""
    done, release = threading.Event(), threading.Event()

    def holding():
        with transaction.atomic():
            value = first()
            done.set()
            release.wait(30)
        return value

    first_thread, first_out = in_thread(holding)
    assert done.wait(30)
    second_thread, second_out = in_thread(second)
    for _ in range(3000):
        if not second_thread.is_alive() or a_session_waits_for_a_lock():
            break
        time.sleep(0.01)
    release.set()
    first_thread.join()
    second_thread.join()
    return first_out["value"], second_out["value"]


def _settled():
    product = Product.objects.get(sku_id="NEW-1")
    assert (product.name, product.awaiting_data) == ("Mug", False)
    assert InboundOrder.objects.get().lines.get().product_id == product.pk
    return product


def test_a_sync_racing_the_orders_placeholder_completes_it(warehouse):
    ordered, synced = _race(lambda: _order(warehouse), _sync)
    assert not isinstance(ordered, Exception) and not isinstance(synced, Exception), (ordered, synced)
    assert synced[1] is True  # the first time the product's data arrives
    _settled()


def test_an_order_racing_the_products_first_sync_uses_the_synced_product(warehouse):
    synced, ordered = _race(_sync, lambda: _order(warehouse))
    assert not isinstance(ordered, Exception) and not isinstance(synced, Exception), (ordered, synced)
    assert synced[1] is True and ordered[1] is True
    _settled()
