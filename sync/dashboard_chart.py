"""
The dashboard's chart of syncs per hour by outcome, drawn on the server as an SVG (no script,
no CDN): the log's hourly counts in, the bars, axes and legend out, for a template to draw.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from integration_log.models import Outcome
from integration_log.selectors import log_outcomes_per_hour

HOURS = 24
# Stacked bottom to top. Bar colours keep 3:1 contrast with the page (WCAG for graphics); the
# legend and the table say the outcome in words.
SERIES = [
    (Outcome.SUCCESS, "Success", "#1e7b34"),
    (Outcome.SKIPPED, "Skipped", "#a16207"),
    (Outcome.ERROR, "Error", "#b42318"),
]
WIDTH, HEIGHT = 960, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 40
LABEL_EVERY = 3  # hours between the labels of the time axis
TICKS = 4  # steps of the count axis


def hourly_counts(*, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The last 24 hours, the current one last, each with its count of every outcome."""
    local = timezone.localtime(now or timezone.now())
    last = local.replace(minute=0, second=0, microsecond=0)
    hours = [last - dt.timedelta(hours=HOURS - 1 - n) for n in range(HOURS)]
    counts = log_outcomes_per_hour(since=hours[0])
    return [
        {"hour": hour, **{outcome: counts.get((hour, outcome), 0) for outcome, _, _ in SERIES}}
        for hour in hours
    ]


def tick_step(value: int) -> int:
    """The y axis' step: 1, 2 or 5 times a power of ten, four of which reach the value."""
    power = 1
    while True:
        for step in (1, 2, 5):
            if step * power * TICKS >= value:
                return step * power
        power *= 10


def chart(buckets: list[dict[str, Any]]) -> dict[str, Any]:
    """Bars (one stack an hour), y ticks, x labels and the legend, in SVG user units."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = tick_step(max((sum(b[o] for o, _, _ in SERIES) for b in buckets), default=0))
    top = step * TICKS
    slot = plot_w / max(len(buckets), 1)
    bars = []
    for n, bucket in enumerate(buckets):
        x, base, rects = LEFT + n * slot + slot * 0.15, TOP + plot_h, []
        for outcome, _, colour in SERIES:
            height = plot_h * bucket[outcome] / top
            if height:
                base -= height
                rects.append({"y": _r(base), "height": _r(height), "colour": colour})
        start = bucket["hour"]
        bars.append(
            {
                "x": _r(x),
                "width": _r(slot * 0.7),
                "rects": rects,
                "label": f"{start:%H:%M} to {start + dt.timedelta(hours=1):%H:%M}",
                "counts": [(label, bucket[outcome]) for outcome, label, _ in SERIES],
                "total": sum(bucket[o] for o, _, _ in SERIES),
                "tick": {"x": _r(x + slot * 0.35), "text": f"{start:%H:%M}"}
                if (len(buckets) - 1 - n) % LABEL_EVERY == 0
                else None,
            }
        )
    ticks = [
        {"y": _r(TOP + plot_h - plot_h * n / TICKS), "text": f"{n * step:,}"}
        for n in range(TICKS + 1)
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": TOP + plot_h,
        "plot_height": plot_h,
        "bars": bars,
        "ticks": ticks,
        "legend": [{"label": label, "colour": colour} for _, label, colour in SERIES],
        "total": sum(bar["total"] for bar in bars),
        "timezone": timezone.get_current_timezone_name(),
        "axis_label_y": _r(HEIGHT - 6),
    }


def _r(value: float) -> float:
    return round(value, 1)
