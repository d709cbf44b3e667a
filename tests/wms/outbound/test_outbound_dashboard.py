import re

import pytest
from django.urls import reverse

from tests.wms.outbound.helpers import order_create, pick_all
from wms.outbound.models import OutboundOrder

pytestmark = pytest.mark.django_db


def test_admin_index_shows_each_pile_of_work_with_a_link_to_its_list(client, warehouse, products, supervisor, picker):
    order_create(warehouse, "OB-1")
    order_create(warehouse, "OB-2", items=[{"sku_id": "OW-100234", "quantity": 50}])
    pick_all(order_create(warehouse, "OB-3"), picker)
    client.force_login(supervisor)
    page = client.get(reverse("admin:index")).content.decode()
    changelist = reverse("admin:outbound_outboundorder_changelist")
    for label, status, count in [("To pick", "ALLOCATED", 1), ("Backordered", "BACKORDERED", 1),
                                 ("To pack (picking)", "PICKING", 1), ("Awaiting label", "PACKED", 0)]:
        tile = re.search(rf'<a href="{re.escape(changelist)}\?status__exact={status}">{re.escape(label)}</a></th>'
                         r'\s*<td[^>]*><strong[^>]*>(\d+)</strong>', page)
        assert tile and int(tile.group(1)) == count == OutboundOrder.objects.filter(status=status).count()
    for label, model in [("To put back", "putbacktask"), ("Short picks open", "shortpick")]:
        tile = re.escape(f'<a href="{reverse(f"admin:outbound_{model}_changelist")}?status__exact=OPEN">{label}</a>')
        assert re.search(tile + r'</th>\s*<td[^>]*><strong[^>]*>0</strong>', page), label
    assert "Failed or held callbacks / label requests" in page and "To receive" in page


def test_dashboard_hides_piles_the_user_cannot_open(client, warehouse, receiver):
    client.force_login(receiver)
    page = client.get(reverse("admin:index")).content.decode()
    assert "To receive" in page and "To pick" not in page and "Failed callbacks" not in page
