"""What the Supervisor's dashboard shows, read across the floor (wms) and the integrations: units received and
orders shipped per hour today against the same weekday last week, the backlog per pile with its oldest item, the
success rate of callbacks and label requests with the last failures, and ONE's lag per published warehouse.

Every figure is aggregated in the database, a fixed number of queries whatever the data ("today" and its hours are
those of the project's TIME_ZONE). Each function takes ``now`` so that a test can hold the clock.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, DateTimeField, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncHour
from django.urls import reverse
from django.utils import timezone

from integrations.apilog.models import ApiExchange
from integrations.apilog.selectors import exchange_succeeded_q
from integrations.one.models import OnePublication, OneStockChange
from wms.inbound.models import InboundOrder
from wms.inventory.models import StockMove
from wms.outbound.models import OutboundOrder
from wms.outbox.models import OutboxMessage

HOURS = 24
RECEIVED_KINDS = (StockMove.Kind.RECEIPT, StockMove.Kind.RECEIPT_DAMAGED)
# The calls to OneWarehouse whose outcome staff watch: (request-log endpoint, what staff call it).
WATCHED_CALLS = (
    ("inbound_callback", "Inbound order callback"),
    ("shipping_label", "Shipping label"),
    ("outbound_callback", "Outbound order callback (shipped)"),
)
RATE_WINDOWS = (timedelta(hours=24), timedelta(days=7))
RATE_WINDOW_LABELS = {timedelta(hours=24): "24 hours", timedelta(days=7): "7 days"}
FAILURES_SHOWN = 10
# The incremental sync runs every 2 minutes: a change still waiting after 10 is late.
ONE_LAG_ALERT = timedelta(minutes=10)
UNSENT = (OutboxMessage.Status.PENDING, OutboxMessage.Status.SENDING, OutboxMessage.Status.FAILED,
          OutboxMessage.Status.DEAD, OutboxMessage.Status.HELD)


def day_bounds(day, tz) -> tuple[datetime, datetime]:
    """The first instant of ``day`` and of the next day, in ``tz`` (a DST day has 23 or 25 hours)."""
    return (datetime.combine(day, time.min, tzinfo=tz),
            datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz))


@dataclass(frozen=True)
class HourlySeries:
    """A figure per hour of today (up to the current hour) and of the same weekday a week earlier."""

    today: date
    last_week: date
    current_hour: int
    today_values: list[int]
    last_week_values: list[int]
    time_zone: str

    @property
    def today_total(self) -> int:
        return sum(self.today_values)

    @property
    def last_week_total(self) -> int:
        return sum(self.last_week_values)

    @property
    def last_week_same_time_total(self) -> int:
        """Last week's figure up to the end of the current hour: what today can fairly be compared with."""
        return sum(self.last_week_values[: self.current_hour + 1])

    @property
    def rows(self) -> list[tuple[int, int | None, int]]:
        """(hour, today or None for an hour still to come, last week): the table under the chart."""
        return [(hour, self.today_values[hour] if hour <= self.current_hour else None, self.last_week_values[hour])
                for hour in range(HOURS)]


def _hourly(queryset, *, field: str, value, now: datetime | None) -> HourlySeries:
    tz = timezone.get_default_timezone()
    now = timezone.localtime(now or timezone.now(), tz)
    today, last_week = now.date(), now.date() - timedelta(days=7)
    (today_start, today_end), (week_start, week_end) = day_bounds(today, tz), day_bounds(last_week, tz)
    rows = (queryset.filter(Q(**{f"{field}__gte": today_start, f"{field}__lt": today_end})
                            | Q(**{f"{field}__gte": week_start, f"{field}__lt": week_end}))
            .annotate(hour=TruncHour(field, tzinfo=tz)).order_by().values("hour").annotate(value=value)
            .values_list("hour", "value"))
    values = {today: [0] * HOURS, last_week: [0] * HOURS}
    for hour, figure in rows:
        local = timezone.localtime(hour, tz)
        values[local.date()][local.hour] += figure or 0
    return HourlySeries(today=today, last_week=last_week, current_hour=now.hour, today_values=values[today],
                        last_week_values=values[last_week], time_zone=str(tz))


def units_received_per_hour(*, now: datetime | None = None) -> HourlySeries:
    """Units booked in by receipts (good and damaged), per hour, from the ledger (one query)."""
    return _hourly(StockMove.objects.filter(kind__in=RECEIVED_KINDS), field="created_at", value=Sum("quantity"),
                   now=now)


def orders_shipped_per_hour(*, now: datetime | None = None) -> HourlySeries:
    """Outbound orders shipped, per hour (one query)."""
    return _hourly(OutboundOrder.objects.filter(status=OutboundOrder.Status.SHIPPED), field="shipped_at",
                   value=Count("pk"), now=now)


@dataclass(frozen=True)
class Pile:
    label: str
    count: int
    oldest_at: datetime | None  # when the item waiting longest arrived (its order pushed, its message written)
    link: str
    alert: bool = False  # a pile that needs staff as soon as it holds anything

    def age(self, now: datetime) -> timedelta | None:
        return now - self.oldest_at if self.oldest_at and self.count else None


def _changelist(model, query: str) -> str:
    return f"{reverse(f'admin:{model._meta.app_label}_{model._meta.model_name}_changelist')}?{query}"


def _by(queryset, *fields: str) -> dict:
    """{fields' values: (count, oldest created_at)} in one query."""
    rows = queryset.order_by().values(*fields).annotate(n=Count("pk"), oldest=Min("created_at"))
    return {tuple(row[f] for f in fields): (row["n"], row["oldest"]) for row in rows}


def _merged(groups: dict, keys) -> tuple[int, datetime | None]:
    found = [groups[key] for key in keys if key in groups]
    oldest = [at for _n, at in found if at is not None]
    return sum(n for n, _at in found), min(oldest) if oldest else None


def backlog_piles() -> list[Pile]:
    """Every pile of work waiting, in the order the work flows, with its count and the arrival of its oldest item
    (three queries: inbound orders, outbound orders, outbox messages)."""
    In, Out, Msg = InboundOrder.Status, OutboundOrder.Status, OutboxMessage.Status
    inbound = _by(InboundOrder.objects.filter(status__in=[In.CREATED, In.RECEIVING]), "status")
    outbound = _by(OutboundOrder.objects.filter(status__in=[Out.CREATED, Out.BACKORDERED, Out.ALLOCATED, Out.PICKING,
                                                            Out.PACKED, Out.LABELLED]), "status")
    outbox = _by(OutboxMessage.objects.filter(status__in=UNSENT), "kind", "status")
    piles = [Pile(label, *_merged(inbound, [(status,)]), _changelist(InboundOrder, f"status__exact={status}"))
             for label, status in (("Inbound to receive", In.CREATED), ("Inbound being received", In.RECEIVING))]
    callback = OutboxMessage.Kind.INBOUND_CALLBACK
    piles.append(Pile("Receipts awaiting their callback", *_merged(outbox, [(callback, s) for s in UNSENT]),
                      _changelist(OutboxMessage, f"kind__exact={callback}&status__in={','.join(UNSENT)}")))
    piles += [Pile(label, *_merged(outbound, [(status,)]), _changelist(OutboundOrder, f"status__exact={status}"))
              for label, status in (("Outbound to allocate", Out.CREATED), ("Backordered", Out.BACKORDERED),
                                    ("To pick", Out.ALLOCATED), ("To pack (picking)", Out.PICKING),
                                    ("To label", Out.PACKED), ("To ship", Out.LABELLED))]
    for label, statuses, alert in (("Outbox pending", (Msg.PENDING, Msg.SENDING), False),
                                   ("Outbox failed, retrying", (Msg.FAILED,), True),
                                   ("Outbox dead (needs staff)", (Msg.DEAD,), True),
                                   ("Outbox held (other environment)", (Msg.HELD,), True)):
        keys = [(kind, status) for kind, status in outbox if status in statuses]
        piles.append(Pile(label, *_merged(outbox, keys), _changelist(OutboxMessage, f"status__in={','.join(statuses)}"),
                          alert=alert))
    return piles


@dataclass(frozen=True)
class CallRate:
    endpoint: str
    label: str
    windows: list[tuple[timedelta, int, int]]  # (window, calls, successes), the shortest first

    @staticmethod
    def rate(calls: int, successes: int) -> float | None:
        return successes / calls if calls else None


def call_success_rates(*, now: datetime | None = None) -> list[CallRate]:
    """Per watched call to OneWarehouse, its attempts and successes in the request log over the last 24 hours and
    7 days (one query); every attempt counts, so a callback retried three times before it went through is 1 in 4."""
    now = now or timezone.now()
    longest = max(RATE_WINDOWS)
    aggregates = {}
    for i, window in enumerate(RATE_WINDOWS):
        since = Q(created_at__gte=now - window)
        aggregates[f"calls_{i}"] = Count("pk", filter=since)
        aggregates[f"ok_{i}"] = Count("pk", filter=since & exchange_succeeded_q())
    rows = {row["endpoint"]: row for row in (
        ApiExchange.objects.filter(direction=ApiExchange.Direction.OUTGOING, endpoint__in=[e for e, _ in WATCHED_CALLS],
                                   created_at__gte=now - longest, created_at__lte=now)
        .order_by().values("endpoint").annotate(**aggregates))}
    return [CallRate(endpoint=endpoint, label=label,
                     windows=[(window, rows.get(endpoint, {}).get(f"calls_{i}", 0),
                               rows.get(endpoint, {}).get(f"ok_{i}", 0)) for i, window in enumerate(RATE_WINDOWS)])
            for endpoint, label in WATCHED_CALLS]


def call_failures_latest(*, now: datetime | None = None, limit: int = FAILURES_SHOWN) -> list[ApiExchange]:
    """The latest failed attempts of the watched calls in the last 7 days, newest first (one query)."""
    now = now or timezone.now()
    return list(ApiExchange.objects.filter(direction=ApiExchange.Direction.OUTGOING,
                                           endpoint__in=[e for e, _ in WATCHED_CALLS],
                                           created_at__gte=now - max(RATE_WINDOWS), created_at__lte=now)
                .exclude(exchange_succeeded_q())
                .only("pk", "endpoint", "created_at", "status_code", "business_code", "error", "order_no",
                      "outbox_message_id")
                .order_by("-created_at", "-pk")[:limit])


WATCHED_KINDS = (OutboxMessage.Kind.INBOUND_CALLBACK, OutboxMessage.Kind.SHIPPING_LABEL,
                 OutboxMessage.Kind.OUTBOUND_CALLBACK)
STUCK = (OutboxMessage.Status.FAILED, OutboxMessage.Status.DEAD, OutboxMessage.Status.HELD)


def call_messages_stuck(*, limit: int = FAILURES_SHOWN) -> list[OutboxMessage]:
    """Callbacks and label requests not through now (failed and retrying, dead, held), the latest changed first
    (one query): with those that failed before any HTTP call (a missing key or URL), which the request log never
    saw."""
    return list(OutboxMessage.objects.filter(kind__in=WATCHED_KINDS, status__in=STUCK)
                .only("pk", "kind", "status", "attempts", "last_error", "environment_note", "updated_at")
                .order_by("-updated_at", "-pk")[:limit])


@dataclass(frozen=True)
class OneLag:
    publication_id: int
    warehouse_code: str
    one_warehouse_id: str
    last_success_at: datetime | None
    waiting: int  # products whose change ONE has not seen yet
    oldest_change_at: datetime | None
    baseline_needed: bool  # the next run sends every published product (new, re-enabled or switching publication)
    created_at: datetime

    @property
    def behind_since(self) -> datetime | None:
        """Since when ONE has missed something: a pending baseline since the last success (or the publication's
        start), else the oldest change waiting; None when ONE is up to date."""
        starts = [self.oldest_change_at] if self.waiting and self.oldest_change_at else []
        if self.baseline_needed:
            starts.append(self.last_success_at or self.created_at)
        return min(starts) if starts else None

    def lag(self, now: datetime) -> timedelta:
        """How far behind ONE is (nothing waiting: not behind)."""
        since = self.behind_since
        return max(now - since, timedelta(0)) if since else timedelta(0)

    def since_success(self, now: datetime) -> timedelta | None:
        return now - self.last_success_at if self.last_success_at else None


def one_lags() -> list[OneLag]:
    """Per enabled publication, the time of its last successful run, its oldest change not yet on ONE and whether
    a baseline is pending (one query)."""
    changes = OneStockChange.objects.filter(publication_id=OuterRef("pk")).order_by().values("publication_id")
    rows = (OnePublication.objects.filter(enabled=True)
            .annotate(waiting=Coalesce(Subquery(changes.annotate(n=Count("pk")).values("n")), 0),
                      oldest_change_at=Subquery(changes.annotate(at=Min("captured_at")).values("at"),
                                                output_field=DateTimeField()))
            .order_by("warehouse__code")
            .values_list("pk", "warehouse__code", "one_warehouse_id", "last_success_at", "waiting", "oldest_change_at",
                         "baseline_needed", "created_at"))
    return [OneLag(*row) for row in rows]
