import re

import pytest

from tests.simulators.fixtures import simulator_keys, simulator_urls, simulators_live  # noqa: F401

# live_server tests flush the database after each test; post_migrate (wms.core) puts the role groups back.
pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_log_in_and_see_only_their_sections(page, login, receiver):
    login(receiver.username)
    page.goto("/admin/")
    text = page.inner_text("#content-main")
    assert "Inbound orders" in text
    assert "Outbox messages" not in text  # not a Receiver's business
    page.screenshot_as("receiver-home")


def test_wrong_password_is_refused(page, receiver):
    page.goto("/admin/login/")
    page.fill("#id_username", receiver.username)
    page.fill("#id_password", "not-the-password")
    page.click("input[type=submit]")
    assert "Please enter the correct username and password" in page.inner_text(".errornote")
    page.screenshot_as("login-refused")


def test_receive_pick_pack_label_and_ship_in_the_browser(page, login, simulators_live, warehouse, receiver, picker,
                                                         supervisor, settings, tmp_path):
    """The floor's day in a real browser: a Receiver scans goods in, a Picker scans and packs, a Supervisor
    fetches the label from OneWarehouse (its simulator), prints it and ships."""
    from tests.factories import ProductFactory
    from wms.inbound.models import InboundOrder
    from wms.inbound.services import inbound_order_upsert
    from wms.outbound.models import OutboundOrder
    from wms.outbound.services import outbound_order_create

    settings.MEDIA_ROOT = tmp_path
    page.on("dialog", lambda dialog: dialog.accept())  # staff confirm "Complete receipt" and "Ship"
    product = ProductFactory(barcode="4710000999001")
    inbound, _ = inbound_order_upsert(inbound_order_no="IB-BROWSER", order_type="PURCHASE",
                                      warehouse_code=warehouse.code, owner_code="MERCHANT-A",
                                      items=[{"sku_id": product.sku_id, "quantity": 6}])

    # Receiver: scan 5 good units (one scan of 4, one of 1), then one damaged, then complete.
    login(receiver.username)
    page.goto(f"/admin/inbound/inboundorder/{inbound.pk}/receive/")
    page.fill("input[name=code]", product.barcode)
    page.fill("input[name=quantity]", "4")
    page.click("button[name=scan_submit]")
    page.fill("input[name=code]", product.barcode)
    page.click("button[name=scan_submit]")
    page.fill("input[name=code]", "NOT-A-CODE")
    page.click("button[name=scan_submit]")
    assert "NOT-A-CODE" in page.inner_text(".messagelist")  # unknown codes say so
    page.screenshot_as("receive-scanned")
    page.fill(f"input[name=damaged_{inbound.lines.get().pk}]", "1")
    page.click("input[name=save]")
    page.screenshot_as("receive-saved")
    page.click("input[name=complete]")
    page.screenshot_as("receive-completed")
    inbound.refresh_from_db()
    assert inbound.status == InboundOrder.Status.RECEIVED
    assert (inbound.lines.get().received_good, inbound.lines.get().received_damaged) == (5, 1)

    order, _ = outbound_order_create(
        outbound_order_no="OB-BROWSER", warehouse_code=warehouse.code, owner_code="MERCHANT-A",
        items=[{"sku_id": product.sku_id, "quantity": 2}],
        recipient={"name": "Lin Mei", "country_code": "TW", "city": "Taipei", "address1": "No. 7"},
        logistics={"provider_code": "TCAT"})
    assert order.status == OutboundOrder.Status.ALLOCATED

    # Picker: scan both units, then pack them into one package.
    page.context.clear_cookies()
    login(picker.username)
    page.goto(f"/admin/outbound/outboundorder/{order.pk}/pick/")
    for _ in range(2):
        page.fill("input[name=code]", product.barcode)
        page.click("button[name=scan_submit]")
    page.screenshot_as("picked")
    page.goto(f"/admin/outbound/outboundorder/{order.pk}/pack/")
    page.fill("input[name=p1_weight_kg]", "0.650")
    page.fill("input[name=p1_length_cm]", "32")
    page.fill("input[name=p1_width_cm]", "26")
    page.fill("input[name=p1_height_cm]", "6")
    page.click("input[value=Packed]")
    page.screenshot_as("packed")
    order.refresh_from_db()
    assert order.status == OutboundOrder.Status.PACKED

    # Supervisor: get the label, print it, ship.
    page.context.clear_cookies()
    login(supervisor.username)
    page.goto(f"/admin/outbound/outboundorder/{order.pk}/change/")
    page.get_by_role("link", name="Get shipping label", exact=True).click()  # a link that posts a form: the URL gains "#", then the answer comes
    page.wait_for_url(re.compile(r"/change/$"))
    page.screenshot_as("label-requested")
    order.refresh_from_db()
    assert order.status == OutboundOrder.Status.LABELLED
    page.goto(f"/admin/outbound/outboundorder/{order.pk}/change/")
    page.get_by_role("link", name="Print label", exact=True).click()
    page.screenshot_as("label-print")
    page.goto(f"/admin/outbound/outboundorder/{order.pk}/change/")
    page.get_by_role("link", name="Ship", exact=True).click()
    page.wait_for_url(re.compile(r"/change/$"))
    page.screenshot_as("shipped")
    order.refresh_from_db()
    assert order.status == OutboundOrder.Status.SHIPPED


def test_supervisor_home_shows_the_days_work_and_the_demo_walkthrough(page, login, simulators_live, supervisor):
    from django.core.management import call_command

    call_command("demo_setup")
    login(supervisor.username)
    page.goto("/admin/")
    dashboard = page.inner_text("#floor-dashboard")
    assert "Integration console" in dashboard and "Push a scenario" in dashboard
    page.screenshot_as("supervisor-home")
