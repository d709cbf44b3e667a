"""The floor-screen kit's screens in a real browser, at a 412 px handheld and a 1366 px desk: one column with no
sideways scroll, the scan field focused, every scan's result said in the aria-live region with its colour and
sound, and whole jobs done by scanning."""

import pytest
from playwright.sync_api import expect

from tests.browser.orders import outbound

pytestmark = pytest.mark.django_db(transaction=True)

HANDHELD, DESK = {"width": 412, "height": 900}, {"width": 1366, "height": 900}
SCREENS = pytest.mark.parametrize("viewport", [HANDHELD, DESK], ids=["412px", "1366px"])


def scrolls_sideways(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth")


def focused_name(page) -> str:
    return page.evaluate("() => document.activeElement ? document.activeElement.getAttribute('name') || '' : ''")


def screen_checked(page, label: str) -> None:
    """What every floor screen holds at any moment: no sideways scroll, the scan field focused."""
    assert not scrolls_sideways(page), label
    assert focused_name(page) == "code", label
    page.screenshot_as(label)


def scan(page, code: str) -> None:
    """A keyboard-wedge scanner: the code's characters, then Enter, into whatever has the focus."""
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def result(page):
    return page.locator("#floor-result")


def inbound(warehouse, number, *products_and_quantities, tracking_no=""):
    from wms.inbound.services import inbound_order_upsert

    order, _ = inbound_order_upsert(
        inbound_order_no=number, order_type="PURCHASE", warehouse_code=warehouse.code, owner_code="MERCHANT-A",
        items=[{"sku_id": product.sku_id, "quantity": quantity} for product, quantity in products_and_quantities],
        **({"tracking_no": tracking_no} if tracking_no else {}))
    return order


@SCREENS
def test_a_receive_is_done_end_to_end_with_scans_only(page, login, warehouse, receiver, viewport):
    """From the floor home to a completed receipt: the order opened by scanning its number, each unit scanned, an
    unknown code refused with the error sound; only "Complete receipt" is a tap."""
    from tests.factories import ProductFactory
    from wms.inbound.models import InboundOrder

    soap = ProductFactory(barcode="4710000555001", name="Lavender hand soap with a long descriptive name, 500 ml")
    towel = ProductFactory(barcode="4710000555002", name="Cotton towel")
    order = inbound(warehouse, "IB-SCANS-ONLY", (soap, 3), (towel, 2))
    page.on("dialog", lambda dialog: dialog.accept())
    page.set_viewport_size(viewport)
    login(receiver.username)

    page.goto("/admin/floor/")
    expect(page.locator("#floor-section-receive")).to_be_visible()
    expect(page.locator("#floor-section-pick")).to_have_count(0)  # a receiver is offered no outbound screen
    screen_checked(page, "floor-home-receiver")
    scan(page, "IB-NO-SUCH-ORDER")
    expect(result(page)).to_contain_text("IB-NO-SUCH-ORDER: no order or parcel you may work on")
    expect(result(page)).to_have_attribute("data-result", "error")
    screen_checked(page, "floor-home-unknown-code")
    scan(page, "IB-SCANS-ONLY")
    page.wait_for_url(f"**/inboundorder/{order.pk}/receive/")
    expect(page.locator("#floor-next")).to_contain_text(soap.sku_id)
    expect(page.locator("#floor-progress")).to_contain_text("0 / 5 units")
    screen_checked(page, "receive-opened")

    for _ in range(3):
        scan(page, soap.barcode)
    expect(page.locator("#floor-progress")).to_contain_text("3 / 5 units")
    expect(page.locator("#floor-progress")).to_contain_text("3 good + 0 damaged")
    expect(result(page)).to_contain_text(f"{soap.sku_id}: 3 good + 0 damaged of 3 expected")
    expect(result(page)).to_have_attribute("data-result", "ok")
    expect(page.locator("#floor-next")).to_contain_text(towel.sku_id)  # the next item moves on
    screen_checked(page, "receive-first-line-done")

    scan(page, "NOT-ON-THIS-ORDER")
    expect(result(page)).to_contain_text("NOT-ON-THIS-ORDER")
    expect(result(page)).to_have_attribute("data-result", "error")
    assert page.evaluate("() => document.body.dataset.floorSound") == "error"
    screen_checked(page, "receive-unknown-code")

    for _ in range(2):
        scan(page, towel.barcode)
    expect(page.locator("#floor-progress")).to_contain_text("5 / 5 units")
    expect(page.locator("#floor-next")).to_contain_text("Complete the receipt")
    assert page.evaluate("() => document.body.dataset.floorSound") == "ok"
    screen_checked(page, "receive-all-counted")

    page.click("input[name=complete]")
    page.wait_for_url(f"**/inboundorder/{order.pk}/change/")
    order.refresh_from_db()
    assert order.status == InboundOrder.Status.RECEIVED
    assert sorted(order.lines.values_list("received_good", "received_damaged")) == [(2, 0), (3, 0)]
    page.screenshot_as("receive-completed")


def test_a_count_being_typed_keeps_the_focus_and_a_decimal_comma_is_refused_naming_the_line(page, login, warehouse,
                                                                                             receiver):
    """The scan field takes the focus back after a scan, but not from a count being typed; a refused count names its
    line and stays as typed."""
    from tests.factories import ProductFactory

    soap = ProductFactory(barcode="4710000555011")
    order = inbound(warehouse, "IB-TYPED", (soap, 4))
    line = order.lines.get()
    page.set_viewport_size(HANDHELD)
    login(receiver.username)
    page.goto(f"/admin/inbound/inboundorder/{order.pk}/receive/")
    scan(page, soap.barcode)
    expect(page.locator("#floor-progress")).to_contain_text("1 / 4 units")
    assert focused_name(page) == "code"
    page.click(f"input[name=damaged_{line.pk}]")
    page.keyboard.press("Control+A")
    page.keyboard.type("1,5")
    assert focused_name(page) == f"damaged_{line.pk}"  # not taken back while typing
    page.click("input[name=save]")
    expect(page.locator(f"#id_damaged_{line.pk}-errors")).to_contain_text(f"{soap.sku_id} damaged")
    expect(page.locator(f"#id_damaged_{line.pk}-errors")).to_contain_text("without a decimal comma")
    expect(page.locator(f"input[name=damaged_{line.pk}]")).to_have_value("1,5")
    expect(result(page)).to_have_attribute("data-result", "error")
    assert not scrolls_sideways(page)
    page.screenshot_as("receive-count-refused")


def test_the_camera_button_appears_with_a_barcode_reader_and_its_code_is_scanned(page, login, warehouse, receiver):
    """Where the browser has BarcodeDetector (a phone's Chromium), the camera is offered; what it reads is counted
    like a typed scan. The camera and the detector are stand-ins here: this desktop Chromium has neither."""
    from tests.factories import ProductFactory

    soap = ProductFactory(barcode="4710000555021")
    order = inbound(warehouse, "IB-CAMERA", (soap, 2))
    page.set_viewport_size(HANDHELD)
    login(receiver.username)
    page.goto(f"/admin/inbound/inboundorder/{order.pk}/receive/")
    expect(page.locator("[data-floor-camera]")).to_be_hidden()  # no BarcodeDetector: no button

    page.add_init_script(f"""
        window.BarcodeDetector = class {{ async detect() {{ return [{{rawValue: "{soap.barcode}"}}]; }} }};
        navigator.mediaDevices.getUserMedia = async () => {{
            const canvas = document.createElement("canvas"); canvas.width = 64; canvas.height = 64;
            canvas.getContext("2d").fillRect(0, 0, 64, 64);
            return canvas.captureStream(5);
        }};""")
    page.reload()
    camera = page.locator("[data-floor-camera]")
    expect(camera).to_be_visible()
    camera.click()
    expect(page.locator("#floor-progress")).to_contain_text("1 / 2 units")
    expect(result(page)).to_contain_text(f"{soap.sku_id}: 1 good")
    expect(page.locator("dialog.floor-camera")).not_to_be_visible()
    assert focused_name(page) == "code"
    page.screenshot_as("receive-camera-scanned")


@SCREENS
def test_pack_label_print_and_ship_on_the_floor_screens(page, login, simulators_live, warehouse, picker, stocked,
                                                        settings, tmp_path, viewport):
    """A picked order through the picker's floor screens: packed with a decimal comma in its weight and a unit
    moved into a second parcel by scanning, its label fetched and checked by scanning it, shipped at the dock by
    scanning its tracking code."""
    from tests.factories import ProductFactory
    from tests.wms.outbound.helpers import pick_all
    from wms.outbound.models import OutboundOrder

    settings.MEDIA_ROOT = tmp_path
    page.on("dialog", lambda dialog: dialog.accept())
    product = stocked(5, ProductFactory(barcode="4710000555031", name="Ceramic mug"))
    order = outbound(warehouse, product, "OB-FLOOR-SCREENS", quantity=3)
    pick_all(order, picker)  # the 3 units, bin by bin (they are still on the dock)
    line = order.lines.get()
    page.set_viewport_size(viewport)
    login(picker.username)

    page.goto("/admin/floor/")
    expect(page.locator("#floor-section-receive")).to_have_count(0)  # a picker is offered no inbound screen
    expect(page.locator("#floor-section-pack")).to_contain_text("OB-FLOOR-SCREENS")
    screen_checked(page, "floor-home-picker")
    scan(page, "OB-FLOOR-SCREENS")
    page.wait_for_url(f"**/outboundorder/{order.pk}/pack/")
    expect(page.locator("#floor-progress")).to_contain_text("3 / 3 units")
    screen_checked(page, "pack-opened")

    page.check("#package-2 input[name=filling]")
    scan(page, product.barcode)  # one unit moves from PKG-1 into PKG-2
    expect(result(page)).to_contain_text(f"{product.sku_id}: 1 in PKG-2")
    expect(page.locator(f"input[name=p1_line_{line.pk}]")).to_have_value("2")
    expect(page.locator(f"input[name=p2_line_{line.pk}]")).to_have_value("1")
    scan(page, "NOT-IN-THIS-ORDER")
    expect(result(page)).to_have_attribute("data-result", "error")
    screen_checked(page, "pack-scanned")
    for row, weight in ((1, "0,650"), (2, "0,2")):
        for name, value in {"weight_kg": weight, "length_cm": "32", "width_cm": "26", "height_cm": "6,5"}.items():
            page.fill(f"input[name=p{row}_{name}]", value)
    page.click("input[value=Packed]")
    page.wait_for_url(f"**/outboundorder/{order.pk}/change/")
    order.refresh_from_db()
    assert order.status == OutboundOrder.Status.PACKED
    assert sorted((str(p.weight_kg), str(p.height_cm)) for p in order.packages.all()) == [
        ("0.200", "6.5"), ("0.650", "6.5")]

    page.goto(f"/admin/outbound/outboundorder/{order.pk}/print/")
    screen_checked(page, "label-to-request")
    page.click("#label-request")
    page.wait_for_url(f"**/outboundorder/{order.pk}/print/")
    order.refresh_from_db()
    assert order.status == OutboundOrder.Status.LABELLED and order.tracking_no
    page.reload()  # the worker (eager here) has stored the label by now
    expect(page.locator("#label-print")).to_be_visible()
    scan(page, "SOMEONE-ELSES-LABEL")
    expect(result(page)).to_contain_text("is not this order's label")
    expect(result(page)).to_have_attribute("data-result", "error")
    scan(page, order.tracking_no)
    expect(result(page)).to_contain_text("Label checked")
    expect(result(page)).to_have_attribute("data-result", "ok")
    screen_checked(page, "label-checked")

    page.goto("/admin/outbound/outboundorder/ship-dock/")
    expect(page.locator("#floor-next")).to_contain_text(order.tracking_no)
    expect(page.locator("#floor-progress")).to_contain_text("0 / 1 parcels")
    screen_checked(page, "ship-dock")
    scan(page, order.tracking_no)
    expect(result(page)).to_contain_text("OB-FLOOR-SCREENS shipped")
    expect(page.locator("#floor-progress")).to_contain_text("1 / 1 parcels")
    order.refresh_from_db()
    assert order.status == OutboundOrder.Status.SHIPPED
    scan(page, order.tracking_no)  # twice: refused, named
    expect(result(page)).to_have_attribute("data-result", "error")
    expect(result(page)).to_contain_text("OB-FLOOR-SCREENS")
    screen_checked(page, "ship-dock-shipped")


def test_the_on_screen_keyboard_of_the_scan_field_can_be_switched_off_and_stays_off(page, login, warehouse, receiver):
    """A scanner or the camera needs no on-screen keyboard over half a phone's screen: "Keyboard" switches it off
    for the scan field (inputmode none), the field keeps the focus, and the choice stays after a reload."""
    from tests.factories import ProductFactory

    order = inbound(warehouse, "IB-KEYBOARD", (ProductFactory(barcode="4710000555041"), 1))
    page.set_viewport_size(HANDHELD)
    login(receiver.username)
    page.goto(f"/admin/inbound/inboundorder/{order.pk}/receive/")
    code, keyboard = page.locator("input[name=code]"), page.locator("[data-floor-keyboard]")
    expect(code).to_have_attribute("inputmode", "text")
    keyboard.click()
    expect(code).to_have_attribute("inputmode", "none")
    expect(keyboard).to_have_attribute("aria-pressed", "false")
    page.reload()
    expect(code).to_have_attribute("inputmode", "none")
    screen_checked(page, "receive-keyboard-off")
    scan(page, "4710000555041")  # a wedge scanner still types into it
    expect(page.locator("#floor-progress")).to_contain_text("1 / 1 units")
    keyboard.click()
    expect(code).to_have_attribute("inputmode", "text")
