"""The Supervisor's dashboard: the figures behind each chart, built from rows with known times, read in the
project's time zone; who may open it; and a fixed number of queries whatever the data."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from integrations.apilog.models import ApiExchange
from integrations.dashboard import charts
from integrations.dashboard.selectors import (
    backlog_piles,
    call_failures_latest,
    call_messages_stuck,
    call_success_rates,
    one_lags,
    orders_shipped_per_hour,
    units_received_per_hour,
)
from integrations.dashboard.views import dashboard_context
from integrations.one.models import OneStockChange
from tests.factories import OwnerFactory, ProductFactory, UserFactory, WarehouseFactory
from tests.helpers import TEST_ACTOR
from wms.core.roles import Role
from wms.inbound.models import InboundOrder
from wms.inventory.models import StockMove
from wms.inventory.services import StockLine, stock_receive
from wms.outbound.models import OutboundOrder
from wms.outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db

TPE = ZoneInfo("Asia/Taipei")
# A Wednesday afternoon in Taipei (06:20 UTC); the same weekday last week is 4 March.
NOW = datetime(2026, 3, 11, 14, 20, tzinfo=TPE)


@pytest.fixture(autouse=True)
def taipei(settings):
    settings.TIME_ZONE = "Asia/Taipei"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=TPE)


def received(warehouse, *, when: datetime, good: int = 0, damaged: int = 0) -> None:
    product = ProductFactory()
    stock_receive(actor=TEST_ACTOR, warehouse_id=warehouse.pk, good=[StockLine(product.pk, good)] if good else [],
                  damaged=[StockLine(product.pk, damaged)] if damaged else [], reference_type="test",
                  reference_number=f"R-{when:%d%H%M}")
    # The ledger stamps a move with the time it is written; these rows stand for receipts made at ``when``.
    StockMove.objects.filter(product=product).update(created_at=when)


_numbers = iter(range(1, 10_000))


def outbound(status: str, *, created: datetime, shipped: datetime | None = None) -> OutboundOrder:
    order = OutboundOrder.objects.create(
        outbound_order_no=f"OB-{next(_numbers)}", warehouse=WarehouseFactory(), owner=OwnerFactory(), status=status,
        recipient_name="Lin Mei", recipient_country_code="TW", recipient_city="Taipei", recipient_address1="No. 7",
        logistics_provider_code="TCAT", label_file="label.pdf" if shipped else "", shipped_at=shipped)
    OutboundOrder.objects.filter(pk=order.pk).update(created_at=created)
    return order


def inbound(status: str, *, created: datetime) -> InboundOrder:
    order = InboundOrder.objects.create(inbound_order_no=f"IB-{next(_numbers)}", order_type="PURCHASE",
                                        warehouse=WarehouseFactory(), owner=OwnerFactory(), status=status)
    InboundOrder.objects.filter(pk=order.pk).update(created_at=created)
    return order


def message(kind: str, status: str, *, created: datetime) -> OutboxMessage:
    msg = OutboxMessage.objects.create(kind=kind, aggregate_type="inbound_order", aggregate_id=str(next(_numbers)),
                                       status=status, sent_at=created if status == "SENT" else None)
    OutboxMessage.objects.filter(pk=msg.pk).update(created_at=created)
    return msg


def exchange(endpoint: str, *, when: datetime, status_code: int | None = 200, business_code: int | None = 0,
             direction: str = "OUT", error: str = "", order_no: str = "") -> ApiExchange:
    row = ApiExchange.objects.create(direction=direction, integration="onewarehouse", endpoint=endpoint,
                                     method="POST", url="https://ow.test/x", status_code=status_code,
                                     business_code=business_code, error=error, order_no=order_no)
    ApiExchange.objects.filter(pk=row.pk).update(created_at=when)
    return row


# --- per hour, today against the same weekday last week ---

def test_units_received_are_summed_per_local_hour_of_today_and_of_the_same_weekday_last_week(warehouse):
    received(warehouse, when=at(11, 9, 10), good=5)
    received(warehouse, when=at(11, 9, 50), damaged=3)  # damaged units are received units too
    received(warehouse, when=at(11, 14, 5), good=4)
    received(warehouse, when=at(11, 0, 30), good=6)  # 16:30 UTC the day before: today's first hour in Taipei
    received(warehouse, when=at(10, 23, 59), good=50)  # yesterday
    received(warehouse, when=at(4, 9, 30), good=7)
    received(warehouse, when=at(4, 16, 0), good=2)  # last week, after this hour
    received(warehouse, when=at(3, 23, 59), good=100)  # the day before last week's

    series = units_received_per_hour(now=NOW)

    assert (series.today.isoformat(), series.last_week.isoformat(), series.current_hour) == (
        "2026-03-11", "2026-03-04", 14)
    assert {h: v for h, v in enumerate(series.today_values) if v} == {0: 6, 9: 8, 14: 4}
    assert {h: v for h, v in enumerate(series.last_week_values) if v} == {9: 7, 16: 2}
    assert (series.today_total, series.last_week_same_time_total, series.last_week_total) == (18, 7, 9)
    assert series.rows[15] == (15, None, 0) and series.rows[9] == (9, 8, 7)


def test_moves_other_than_receipts_are_not_units_received(warehouse, stocked):
    product = stocked(10)
    StockMove.objects.update(created_at=NOW)
    from wms.inventory.services import stock_reserve
    stock_reserve(actor=TEST_ACTOR, warehouse_id=warehouse.pk, lines=[StockLine(product.pk, 4)],
                  reference_type="test", reference_number="X")
    StockMove.objects.filter(kind=StockMove.Kind.ALLOCATE).update(created_at=NOW)
    assert units_received_per_hour(now=NOW).today_values[14] == 10


def test_orders_shipped_are_counted_per_hour_of_their_shipping(db):
    for shipped in (at(11, 8, 1), at(11, 8, 59), at(11, 13, 0), at(4, 8, 30), at(4, 20, 0), at(10, 8, 0)):
        outbound(OutboundOrder.Status.SHIPPED, created=at(1, 8), shipped=shipped)
    outbound(OutboundOrder.Status.LABELLED, created=at(11, 8))  # not shipped

    series = orders_shipped_per_hour(now=NOW)

    assert {h: v for h, v in enumerate(series.today_values) if v} == {8: 2, 13: 1}
    assert {h: v for h, v in enumerate(series.last_week_values) if v} == {8: 1, 20: 1}


def test_the_chart_draws_a_bar_per_hour_up_to_now_scaled_to_a_round_maximum(warehouse):
    received(warehouse, when=at(11, 9), good=8)
    received(warehouse, when=at(4, 9), good=3)
    chart = charts.hourly_chart(units_received_per_hour(now=NOW))

    assert [bar.hour for bar in chart.today_bars] == list(range(15))  # 00:00 to 14:00, none for hours to come
    assert len(chart.last_week_bars) == 24
    assert [value for _y, value in chart.y_ticks] == [0, 5, 10]  # 8 rounds up to 10
    nine = chart.today_bars[9]
    assert nine.height == pytest.approx((chart.bottom - chart.top) * 8 / 10)
    assert nine.y + nine.height == pytest.approx(chart.bottom)
    assert chart.last_week_bars[9].height == pytest.approx((chart.bottom - chart.top) * 3 / 10)
    assert chart.last_week_bars[9].x < nine.x  # last week's bar stands left of today's


@pytest.mark.parametrize(("value", "ceiling"), [(0, 1), (1, 1), (3, 5), (7, 10), (10, 10), (11, 20), (480, 500)])
def test_the_count_axis_tops_at_one_two_or_five_times_a_power_of_ten(value, ceiling):
    assert charts.nice_ceiling(value) == ceiling


@pytest.mark.parametrize(("seconds", "text"), [(5, "5 s"), (600, "10 min"), (3 * 3600 + 300, "3 h 05 min"),
                                               (2 * 86400 + 4 * 3600 + 59, "2 d 4 h")])
def test_waiting_times_read_as_staff_say_them(seconds, text):
    assert charts.duration_text(timedelta(seconds=seconds)) == text


# --- backlog per pile ---

def test_each_pile_counts_what_waits_in_it_and_when_its_oldest_item_arrived(db):
    S, M = OutboundOrder.Status, OutboxMessage.Status
    inbound(InboundOrder.Status.CREATED, created=at(11, 8))
    inbound(InboundOrder.Status.CREATED, created=at(10, 8))
    inbound(InboundOrder.Status.RECEIVING, created=at(11, 12))
    inbound(InboundOrder.Status.RECEIVED, created=at(1, 8))  # done: in no pile
    outbound(S.CREATED, created=at(11, 14))
    outbound(S.BACKORDERED, created=at(9, 14, 20))
    outbound(S.ALLOCATED, created=at(11, 13, 50))
    outbound(S.ALLOCATED, created=at(11, 11, 20))
    outbound(S.PICKING, created=at(11, 10))
    outbound(S.CANCELLED, created=at(1, 10))
    outbound(S.SHIPPED, created=at(1, 10), shipped=at(2, 10))
    Kind = OutboxMessage.Kind
    message(Kind.INBOUND_CALLBACK, M.PENDING, created=at(11, 14, 15))
    message(Kind.INBOUND_CALLBACK, M.FAILED, created=at(11, 13, 20))
    message(Kind.INBOUND_CALLBACK, M.SENT, created=at(1, 13))
    message(Kind.SHIPPING_LABEL, M.DEAD, created=at(11, 2, 20))
    message(Kind.ONE_STOCK_PUSH, M.SENDING, created=at(11, 14, 19))
    message(Kind.OUTBOUND_CALLBACK, M.HELD, created=at(10, 14, 20))
    message(Kind.OUTBOUND_CALLBACK, M.DISCARDED, created=at(1, 14))

    piles = {pile.label: (pile.count, pile.age(NOW)) for pile in backlog_piles()}

    h, m = (lambda n: timedelta(hours=n)), (lambda n: timedelta(minutes=n))
    assert piles == {
        "Inbound to receive": (2, h(30) + m(20)),
        "Inbound being received": (1, h(2) + m(20)),
        "Receipts awaiting their callback": (2, h(1)),
        "Outbound to allocate": (1, m(20)),
        "Backordered": (1, h(48)),
        "To pick": (2, h(3)),
        "To pack (picking)": (1, h(4) + m(20)),
        "To label": (0, None),
        "To ship": (0, None),
        "Outbox pending": (2, m(5)),
        "Outbox failed, retrying": (1, h(1)),
        "Outbox dead (needs staff)": (1, h(12)),
        "Outbox held (other environment)": (1, h(24)),
    }


def test_each_pile_links_to_the_list_that_holds_it(client, db):
    outbound(OutboundOrder.Status.ALLOCATED, created=at(11, 8))
    outbound(OutboundOrder.Status.PICKING, created=at(11, 8))
    client.force_login(UserFactory(is_superuser=True))
    to_pick = next(pile for pile in backlog_piles() if pile.label == "To pick")
    listed = client.get(to_pick.link)
    assert listed.status_code == 200 and listed.context["cl"].result_count == 1
    for pile in backlog_piles():
        assert client.get(pile.link).status_code == 200, pile.label


# --- callbacks and labels ---

def test_success_rates_count_every_attempt_of_each_watched_call_per_window(db):
    exchange("inbound_callback", when=NOW - timedelta(hours=1))
    exchange("inbound_callback", when=NOW - timedelta(hours=2))
    exchange("inbound_callback", when=NOW - timedelta(hours=3))
    exchange("inbound_callback", when=NOW - timedelta(hours=4), status_code=502, business_code=None)
    exchange("inbound_callback", when=NOW - timedelta(days=3), status_code=200, business_code=1001)  # refused
    exchange("inbound_callback", when=NOW - timedelta(days=8), status_code=500)  # too old
    exchange("shipping_label", when=NOW - timedelta(minutes=5))
    exchange("shipping_label", when=NOW - timedelta(days=2), status_code=None, business_code=None, error="timeout")
    exchange("inbound_purchase", when=NOW - timedelta(hours=1), direction="IN", status_code=400)  # a push: not ours
    exchange("one_stock_push", when=NOW - timedelta(hours=1), status_code=500)  # not a watched call

    rates = {rate.endpoint: rate.windows for rate in call_success_rates(now=NOW)}

    assert rates == {
        "inbound_callback": [(timedelta(hours=24), 4, 3), (timedelta(days=7), 5, 3)],
        "shipping_label": [(timedelta(hours=24), 1, 1), (timedelta(days=7), 2, 1)],
        "outbound_callback": [(timedelta(hours=24), 0, 0), (timedelta(days=7), 0, 0)],
    }


def test_the_last_failures_are_the_newest_failed_attempts_of_the_watched_calls(db):
    exchange("inbound_callback", when=NOW - timedelta(hours=1))
    old = exchange("inbound_callback", when=NOW - timedelta(days=3), status_code=200, business_code=1001)
    new = exchange("shipping_label", when=NOW - timedelta(hours=2), status_code=None, business_code=None,
                   error="timeout", order_no="OB-7")
    exchange("outbound_callback", when=NOW - timedelta(days=9), status_code=500)  # older than a week
    exchange("one_stock_push", when=NOW - timedelta(hours=1), status_code=500)
    assert [row.pk for row in call_failures_latest(now=NOW)] == [new.pk, old.pk]
    assert [row.pk for row in call_failures_latest(now=NOW, limit=1)] == [new.pk]


def test_callbacks_and_labels_not_through_are_listed_from_the_outbox_latest_first(db):
    Kind, M = OutboxMessage.Kind, OutboxMessage.Status
    dead = message(Kind.SHIPPING_LABEL, M.DEAD, created=at(10, 8))
    failed = message(Kind.INBOUND_CALLBACK, M.FAILED, created=at(11, 8))
    held = message(Kind.OUTBOUND_CALLBACK, M.HELD, created=at(9, 8))
    message(Kind.INBOUND_CALLBACK, M.PENDING, created=at(11, 9))  # on its way
    message(Kind.INBOUND_CALLBACK, M.SENT, created=at(11, 9))
    message(Kind.ONE_STOCK_PUSH, M.DEAD, created=at(11, 9))  # not a callback nor a label
    for msg, when in ((dead, at(11, 10)), (failed, at(11, 12)), (held, at(11, 11))):
        OutboxMessage.objects.filter(pk=msg.pk).update(updated_at=when)
    assert [m.pk for m in call_messages_stuck()] == [failed.pk, held.pk, dead.pk]


# --- ONE ---

def test_one_lag_is_the_age_of_the_oldest_change_not_yet_on_one_or_of_a_pending_baseline(one_publication, stocked):
    from integrations.one.models import OnePublication

    publication = one_publication()
    a, b = stocked(3), stocked(4)  # published: their moves are changes waiting for ONE
    OneStockChange.objects.filter(product=a).update(captured_at=NOW - timedelta(minutes=25))
    OneStockChange.objects.filter(product=b).update(captured_at=NOW - timedelta(minutes=3))
    OnePublication.objects.filter(pk=publication.pk).update(last_success_at=NOW - timedelta(hours=1),
                                                            baseline_needed=False)
    current = one_publication(one_warehouse_id="KHH", warehouse_=WarehouseFactory(code="TW-KHH-01"))
    OnePublication.objects.filter(pk=current.pk).update(last_success_at=NOW - timedelta(minutes=1),
                                                        baseline_needed=False)  # nothing waiting: not behind
    new = one_publication(one_warehouse_id="HSZ", warehouse_=WarehouseFactory(code="TW-HSZ-01"))
    OnePublication.objects.filter(pk=new.pk).update(created_at=NOW - timedelta(minutes=40))  # baseline never sent
    disabled = one_publication(one_warehouse_id="TXG", warehouse_=WarehouseFactory(code="TW-TXG-01"))
    OnePublication.objects.filter(pk=disabled.pk).update(enabled=False)

    lags = {lag.warehouse_code: lag for lag in one_lags()}

    assert list(lags) == ["TW-HSZ-01", "TW-KHH-01", "TW-TPE-01"]  # a disabled publication is not published
    assert [(lag.waiting, lag.lag(NOW), lag.since_success(NOW)) for lag in lags.values()] == [
        (0, timedelta(minutes=40), None),
        (0, timedelta(0), timedelta(minutes=1)),
        (2, timedelta(minutes=25), timedelta(hours=1)),
    ]
    late = {row["lag"].warehouse_code: row["late"] for row in dashboard_context(now=NOW)["lags"]}
    assert late == {"TW-HSZ-01": True, "TW-KHH-01": False, "TW-TPE-01": True}  # later than 10 minutes


# --- the page ---

@pytest.mark.parametrize("role", [Role.RECEIVER, Role.PICKER])
def test_only_a_supervisor_opens_the_dashboard(client, role):
    client.force_login(UserFactory(roles=[role]))
    for name in ("supervisor-dashboard", "supervisor-dashboard-panels"):
        response = client.get(reverse(name))
        assert response.status_code == 403
        assert "Back to the home page" in response.content.decode()


def test_a_visitor_is_sent_to_log_in(client, db):
    response = client.get(reverse("supervisor-dashboard"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_supervisors_and_superusers_open_it_and_the_home_page_links_it(client, supervisor):
    for user in (supervisor, UserFactory(is_superuser=True)):
        client.force_login(user)
        assert client.get(reverse("supervisor-dashboard")).status_code == 200
        assert reverse("supervisor-dashboard") in client.get(reverse("admin:index")).content.decode()
    client.force_login(UserFactory(roles=[Role.PICKER]))
    assert reverse("supervisor-dashboard") not in client.get(reverse("admin:index")).content.decode()


def test_the_page_shows_the_figures_as_charts_with_their_table(client, supervisor, warehouse):
    received(warehouse, when=timezone.now(), good=12)
    client.force_login(supervisor)
    html = client.get(reverse("supervisor-dashboard")).content.decode()
    hour = timezone.localtime().hour
    assert 'role="img"' in html and "<title" in html and 'viewBox="0 0 640 300"' in html
    assert "Today 12 units up to" in html  # the chart's description
    assert f"<th scope=\"row\">{hour:02d}:00</th><td class=\"num\">12</td>" in html  # the table under it
    assert reverse("supervisor-dashboard-panels") in html and "dashboard/refresh.js" in html
    panels = client.get(reverse("supervisor-dashboard-panels"))
    assert "no-store" in panels["Cache-Control"]
    assert "Today 12 units up to" in panels.content.decode() and "<html" not in panels.content.decode()


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("supervisor-dashboard-panels")).status_code == 200
    return len(ctx.captured_queries)


def test_the_dashboard_reads_a_fixed_number_of_queries_whatever_the_data(
        client, supervisor, warehouse, one_publication, django_assert_max_num_queries):
    client.force_login(supervisor)
    one_publication()
    received(warehouse, when=timezone.now(), good=1)
    before = _queries(client)
    for n in range(5):
        received(warehouse, when=timezone.now() - timedelta(days=7), good=n + 1)
        outbound(OutboundOrder.Status.SHIPPED, created=at(1, 8), shipped=timezone.now())
        outbound(OutboundOrder.Status.ALLOCATED, created=at(1, 8))
        inbound(InboundOrder.Status.CREATED, created=at(1, 8))
        message(OutboxMessage.Kind.INBOUND_CALLBACK, OutboxMessage.Status.FAILED, created=at(1, 8))
        exchange("inbound_callback", when=timezone.now(), status_code=500, order_no=f"IB-{n}")
    one_publication(one_warehouse_id="KHH", warehouse_=WarehouseFactory(code="TW-KHH-01"))
    assert _queries(client) == before
    # session, user, role, the user's permissions for the admin's header (2), then the figures: two hourly series,
    # three piles, rates, failures in the request log and in the outbox, ONE (9)
    with django_assert_max_num_queries(14):
        client.get(reverse("supervisor-dashboard"))


# --- the demo ---

def test_the_demo_data_shows_on_the_dashboard(settings):
    """``make run``'s data: the opening stock received now, the demo's inbound order to receive and its outbound
    order allocated and to pick; receiving the inbound order adds its units and a callback waiting to go out."""
    from wms.inbound.services import LineCount, inbound_order_complete, inbound_order_record_counts

    settings.TIME_ZONE = "UTC"
    call_command("demo_setup", stdout=open("/dev/null", "w"))
    call_command("one_mapping", "--warehouse", "TW-TPE-01", "--one-warehouse", "TPE", stdout=open("/dev/null", "w"))
    now = timezone.now()
    context = dashboard_context(now=now)
    received_series = context["hourly"][0]["series"]
    assert received_series.today_values[now.hour] == 4 * 50 + 2  # the opening stock, good and damaged
    piles = {row["pile"].label: row["pile"].count for row in context["piles"]}
    assert (piles["Inbound to receive"], piles["To pick"]) == (1, 1)
    assert [lag.warehouse_code for lag in one_lags()] == ["TW-TPE-01"]

    supervisor = UserFactory(roles=[Role.SUPERVISOR])
    order = InboundOrder.objects.get(inbound_order_no="IB-DEMO-0001")
    inbound_order_record_counts(order=order, counts=[LineCount(line.pk, line.expected_qty)
                                                     for line in order.lines.all()], actor=supervisor)
    inbound_order_complete(order=order, actor=supervisor)
    later = dashboard_context(now=timezone.now())
    assert sum(later["hourly"][0]["series"].today_values) == 202 + 120 + 60
    piles = {row["pile"].label: row["pile"].count for row in later["piles"]}
    assert (piles["Inbound to receive"], piles["Receipts awaiting their callback"]) == (0, 1)
