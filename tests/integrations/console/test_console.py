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


def log(direction, endpoint, status=200, code=0, environment="sandbox"):
    return ApiExchange.objects.create(direction=direction, integration="onewarehouse", endpoint=endpoint,
                                      method="POST", url="/x", status_code=status, business_code=code,
                                      environment=environment)


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
    # Ticked with the admin's own icons (an emoji needs a font the floor's PCs may not have).
    page = response.content.decode()
    assert "admin/img/icon-yes.svg" in page and "admin/img/icon-no.svg" in page
    assert "\u2705" not in page and "\u2b1c" not in page


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


def test_the_go_live_checklist_is_per_environment_and_production_ends_with_the_first_real_order(
        client, supervisor, settings):
    for direction, endpoint in (("IN", "outbound_create"), ("OUT", "shipping_label"), ("OUT", "outbound_callback")):
        log(direction, endpoint)  # sandbox successes tick nothing in production
    client.force_login(supervisor)
    response = client.get(URL)
    production = response.context["production_checklist"]
    assert production[-1]["step"] == "First real order shipped and its callback accepted"
    assert not any(step["done"] for step in production)
    assert {s["endpoint"]: s["done"] for s in response.context["checklist"]}["outbound_callback"] is True

    log("IN", "outbound_create", environment="production")
    log("OUT", "outbound_callback", code=1005, environment="production")  # refused: not yet accepted
    production = client.get(URL).context["production_checklist"]
    assert [step["done"] for step in production] == [True, True, False, False]
    log("OUT", "shipping_label", environment="production")
    log("OUT", "outbound_callback", environment="production")
    assert all(step["done"] for step in client.get(URL).context["production_checklist"])


def test_the_runbook_ticks_the_guides_steps_from_the_log(client, supervisor, settings):
    settings.ONEWAREHOUSE_KEYS = {name: {"push_app_key": "", "push_app_secret": "", "app_key": "",
                                         "app_secret": "", "base_url": ""} for name in ("sandbox", "production")}
    client.force_login(supervisor)
    assert [step["done"] for step in client.get(URL).context["runbook"]] == [False] * 6
    log("IN", "product_sync", status=401, code=4001)  # OneWarehouse reached us; not yet accepted
    assert [step["done"] for step in client.get(URL).context["runbook"]] == [True] + [False] * 5
    log("IN", "product_sync")
    settings.ONEWAREHOUSE_KEYS = {**settings.ONEWAREHOUSE_KEYS, "production": {
        "push_app_key": "", "push_app_secret": "", "app_key": "k", "app_secret": "s", "base_url": "https://p.test"}}
    runbook = client.get(URL).context["runbook"]
    assert [step["done"] for step in runbook] == [True, True, False, True, False, False]
    assert "https://admin-sandbox.onewarehouse.net/" in runbook[1]["step"]
    log("IN", "product_sync", environment="production")
    log("OUT", "outbound_callback", environment="production")
    assert [step["done"] for step in client.get(URL).context["runbook"]][4:] == [True, True]


def test_console_shows_environment_profile_recipe_base_urls_admin_address_and_held_messages(
        client, supervisor, settings):
    from django.db import transaction

    from wms.outbox.models import OutboxMessage
    from wms.outbox.services import outbox_message_enqueue

    settings.ONEWAREHOUSE_ENV = "sandbox"
    settings.ONEWAREHOUSE_PROFILE = "v20210901"
    settings.ONEWAREHOUSE_SIGNATURE_MODE = "md5"
    settings.ONEWAREHOUSE_KEYS = {
        "sandbox": {"push_app_key": "", "push_app_secret": "", "app_key": "", "app_secret": "",
                    "base_url": "https://sandbox.ow.test"},
        "production": {"push_app_key": "", "push_app_secret": "", "app_key": "", "app_secret": "",
                       "base_url": "https://api.ow.test"}}
    with transaction.atomic():
        outbox_message_enqueue(kind=OutboxMessage.Kind.INBOUND_CALLBACK, aggregate_type="inbound_order",
                               aggregate_id="1", payload={})
    settings.ONEWAREHOUSE_ENV = "production"
    client.force_login(supervisor)
    page = client.get(URL).content.decode()
    assert '<strong id="active-environment">production</strong>' in page
    assert "<th>Wire profile</th><td>v20210901</td>" in page and "<th>Signature recipe</th><td>md5</td>" in page
    assert "https://sandbox.ow.test" in page and "https://api.ow.test" in page
    assert 'href="https://admin-sandbox.onewarehouse.net/"' in page
    assert "0 message(s) held" in page and "1 unsent message(s) of another environment" in page
