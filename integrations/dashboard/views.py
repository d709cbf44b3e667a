from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from wms.core.roles import Role, user_has_role

from . import charts
from .selectors import (
    ONE_LAG_ALERT,
    RATE_WINDOW_LABELS,
    backlog_piles,
    call_failures_latest,
    call_messages_stuck,
    call_success_rates,
    one_lags,
    orders_shipped_per_hour,
    units_received_per_hour,
)

REFRESH_SECONDS = 60


def _hourly(series, *, title: str, unit: str, key: str) -> dict:
    return {"key": key, "title": title, "unit": unit, "series": series, "chart": charts.hourly_chart(series)}


def dashboard_context(*, now=None) -> dict:
    """The figures of every panel, ready to draw (a fixed number of queries whatever the data)."""
    now = now or timezone.now()
    piles = backlog_piles()
    most = max([pile.count for pile in piles] + [1])
    rates = call_success_rates(now=now)
    lags = one_lags()
    longest_lag = max([lag.lag(now).total_seconds() for lag in lags] + [ONE_LAG_ALERT.total_seconds()])
    return {
        "now": timezone.localtime(now),
        "hourly": [
            _hourly(units_received_per_hour(now=now), title="Units received per hour", unit="units", key="received"),
            _hourly(orders_shipped_per_hour(now=now), title="Orders shipped per hour", unit="orders", key="shipped"),
        ],
        "piles": [{"pile": pile, "age": charts.duration_text(pile.age(now)), "share": charts.share(pile.count, most)}
                  for pile in piles],
        "rates": [{"label": rate.label, "endpoint": rate.endpoint,
                   "windows": [{"window": RATE_WINDOW_LABELS[window], "calls": calls, "successes": ok,
                                "percent": None if not calls else round(100 * ok / calls, 1)}
                               for window, calls, ok in rate.windows]} for rate in rates],
        "failures": call_failures_latest(now=now),
        "stuck": call_messages_stuck(),
        "lags": [{"lag": lag, "behind": charts.duration_text(lag.lag(now)),
                  "share": charts.share(lag.lag(now).total_seconds(), longest_lag),
                  "late": lag.lag(now) > ONE_LAG_ALERT,
                  "since_success": charts.duration_text(lag.since_success(now))} for lag in lags],
        "one_lag_alert": charts.duration_text(ONE_LAG_ALERT),
    }


def _supervisor_only(request) -> None:
    if not user_has_role(request.user, Role.SUPERVISOR):
        raise PermissionDenied("The dashboard is a Supervisor's page.")


def supervisor_dashboard(request):
    """The Supervisor's dashboard: the day's pace per hour, the backlog, the calls to OneWarehouse, ONE's lag."""
    _supervisor_only(request)
    context = {
        **admin.site.each_context(request),
        **dashboard_context(),
        "title": "Supervisor's dashboard",
        "fragment_url": reverse("supervisor-dashboard-panels"),
        "refresh_seconds": REFRESH_SECONDS,
    }
    return TemplateResponse(request, "dashboard/supervisor_dashboard.html", context)


def supervisor_dashboard_panels(request):
    """The dashboard's panels alone: what the open page fetches every ``REFRESH_SECONDS`` to stay current."""
    _supervisor_only(request)
    # Never cached: admin_view (wms/urls.py) marks the answer so.
    return TemplateResponse(request, "dashboard/_panels.html", dashboard_context())
