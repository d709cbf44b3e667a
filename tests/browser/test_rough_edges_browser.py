"""What a new user tripped over, walked again in the browser at a 1366 px desk screen and a 412 px handheld."""

import logging

import pytest
from playwright.sync_api import expect

from tests.browser.orders import outbound

pytestmark = pytest.mark.django_db(transaction=True)

DESK, HANDHELD = {"width": 1366, "height": 900}, {"width": 412, "height": 900}

# Each list's columns that were behind a horizontal scroll at 1366 px.
LISTS = {
    "/admin/inventory/stocklevel/": ("Reserved", "Available", "Damaged"),
    "/admin/catalog/product/": ("Sync to ONE",),
    "/admin/apilog/apiexchange/": ("Status code", "Business code", "Order no"),
    "/admin/outbox/outboxmessage/": ("Last error / why held",),
    "/admin/inventory/stockmove/": ("Quantity", "Actor"),
}


def columns_off_screen(page) -> list[str]:
    """The headers of the change list whose right edge lies beyond the window (only a horizontal scroll shows them)."""
    return page.evaluate("""() => [...document.querySelectorAll('#result_list thead th')]
        .filter(th => th.getBoundingClientRect().right > window.innerWidth + 1).map(th => th.innerText.trim())""")


def page_scrolls_sideways(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth + 1")


def test_lists_show_every_column_on_a_1366_px_screen(page, login, supervisor, warehouse, stocked):
    from integrations.apilog.models import ApiExchange
    from tests.factories import ProductFactory
    from wms.outbox.models import OutboxMessage

    product = stocked(7, ProductFactory(name="Organic cold-pressed extra virgin olive oil, family size bottle 1 l"))
    outbound(warehouse, product, "OB-COLUMNS-WITH-A-LONG-NUMBER-0001")
    ApiExchange.objects.create(direction="IN", integration="onewarehouse", endpoint="outbound_create", method="POST",
                               url="http://127.0.0.1/api/onewarehouse/outbound/create/with/a/long/path/segment",
                               status_code=200, business_code=0, order_no="OB-COLUMNS-WITH-A-LONG-NUMBER-0001",
                               duration_ms=12, signature_verdict="ok")
    OutboxMessage.objects.create(kind="OUTBOUND_CALLBACK", aggregate_type="outbound_order", aggregate_id="1",
                                 status="FAILED", attempts=3,
                                 last_error="HTTP 502 from https://sandbox.onewarehouse.example/callback: bad gateway")
    page.set_viewport_size(DESK)
    login(supervisor.username)
    for url, wanted in LISTS.items():
        page.goto(url)
        headers = page.locator("#result_list thead th").all_inner_texts()
        for column in wanted:
            assert any(column.lower() == h.strip().lower() for h in headers), (url, column, headers)
        assert columns_off_screen(page) == [], url
        assert not page_scrolls_sideways(page), url
        page.screenshot_as(url.strip("/").replace("/", "-"))
    page.goto("/admin/outbox/outboxmessage/")
    expect(page.locator("#result_list")).to_contain_text("HTTP 502")
    page.goto("/admin/inventory/stockmove/")
    expect(page.locator("#result_list td.field-signed_quantity").first).to_have_text("+2")  # the allocation reserves
    expect(page.locator("#result_list")).to_contain_text("+7")  # the receipt


def test_the_pack_page_names_the_refused_field_and_keeps_the_dimensions(page, login, picker, warehouse, stocked):
    """Two packages where one was picked: the refusal names the package's units, and the dimensions stay typed."""
    product = stocked(5)
    order = outbound(warehouse, product, "OB-PACK-ERR")
    login(picker.username)
    page.set_viewport_size(DESK)
    page.goto(f"/admin/outbound/outboundorder/{order.pk}/pick/")
    for code in ("DOCK", product.barcode, product.barcode):  # the bin, then the items
        page.fill("input[name=code]", code)
        page.click("button[name=scan_submit]")
    expect(page.get_by_role("link", name="Pack →")).to_be_visible()
    page.goto(f"/admin/outbound/outboundorder/{order.pk}/pack/")
    line = order.lines.get()
    for name, value in {"weight_kg": "0.650", "length_cm": "32", "width_cm": "26", "height_cm": "6"}.items():
        page.fill(f"input[name=p1_{name}]", value)
    page.fill(f"input[name=p1_line_{line.pk}]", "3")  # one more than picked
    page.click("input[value=Packed]")
    expect(page.locator(".messagelist")).to_contain_text(f"PKG-1 {product.sku_id} units")
    expect(page.locator(".messagelist")).to_contain_text("3 packed, 2 picked")
    expect(page.locator(f"input[name=p1_line_{line.pk}] + ul.errorlist")).to_contain_text("3 packed, 2 picked")
    expect(page.locator("input[name=p1_weight_kg]")).to_have_value("0.650")
    expect(page.locator("input[name=p1_height_cm]")).to_have_value("6")
    page.screenshot_as("pack-refused")

    # The order's page lists its lines by product, with no technical row names ("2:5") above them.
    page.goto(f"/admin/outbound/outboundorder/{order.pk}/change/")
    expect(page.locator("#lines-group")).to_contain_text(product.sku_id)
    expect(page.locator("#lines-group td.original p").first).to_be_hidden()
    assert f"{order.pk}:{product.pk}" not in page.inner_text("#lines-group")


def test_the_pick_page_fits_a_412_px_handheld(page, login, picker, warehouse, stocked):
    from tests.factories import ProductFactory

    product = stocked(5, ProductFactory(name="Stainless steel insulated water bottle with bamboo lid, 750 ml"))
    order = outbound(warehouse, product, "OB-HANDHELD", quantity=3)
    page.set_viewport_size(HANDHELD)
    login(picker.username)
    page.goto(f"/admin/outbound/outboundorder/{order.pk}/pick/")
    for code in ("DOCK", product.barcode):  # the bin, then an item
        page.fill("input[name=code]", code)
        page.click("button[name=scan_submit]")
    expect(page.locator(".messagelist")).to_contain_text("1 of 3 picked")
    expect(page.locator("#content h1")).to_contain_text("(Picking)")  # not "(Allocated)" once picking started
    expect(page.locator("div.breadcrumbs")).to_contain_text("(Picking)")  # the breadcrumbs too
    assert not page_scrolls_sideways(page)
    expect(page.locator("input[name=code]")).to_be_in_viewport()
    # The short-pick note is a field to type in, not a grey button: a text cursor and the page's own background.
    note = page.locator("input[name=note]")
    expect(note).to_be_visible()
    assert note.evaluate("el => getComputedStyle(el).cursor") == "text"
    button_bg = page.locator("input[name=short]").evaluate("el => getComputedStyle(el).backgroundColor")
    assert note.evaluate("el => getComputedStyle(el).backgroundColor") != button_bg
    page.screenshot_as("pick-412")


def test_a_receiver_sees_no_link_to_a_page_they_may_not_open(page, login, simulators_live, receiver, warehouse,
                                                          caplog):
    from django.core.management import call_command

    call_command("demo_setup")
    login(receiver.username)
    for viewport in (DESK, HANDHELD):
        page.set_viewport_size(viewport)
        page.goto("/admin/")
        panel = page.locator("#integration-panel")
        expect(panel.get_by_role("link", name="Receive the inbound order")).to_be_visible()
        expect(panel).to_contain_text("Pick, pack, label, ship (a Picker)")
        expect(panel.get_by_role("link", name="Pick, pack, label, ship")).to_have_count(0)
        assert not page_scrolls_sideways(page)
        page.screenshot_as(f"receiver-home-{viewport['width']}")

    # "Received by" is a name, not a link to the user's page (a 403 for anyone but an administrator).
    from wms.inbound.models import InboundOrder

    inbound = InboundOrder.objects.filter(status="CREATED").first()
    inbound.received_by = receiver
    inbound.save(update_fields=["received_by"])
    page.set_viewport_size(DESK)
    page.goto(f"/admin/inbound/inboundorder/{inbound.pk}/change/")
    expect(page.locator(".field-received_by_name")).to_contain_text(receiver.username)
    expect(page.locator(".field-received_by_name a")).to_have_count(0)

    # A page they may not open: the admin's look, the reason, a way home; logged once, without a traceback.
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = page.goto("/admin/outbound/outboundorder/")
    assert response.status == 403
    expect(page.locator("#content h1")).to_have_text("Not allowed")
    page.get_by_role("link", name="Back to the home page").click()
    expect(page.locator("#integration-panel")).to_be_visible()
    page.screenshot_as("forbidden-way-home")
    forbidden = [r for r in caplog.records if getattr(r, "status_code", None) == 403]
    assert len(forbidden) == 1 and forbidden[0].exc_info is None


def test_every_page_has_a_favicon(page, login, receiver):
    login(receiver.username)
    href = page.locator("link[rel=icon]").get_attribute("href")
    assert page.request.get(href).headers["content-type"].startswith("image/svg")
    assert page.request.get("/favicon.ico").ok
