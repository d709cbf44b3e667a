"""Staff screens of one merchant show none of another's: every changelist of orders, stock and floor tasks can be
filtered by merchant, and the filtered list holds that merchant's rows only."""

import pytest
from django.urls import reverse

from tests.factories import OwnerFactory, ProductFactory
from tests.wms.inbound.helpers import inbound
from tests.wms.outbound.helpers import outbound, pick_units
from wms.core.actors import ONEWAREHOUSE
from wms.outbound.models import OutboundOrder
from wms.outbound.services import outbound_order_cancel, outbound_order_short_pick_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_merchants(warehouse, stocked, picker):
    """Each merchant with a product in stock, an inbound order, an outbound order cancelled after a pick (a
    put-back task) and one with a short pick."""
    skus = {}
    for code in ("MERCHANT-A", "MERCHANT-B"):
        owner = OwnerFactory(owner_code=code)
        product = stocked(10, ProductFactory(owner=owner, sku_id=f"SKU-OF-{code}"))
        inbound([(product, 5)], number=f"IB-{code}", owner_code=code)
        cancelled, _ = outbound([(product, 2)], number=f"OB-{code}-1", owner_code=code)
        pick_units(cancelled, picker, product, 1)
        outbound_order_cancel(actor=ONEWAREHOUSE, outbound_order_no=cancelled.outbound_order_no, reason="buyer")
        short, _ = outbound([(product, 2)], number=f"OB-{code}-2", owner_code=code)
        outbound_order_short_pick_report(order=short, actor=picker, note="shelf empty")
        skus[code] = (owner, product.sku_id)
    return skus


CHANGELISTS = [
    # (admin URL name, the merchant filter's parameter, how a row names its product's sku_id)
    ("admin:catalog_product_changelist", "owner__id__exact", lambda row: row.sku_id),
    ("admin:inventory_stocklevel_changelist", "product__owner__id__exact", lambda row: row.product.sku_id),
    ("admin:inventory_stockmove_changelist", "product__owner__id__exact", lambda row: row.product.sku_id),
    ("admin:inbound_inboundorder_changelist", "owner__id__exact",
     lambda row: row.lines.get().product.sku_id),
    ("admin:outbound_outboundorder_changelist", "owner__id__exact",
     lambda row: row.lines.get().product.sku_id),
    ("admin:outbound_putbacktask_changelist", "order__owner__id__exact", lambda row: row.product.sku_id),
    ("admin:outbound_shortpick_changelist", "order__owner__id__exact", lambda row: row.product.sku_id),
]


@pytest.mark.parametrize("url, parameter, sku_of", CHANGELISTS, ids=[c[0].split(":")[1] for c in CHANGELISTS])
def test_every_changelist_filtered_by_merchant_shows_only_that_merchants_rows(client, supervisor, two_merchants,
                                                                              url, parameter, sku_of):
    client.force_login(supervisor)
    for code, (owner, sku_id) in two_merchants.items():
        response = client.get(reverse(url), {parameter: owner.pk})
        assert response.status_code == 200, f"{url} has no merchant filter"
        rows = list(response.context["cl"].result_list)
        assert rows and {sku_of(row) for row in rows} == {sku_id}
        other = next(s for c, (_, s) in two_merchants.items() if c != code)
        assert other not in response.content.decode()


def test_the_allocate_action_names_the_foreign_line_of_an_order_written_around_the_rule(client, supervisor,
                                                                                      warehouse, stocked):
    product = stocked(5)
    order, _ = outbound([(product, 9)], number="OB-LEGACY")  # backordered
    OutboundOrder.objects.filter(pk=order.pk).update(owner=OwnerFactory(owner_code="MERCHANT-ZZZ"))
    client.force_login(supervisor)
    response = client.post(reverse("admin:outbound_outboundorder_changelist"),
                           {"action": "allocate", "_selected_action": [order.pk]}, follow=True)
    said = [str(m) for m in response.context["messages"]]
    assert (f"OB-LEGACY: 1 order line refused: sku_id {product.sku_id} is not a product of merchant MERCHANT-ZZZ."
            in said)
    order.refresh_from_db()
    assert order.status == OutboundOrder.Status.BACKORDERED


def test_the_order_events_list_filtered_by_merchant_shows_only_that_merchants_orders(client, supervisor,
                                                                                    two_merchants):
    """The orders' timeline list (issue 17) is a screen of orders too: filtered by merchant, it holds that merchant's
    inbound and outbound orders' events only."""
    client.force_login(supervisor)
    for code, (owner, _) in two_merchants.items():
        response = client.get(reverse("admin:core_orderevent_changelist"), {"merchant": owner.pk})
        assert response.status_code == 200, "the order events list has no merchant filter"
        numbers = {event.order_no for event in response.context["cl"].result_list}
        assert numbers == {f"IB-{code}", f"OB-{code}-1", f"OB-{code}-2"}
        other = next(c for c in two_merchants if c != code)
        assert f"OB-{other}-1" not in response.content.decode()
    response = client.get(reverse("admin:core_orderevent_changelist"), {"merchant": "²"})
    assert response.status_code == 200 and list(response.context["cl"].result_list) == []
