"""The putaway screen in a real browser, at a 412 px handheld and a 1366 px desk: one column with no sideways scroll,
the scan field focused, the bin scanned with a keyboard-wedge scanner, the result said (and sounded) on the next
task's page."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

HANDHELD, DESK = {"width": 412, "height": 900}, {"width": 1366, "height": 900}


@pytest.mark.parametrize("viewport", [HANDHELD, DESK], ids=["412px", "1366px"])
def test_a_receipt_is_put_away_by_scanning_bins(page, login, warehouse, receiver, viewport):
    from tests.factories import ProductFactory
    from wms.inbound.models import PutawayTask
    from wms.inbound.services import (
        LineCount,
        inbound_order_complete,
        inbound_order_record_counts,
        inbound_order_upsert,
    )
    from wms.inventory.models import Location

    soap = ProductFactory(barcode="4710000777001", name="Lavender hand soap with a long descriptive name, 500 ml")
    towel = ProductFactory(barcode="4710000777002", name="Cotton towel")
    for code, sequence in (("A-01-01", 1), ("A-01-02", 2)):
        Location.objects.create(warehouse=warehouse, code=code, barcode=f"LOC-{code}", pick_sequence=sequence)
    order, _ = inbound_order_upsert(inbound_order_no="IB-PUTAWAY", order_type="PURCHASE",
                                    warehouse_code=warehouse.code, owner_code="MERCHANT-A",
                                    items=[{"sku_id": soap.sku_id, "quantity": 3},
                                           {"sku_id": towel.sku_id, "quantity": 2}])
    lines = {line.product_id: line for line in order.lines.all()}
    inbound_order_record_counts(order=order, actor=receiver, counts=[LineCount(lines[soap.pk].pk, 3, 0),
                                                                      LineCount(lines[towel.pk].pk, 2, 0)])
    inbound_order_complete(order=order, actor=receiver)
    page.set_viewport_size(viewport)
    login(receiver.username)

    page.goto("/admin/floor/")
    expect(page.locator("#floor-section-putaway")).to_be_visible()
    page.locator("#floor-section-putaway a", has_text="IB-PUTAWAY").first.click()
    expect(page.locator("#floor-next")).to_contain_text("A-01-01")
    assert not page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth")
    assert page.evaluate("() => document.activeElement.name") == "code"
    page.screenshot_as("putaway-first-task")

    page.keyboard.type("LOC-A-01-02")  # another bin than suggested: accepted and recorded
    page.keyboard.press("Enter")
    expect(page.locator("#floor-result")).to_contain_text("put into A-01-02 (suggested A-01-01)")
    assert page.evaluate("() => document.body.dataset.floorSound") == "ok"
    assert page.evaluate("() => document.activeElement.name") == "code"
    assert not page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth")
    page.screenshot_as("putaway-second-task")

    page.keyboard.type("NO-SUCH-BIN")
    page.keyboard.press("Enter")
    expect(page.locator("#floor-result")).to_contain_text("No location")
    assert page.evaluate("() => document.body.dataset.floorSound") == "error"
    page.screenshot_as("putaway-refused")
    page.locator("#floor-scan-code").fill("LOC-A-01-02")
    page.keyboard.press("Enter")
    expect(page.locator("#floor-next")).to_contain_text("All done")
    page.screenshot_as("putaway-done")
    assert list(PutawayTask.objects.order_by("pk").values_list("status", "location__code")) == [
        ("DONE", "A-01-02"), ("DONE", "A-01-02")]
