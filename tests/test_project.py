import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ProductFactory
from wms.core.roles import ROLE_PERMISSIONS

pytestmark = pytest.mark.django_db


def test_role_groups_exist_with_their_permissions():
    for role, perms in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        got = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        assert got == set(perms)


def test_no_model_change_lacks_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_bootstrap_admin_prints_the_login_once(capsys):
    call_command("bootstrap_admin", "--with-role-users")
    first = capsys.readouterr().out
    assert first.startswith("Admin login: admin / ") and "receiver, picker, supervisor" in first
    call_command("bootstrap_admin")
    assert "exists already" in capsys.readouterr().out


def test_admin_requires_login(client):
    response = client.get("/admin/inventory/stocklevel/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.parametrize("url", [
    "admin:catalog_product_changelist", "admin:inventory_stocklevel_changelist",
    "admin:inventory_stockmove_changelist", "admin:inbound_inboundorder_changelist",
    "admin:outbound_outboundorder_changelist", "admin:outbox_outboxmessage_changelist",
    "admin:apilog_apiexchange_changelist",
])
def test_admin_changelists_keep_a_constant_query_count(admin_client, url, warehouse, stocked):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get(reverse(url)).status_code == 200
        return len(ctx.captured_queries)

    stocked(1)
    call_command("demo_setup")
    few = queries()
    for _ in range(15):
        stocked(3)
    ProductFactory.create_batch(5)
    assert queries() == few


def test_stock_levels_and_ledger_are_read_only_in_admin(admin_client, stocked):
    product = stocked(1)
    level = product.stock_levels.get()
    assert admin_client.get(reverse("admin:inventory_stocklevel_add")).status_code == 403
    response = admin_client.post(reverse("admin:inventory_stocklevel_change", args=[level.pk]), {"on_hand": 99})
    assert response.status_code == 403
    level.refresh_from_db()
    assert level.on_hand == 1
