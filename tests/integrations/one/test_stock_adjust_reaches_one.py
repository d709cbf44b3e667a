"""A Supervisor's stock adjustment is a ledger move, so ONE's next incremental sync sends the new available."""

import pytest
from django.urls import reverse

from tests.factories import ProductFactory

from .helpers import POST_URL, bodies, flag, receive, sync

pytestmark = pytest.mark.django_db


def test_an_adjustment_from_the_admin_page_is_sent_by_the_next_incremental_sync(
        client, mocked, one_publication, warehouse, supervisor):
    product = ProductFactory(sku_id="ADJ-1")
    receive(warehouse, product, 10)
    flag(product)
    publication = one_publication()
    mocked.post(POST_URL, status=200)
    sync(publication)  # the baseline
    mocked.calls.reset()
    assert sync(publication).lines == 0  # nothing moved since

    client.force_login(supervisor)
    level = product.stock_levels.get(warehouse=warehouse)
    response = client.post(reverse("admin:inventory_stocklevel_adjust", args=[level.pk]),
                           {"delta": "-3", "reason": "LOST", "note": "not on shelf B2"})
    assert response.status_code == 302
    run = sync(publication)
    assert (run.purpose, run.lines) == ("CHANGES", 1)
    assert bodies(mocked)[-1]["stocks"] == [{"id": "ADJ-1", "quantity": 7, "sku": "ADJ-1"}]
