"""The cost chart's geometry: one stacked bar per day, one segment per action (pure; the template draws the
SVG, so no script and no inline style is needed)."""

from __future__ import annotations

from dataclasses import dataclass

from services.api_cost.usage import LABELS, Usage

WIDTH, HEIGHT = 600, 200
LEFT, BOTTOM, TOP = 60, 30, 14  # room for the axis labels (18-unit text: ~12 px in the side column)
SERIES = 6  # colour classes chart-series-0 ... chart-series-5 in app.css


@dataclass(frozen=True)
class Segment:
    action: str
    calls: int
    y: float
    height: float
    series: int


@dataclass(frozen=True)
class Bar:
    label: str  # the day, e.g. 2026-11-30
    x: float
    width: float
    total: int
    segments: list[Segment]


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    baseline: float
    top: int
    max_calls: int
    bars: list[Bar]
    legend: list[tuple[str, int]]  # (label, series)


def nice_ceiling(value: int) -> int:
    """The axis top: 1, 2 or 5 times a power of ten, at least `value` (and at least 1)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def chart(usage: Usage) -> Chart:
    series = {action: n % SERIES for n, action in enumerate(usage.actions)}
    top = nice_ceiling(max((d.total for d in usage.days), default=0))
    baseline = HEIGHT - BOTTOM
    plot_height = baseline - TOP
    slot = (WIDTH - LEFT) / max(len(usage.days), 1)
    bars = []
    for n, day in enumerate(usage.days):
        y = baseline
        segments = []
        for action in usage.actions:
            calls = day.by_action.get(action, 0)
            if not calls:
                continue
            height = plot_height * calls / top
            y -= height
            segments.append(Segment(action, calls, round(y, 2), round(height, 2), series[action]))
        bars.append(
            Bar(day.day.isoformat(), round(LEFT + n * slot + 1, 2), round(slot - 2, 2), day.total, segments)
        )
    legend = [(LABELS.get(action, action), series[action]) for action in usage.actions]
    return Chart(WIDTH, HEIGHT, LEFT, baseline, TOP, top, bars, legend)
