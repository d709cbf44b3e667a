import re

import pytest
from playwright.sync_api import expect

from tests.helpers import TEST_ACTOR
from wms.core.actors import ONEWAREHOUSE

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
                                                         settings, tmp_path):
    """The floor's day in a real browser: a Receiver scans goods in, a Picker scans and packs, then (who packs
    labels) fetches the label from OneWarehouse (its simulator), prints it and ships."""
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
    expect(page.locator(".messagelist")).to_contain_text("NOT-A-CODE")  # unknown codes say so
    expect(page.locator(".scan-status")).to_have_text("")  # every scan answered
    page.screenshot_as("receive-scanned")
    page.fill(f"input[name=damaged_{inbound.lines.get().pk}]", "1")
    page.click("input[name=save]")
    page.screenshot_as("receive-saved")
    page.click("input[name=complete]")
    page.screenshot_as("receive-completed")
    inbound.refresh_from_db()
    assert inbound.status == InboundOrder.Status.RECEIVED
    assert (inbound.lines.get().received_good, inbound.lines.get().received_damaged) == (5, 1)

    order, _ = outbound_order_create(actor=ONEWAREHOUSE,
        outbound_order_no="OB-BROWSER", warehouse_code=warehouse.code, owner_code="MERCHANT-A",
        items=[{"sku_id": product.sku_id, "quantity": 2}],
        recipient={"name": "Lin Mei", "country_code": "TW", "city": "Taipei", "address1": "No. 7"},
        logistics={"provider_code": "TCAT"})
    assert order.status == OutboundOrder.Status.ALLOCATED

    # Picker: scan both units, then pack them into one package.
    page.context.clear_cookies()
    login(picker.username)
    page.goto(f"/admin/outbound/outboundorder/{order.pk}/pick/")
    for code in ("DOCK", product.barcode, product.barcode):  # the bin the goods are in (not put away yet), the items
        page.fill("input[name=code]", code)
        page.click("button[name=scan_submit]")
    expect(page.get_by_role("link", name="Pack →")).to_be_visible()
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

    # The Picker who packed: get the label, print it, ship.
    page.goto(f"/admin/outbound/outboundorder/{order.pk}/change/")
    # A link that posts a form: the URL gains "#", then the answer comes.
    page.get_by_role("link", name="Get shipping label", exact=True).click()
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


def test_a_scanner_faster_than_the_page_loses_no_scan(page, login, warehouse, receiver, picker):
    """A scanner types a code and Enter, again and again, without waiting for answers: every scan counts once,
    in order, and a count typed meanwhile is kept."""
    from tests.factories import ProductFactory
    from wms.inbound.services import inbound_order_upsert
    from wms.inventory.services import StockLine, stock_receive
    from wms.outbound.services import outbound_order_create

    carton, single = ProductFactory(barcode="4710000999101"), ProductFactory(barcode="4710000999102")
    inbound, _ = inbound_order_upsert(inbound_order_no="IB-FAST", order_type="PURCHASE",
                                      warehouse_code=warehouse.code, owner_code="MERCHANT-A",
                                      items=[{"sku_id": carton.sku_id, "quantity": 8},
                                             {"sku_id": single.sku_id, "quantity": 3}])
    login(receiver.username)
    page.goto(f"/admin/inbound/inboundorder/{inbound.pk}/receive/")
    single_line = inbound.lines.get(product=single)
    page.fill(f"input[name=damaged_{single_line.pk}]", "2")  # typed, not saved yet
    page.focus("input[name=code]")
    for _ in range(8):
        page.keyboard.type(carton.barcode)
        page.keyboard.press("Enter")
    expect(page.locator(".scan-status")).to_have_text("")
    carton_line = inbound.lines.get(product=carton)
    assert (carton_line.received_good, carton_line.received_damaged) == (8, 0)
    expect(page.locator(f"input[name=good_{carton_line.pk}]")).to_have_value("8")
    expect(page.locator(f"input[name=damaged_{single_line.pk}]")).to_have_value("2")  # kept across the updates
    assert page.inner_text("#content h1").endswith(", Receiving)")  # the title too
    page.screenshot_as("fast-scans-received")
    page.click("input[name=save]")
    single_line.refresh_from_db()
    assert single_line.received_damaged == 2

    stock_receive(actor=TEST_ACTOR, warehouse_id=warehouse.pk, good=[StockLine(single.pk, 5)], reference_type="test",
                  reference_number="T")
    order, _ = outbound_order_create(actor=ONEWAREHOUSE,
        outbound_order_no="OB-FAST", warehouse_code=warehouse.code, owner_code="MERCHANT-A",
        items=[{"sku_id": single.sku_id, "quantity": 4}],
        recipient={"name": "Lin Mei", "country_code": "TW", "city": "Taipei", "address1": "No. 7"},
        logistics={"provider_code": "TCAT"})
    page.context.clear_cookies()
    login(picker.username)
    page.goto(f"/admin/outbound/outboundorder/{order.pk}/pick/")
    page.focus("input[name=code]")
    for code in ("DOCK", *[single.barcode] * 4):  # the bin, then the items
        page.keyboard.type(code)
        page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Pack →")).to_be_visible()
    assert order.lines.get().picked_qty == 4
    page.screenshot_as("fast-scans-picked")


def test_supervisor_home_shows_the_days_work_and_the_demo_walkthrough(page, login, simulators_live, supervisor):
    from django.core.management import call_command

    call_command("demo_setup")
    login(supervisor.username)
    page.goto("/admin/")
    dashboard = page.inner_text("#floor-dashboard")
    assert "Integration console" in dashboard and "Push a scenario" in dashboard
    page.screenshot_as("supervisor-home")
