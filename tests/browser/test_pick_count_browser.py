"""A pick and a count on a 412 px handheld with scans only: a wedge scanner types each code into the focused scan
field and presses Enter, bin first, then the items. Screenshots of each step under var/screenshots/."""

import pytest
from playwright.sync_api import expect

from wms.core.actors import ONEWAREHOUSE

pytestmark = pytest.mark.django_db(transaction=True)
HANDHELD = {"width": 412, "height": 900}


def scan(page, code: str) -> None:
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def sideways(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth + 1")


def test_a_pick_bin_by_bin_and_a_count_with_scans_only_at_412_px(page, login, warehouse, picker, supervisor):
    from tests.factories import ProductFactory
    from tests.wms.counts.helpers import bin_make, held, stock_into_bin
    from wms.counts.models import CountTask
    from wms.counts.services import count_tasks_request
    from wms.outbound.services import outbound_order_create

    product = ProductFactory(sku_id="HH-1", barcode="4719800000001", name="Bamboo lid water bottle, 750 ml")
    first, second = bin_make(warehouse, "A-01-01", 10), bin_make(warehouse, "B-02-01", 20)
    stock_into_bin(warehouse, product, second, 5)
    stock_into_bin(warehouse, product, first, 2)
    order, _ = outbound_order_create(
        actor=ONEWAREHOUSE, outbound_order_no="OB-HH", warehouse_code=warehouse.code, owner_code="MERCHANT-A",
        items=[{"sku_id": product.sku_id, "quantity": 3}],
        recipient={"name": "Lin Mei", "country_code": "TW", "city": "Taipei", "address1": "No. 7"},
        logistics={"provider_code": "TCAT"})

    page.set_viewport_size(HANDHELD)
    page.on("dialog", lambda dialog: dialog.accept())  # "Finish the count?" asks first
    login(picker.username)
    page.goto(f"/admin/outbound/outboundorder/{order.pk}/pick/")
    expect(page.locator("#floor-next")).to_contain_text("A-01-01")  # first on the pick path
    expect(page.locator("input[name=code]")).to_be_focused()
    assert not sideways(page)
    page.screenshot_as("pick-start-412")
    scan(page, second.barcode)  # a bin further on the path is accepted too; the picker starts at the first
    scan(page, first.barcode)
    scan(page, product.barcode)
    scan(page, product.barcode)
    expect(page.locator("#floor-next")).to_contain_text("B-02-01")  # A-01-01 is empty for this order: next bin
    expect(page.locator("#floor-progress")).to_contain_text("2 / 3 units")
    page.screenshot_as("pick-first-bin-done-412")
    scan(page, "NOT-A-CODE")
    expect(page.locator(".messagelist")).to_contain_text("Unknown code")
    scan(page, second.barcode)
    scan(page, product.barcode)
    expect(page.get_by_role("link", name="Pack →")).to_be_visible()
    assert not sideways(page)
    page.screenshot_as("pick-done-412")
    assert (held(first, product), held(second, product), order.lines.get().picked_qty) == (0, 4, 3)

    (task,) = count_tasks_request(location_ids=[second.pk], actor=supervisor)
    page.goto(f"/admin/counts/counttask/{task.pk}/count/")
    expect(page.locator("#floor-next")).to_contain_text("B-02-01")
    expect(page.locator("input[name=code]")).to_be_focused()
    scan(page, product.barcode)
    expect(page.locator(".messagelist")).to_contain_text("Scan bin B-02-01 first")
    scan(page, second.barcode)
    for _ in range(3):
        scan(page, product.barcode)
    expect(page.locator("#floor-next")).to_contain_text("3 units")
    assert not sideways(page)
    page.screenshot_as("count-scanned-412")
    page.click("input[name=finish]")
    expect(page.locator(".messagelist")).to_contain_text("a Supervisor reviews the difference")
    page.screenshot_as("count-finished-412")
    task.refresh_from_db()
    assert task.state == CountTask.State.COUNTED
    assert [(line.expected, line.counted) for line in task.lines.all()] == [(4, 3)]

    # On a desk (1366 px): the picked order's page and the Supervisor's review of the variance.
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"/admin/outbound/outboundorder/{order.pk}/pick/")
    expect(page.locator("#floor-next")).to_contain_text("Everything is picked")
    assert not sideways(page)
    page.screenshot_as("pick-done-1366")
    page.context.clear_cookies()
    login(supervisor.username)
    page.goto(f"/admin/counts/counttask/{task.pk}/review/")
    expect(page.locator("table.review")).to_contain_text("-1")
    assert not sideways(page)
    page.screenshot_as("count-review-1366")
