"""Server-side SVG charts: the geometry of each chart, computed here, drawn by templates/dashboard/_*_chart.html.

No JavaScript library and no network: the page carries its charts as inline SVG with a ``viewBox``, so they scale to
any screen width, with a title, a description holding the figures, and a table of the same figures under them.
"""

from dataclasses import dataclass
from datetime import timedelta

# The hourly chart's drawing area, in viewBox units; text sizes are large enough to stay legible when a 412 px
# handheld scales the chart down to about 60 %.
WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 72, 12, 16, 62
AXIS_FONT = 20


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5 × 10^n (n ≥ 0) not below ``value`` (at least 1): the top of a count axis."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    hour: int
    value: int


@dataclass(frozen=True)
class HourlyChart:
    width: int
    height: int
    left: int
    right: float  # x of the plot's right edge
    top: int
    bottom: float  # y of the x axis
    today_bars: list[Bar]
    last_week_bars: list[Bar]
    y_ticks: list[tuple[float, int]]  # (y, value)
    x_ticks: list[tuple[float, str]]  # (x at the middle of the hour, "06")
    font: int


def hourly_chart(series) -> HourlyChart:
    """Grouped bars per hour: last week's (left, light) and today's (right, dark), on one count axis from 0."""
    top_value = nice_ceiling(max([*series.today_values, *series.last_week_values, 1]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(series.today_values)
    bar_w = slot * 0.4
    axis_y = TOP + plot_h

    def bars(values, offset, upto):
        drawn = []
        for hour, value in enumerate(values):
            if hour > upto:
                break
            h = plot_h * value / top_value
            drawn.append(Bar(x=round(LEFT + hour * slot + offset, 2), y=round(axis_y - h, 2), width=round(bar_w, 2),
                             height=round(h, 2), hour=hour, value=value))
        return drawn

    ticks = [0, top_value // 2, top_value] if top_value >= 2 else [0, top_value]
    return HourlyChart(
        width=WIDTH, height=HEIGHT, left=LEFT, right=WIDTH - RIGHT, top=TOP, bottom=axis_y,
        last_week_bars=bars(series.last_week_values, slot * 0.1, len(series.last_week_values)),
        today_bars=bars(series.today_values, slot * 0.5, series.current_hour),
        y_ticks=[(round(axis_y - plot_h * value / top_value, 2), value) for value in ticks],
        x_ticks=[(round(LEFT + hour * slot + slot / 2, 2), f"{hour:02d}") for hour in range(0, 24, 3)],
        font=AXIS_FONT,
    )


def share(value: float, maximum: float) -> float:
    """``value`` as a percentage of ``maximum`` for a bar's length (0 when there is nothing to compare)."""
    return round(100 * value / maximum, 1) if maximum > 0 else 0.0


def duration_text(delta: timedelta | None) -> str:
    """A waiting time as staff say it: "45 s", "12 min", "3 h 05 min", "2 d 4 h"."""
    if delta is None:
        return "–"
    seconds = max(int(delta.total_seconds()), 0)
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"
