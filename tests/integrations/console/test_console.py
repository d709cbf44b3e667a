from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.apilog.models import ApiExchange
from tests.factories import OwnerFactory, ProductFactory
from wms.catalog.models import Owner
from wms.catalog.services import product_upsert
from wms.inbound.services import inbound_order_upsert

pytestmark = pytest.mark.django_db
URL = "/admin/integration-console/"


def log(direction, endpoint, status=200, code=0):
    return ApiExchange.objects.create(direction=direction, integration="onewarehouse", endpoint=endpoint,
                                      method="POST", url="/x", status_code=status, business_code=code)


def test_console_is_for_supervisors_only(client, receiver, supervisor):
    assert client.get(URL).status_code == 302  # login first
    client.force_login(receiver)
    assert client.get(URL).status_code == 403
    client.force_login(supervisor)
    assert client.get(URL).status_code == 200


def test_console_lists_the_six_urls_absolute(client, supervisor, settings):
    settings.ALLOWED_HOSTS = ["wms.example.com"]
    client.force_login(supervisor)
    page = client.get(URL, HTTP_HOST="wms.example.com").content.decode()
    for path in ("products/sync", "inbound-orders/purchase", "inbound-orders/return", "inbound-orders/cancel",
                 "outbound-orders<", "outbound-orders/cancel"):
        assert f"http://wms.example.com/api/onewarehouse/{path}" in page


def test_console_says_whether_keys_are_set_never_their_values(client, supervisor, settings):
    settings.ONEWAREHOUSE_KEYS = {"sandbox": {"push_app_key": "pk-visible-id", "push_app_secret": "s3cr3t-push-value",
                                              "app_key": "", "app_secret": "", "base_url": ""}}
    settings.ONEWAREHOUSE_ENV = "sandbox"
    client.force_login(supervisor)
    page = client.get(URL).content.decode()
    assert "s3cr3t-push-value" not in page
    assert "Push key pair (OneWarehouse → us)</th><td>configured" in page
    assert "Callback key pair (us → OneWarehouse)</th><td>MISSING" in page


def test_error_rate_and_checklist_come_from_the_request_log(client, supervisor):
    log("IN", "product_sync")
    log("IN", "product_sync", code=1001)
    log("OUT", "inbound_callback", status=500, code=None)
    client.force_login(supervisor)
    response = client.get(URL)
    health = {row.endpoint: row for row in response.context["health"]}
    assert (health["product_sync"].calls, health["product_sync"].failures) == (2, 1)
    assert health["inbound_callback"].last_success_at is None
    done = {step["endpoint"]: step["done"] for step in response.context["checklist"]}
    assert done["product_sync"] is True and done["inbound_callback"] is False
    assert response.context["ready_for_production"] is False


def test_admin_home_shows_the_console_to_supervisors_and_the_demo_when_simulators_are_on(client, supervisor,
                                                                                        picker, settings):
    settings.SIMULATORS_ENABLED = True
    client.force_login(supervisor)
    page = client.get("/admin/").content.decode()
    assert 'href="/admin/integration-console/"' in page and "Push a scenario" in page
    client.force_login(picker)
    page = client.get("/admin/").content.decode()
    assert "integration-console" not in page and "Pick, pack, label, ship" in page
    # The simulators' pages are a Supervisor's: no link to them for other staff (they would answer 403).
    assert 'href="/simulators/' not in page
    client.force_login(supervisor)
    page = client.get("/admin/").content.decode()
    assert 'href="/simulators/onewarehouse/"' in page and 'href="/simulators/one/"' in page
    client.force_login(picker)
    settings.SIMULATORS_ENABLED = False
    assert "Push a scenario" not in client.get("/admin/").content.decode()


def test_console_shows_merchants_first_seen_in_the_last_7_days_with_their_counts(client, supervisor, warehouse):
    old = OwnerFactory(owner_code="MERCHANT-OLD")
    ProductFactory(owner=old)
    Owner.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    # An unknown owner_code in a push creates the merchant silently; the console is where it shows.
    product, _ = product_upsert(sku_id="NEW-1", owner_code="MERCHANT-NEW", name="New product")
    product_upsert(sku_id="NEW-2", owner_code="MERCHANT-NEW", name="Another")
    inbound_order_upsert(inbound_order_no="IB-NEW-1", order_type="PURCHASE", warehouse_code=warehouse.code,
                         owner_code="MERCHANT-NEW", items=[{"sku_id": "NEW-1", "quantity": 5}])
    client.force_login(supervisor)
    response = client.get(URL)
    new = response.context["merchants_new"]
    assert [(o.owner_code, o.products_count, o.inbound_count, o.outbound_count) for o in new] == [
        ("MERCHANT-NEW", 2, 1, 0)]
    assert new[0].created_at <= product.created_at
    page = response.content.decode()
    assert "Merchants first seen in the last 7 days" in page and "MERCHANT-NEW" in page
    assert "MERCHANT-OLD" not in page
    assert f"/admin/outbound/outboundorder/?owner__id__exact={new[0].pk}" in page
