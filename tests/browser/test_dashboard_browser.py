"""The Supervisor's dashboard in a real browser, at a 1366 px desk screen and on a 412 px handheld: reached from the
home page, its charts drawn and scaled to the width (no sideways scroll), its figures refreshed in place."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import ProductFactory
from tests.helpers import TEST_ACTOR
from wms.inventory.models import StockMove
from wms.inventory.services import StockLine, stock_receive

pytestmark = pytest.mark.django_db(transaction=True)

DESK, HANDHELD = {"width": 1366, "height": 900}, {"width": 412, "height": 900}


def past_the_right_edge(page) -> list[str]:
    """The elements of the page reaching beyond the window's right edge (what a sideways scroll would show)."""
    return page.evaluate("""() => [...document.querySelectorAll('#content *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
        .map(e => `${e.tagName.toLowerCase()} ${e.textContent.trim().slice(0, 30)}`)""")


def _received(warehouse, qty: int, when) -> None:
    product = ProductFactory()
    stock_receive(actor=TEST_ACTOR, warehouse_id=warehouse.pk, good=[StockLine(product.pk, qty)],
                  reference_type="test", reference_number="R")
    StockMove.objects.filter(product=product).update(created_at=when)


def _inbound(number: str, warehouse):
    from wms.inbound.services import inbound_order_upsert

    inbound_order_upsert(inbound_order_no=number, order_type="PURCHASE", warehouse_code=warehouse.code,
                         owner_code="MERCHANT-A", items=[{"sku_id": ProductFactory().sku_id, "quantity": 3}])


def test_a_supervisor_opens_the_dashboard_from_home_and_it_fits_desk_and_handheld(page, login, supervisor,
                                                                                 warehouse, one_publication):
    now = timezone.now()
    _received(warehouse, 14, now)
    _received(warehouse, 9, now - timedelta(days=7))
    one_publication()
    _inbound("IB-DASH-1", warehouse)
    login(supervisor.username)

    page.set_viewport_size(DESK)
    page.goto("/admin/")
    page.click("text=Supervisor's dashboard")
    expect(page.locator("h1")).to_have_text("Supervisor's dashboard")
    received = page.locator("#dashboard-received")
    expect(received.locator(".total-today")).to_have_text("14")
    expect(received.locator("svg.hourly-chart")).to_have_attribute("role", "img")
    assert received.locator(".bars.today rect").count() == 1 and received.locator(".bars.last-week rect").count() == 1
    to_receive = page.locator("#dashboard-backlog tr.pile", has_text="Inbound to receive")
    expect(to_receive.locator("td.num strong")).to_have_text("1")
    expect(page.locator("#dashboard-one")).to_contain_text("TW-TPE-01")
    assert not page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth + 1")
    assert past_the_right_edge(page) == []
    # Two panels side by side on a desk screen.
    boxes = [page.locator(f"#dashboard-{key}").bounding_box() for key in ("received", "shipped")]
    assert boxes[0]["y"] == boxes[1]["y"] and boxes[0]["x"] < boxes[1]["x"]
    page.screenshot_as("dashboard-1366")

    # The open page takes new figures in place (the 60-second timer's call), the open table of figures stays open.
    page.click("#received-figures summary")
    _inbound("IB-DASH-2", warehouse)
    page.evaluate("() => window.wmsDashboardRefresh()")
    expect(to_receive.locator("td.num strong")).to_have_text("2")
    expect(page.locator("#received-figures")).to_have_attribute("open", "")
    expect(page.locator("#dashboard-refresh-status")).to_have_text("")

    page.set_viewport_size(HANDHELD)
    page.reload()
    assert not page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth + 1")
    assert past_the_right_edge(page) == []
    for key in ("received", "shipped"):
        chart = page.locator(f"#dashboard-{key} svg.hourly-chart").bounding_box()
        assert 300 < chart["width"] <= HANDHELD["width"]  # scaled down by its viewBox, not cut
    boxes = [page.locator(f"#dashboard-{key}").bounding_box() for key in ("received", "shipped")]
    assert boxes[1]["y"] > boxes[0]["y"]  # one column
    page.screenshot_as("dashboard-412")


def test_a_picker_is_not_offered_the_dashboard_and_is_refused_with_a_way_home(page, login, picker):
    login(picker.username)
    page.goto("/admin/")
    expect(page.locator("#content-main")).not_to_contain_text("Supervisor's dashboard")
    page.goto("/admin/dashboard/")
    expect(page.locator("h1")).to_have_text("Not allowed")
    expect(page.locator("#forbidden a")).to_have_text("← Back to the home page")


def test_the_demo_data_on_the_dashboard(page, login, supervisor):
    """``make run``'s demo: its opening stock, then its inbound order received, appear on the received chart; its
    outbound order waits to be picked; its warehouse is published to ONE."""
    from django.core.management import call_command

    from wms.inbound.models import InboundOrder
    from wms.inbound.services import LineCount, inbound_order_complete, inbound_order_record_counts

    call_command("demo_setup", stdout=open("/dev/null", "w"))
    call_command("one_mapping", "--warehouse", "TW-TPE-01", "--one-warehouse", "TPE", stdout=open("/dev/null", "w"))
    order = InboundOrder.objects.get(inbound_order_no="IB-DEMO-0001")
    inbound_order_record_counts(order=order, counts=[LineCount(line.pk, line.expected_qty)
                                                     for line in order.lines.all()], actor=supervisor)
    inbound_order_complete(order=order, actor=supervisor)

    login(supervisor.username)
    page.set_viewport_size(DESK)
    page.goto("/admin/dashboard/")
    expect(page.locator("#dashboard-received .total-today")).to_have_text(str(4 * 50 + 2 + 120 + 60))
    expect(page.locator("#dashboard-backlog tr.pile", has_text="To pick").locator("strong")).to_have_text("1")
    expect(page.locator("#dashboard-one")).to_contain_text("TW-TPE-01")
    # The tests configure no OneWarehouse to call back: the receipt's callback waits in the outbox, and says why.
    expect(page.locator("#dashboard-calls tr.stuck")).to_contain_text("Inbound order callback")
    page.screenshot_as("dashboard-demo")
    hour = timezone.localtime().hour
    page.click("#received-figures summary")
    expect(page.locator("#received-figures tr", has_text=f"{hour:02d}:00").locator("td").first).to_have_text("382")
