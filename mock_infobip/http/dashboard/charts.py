"""Inline SVG charts for the dashboard: geometry computed here, drawn by the templates. Charts are
drawn in a 1,000-unit-wide view box that the page stretches to its width, with a count axis
(gridlines at round numbers), a time or country axis, and readable labels."""

from __future__ import annotations

import math
from typing import Any

from mock_infobip.http.dashboard.queries import GROUPS

COLOURS = {
    "PENDING": "#9aa5b1",
    "DELIVERED": "#2f9e44",
    "UNDELIVERABLE": "#e8590c",
    "EXPIRED": "#f59f00",
    "REJECTED": "#c92a2a",
}
WIDTH, HEIGHT = 1000, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 10, 30  # room for the axes' labels
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def ticks(peak: float) -> list[int]:
    """Round gridline values from 0 up to at least ``peak`` (at most six of them)."""
    raw = max(peak, 1) / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    top = step * math.ceil(max(peak, 1) / step)
    return [int(step * i) for i in range(int(top / step) + 1)]


def _day_hour(wire: str) -> str:
    """``2026-11-22T10:00:00.000+0000`` as ``Nov 22 10:00``."""
    return f"{MONTHS[int(wire[5:7]) - 1]} {int(wire[8:10])} {wire[11:16]}"


def stacked_bars(bars: list[dict[str, Any]]) -> dict[str, Any]:
    """Vertical stacked bars: outcomes over time, with a count axis and a time axis (UTC)."""
    grid = ticks(max([sum(bar[g] for g in GROUPS) for bar in bars] + [1]))
    top = grid[-1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(bars), 1)
    rects = []
    for i, bar in enumerate(bars):
        y = float(TOP + plot_h)
        for group in GROUPS:
            h = plot_h * bar[group] / top
            if h > 0:
                y -= h
                rects.append(
                    {
                        "x": round(LEFT + i * step + 1, 1),
                        "y": round(y, 1),
                        "w": round(max(step - 2, 1), 1),
                        "h": round(h, 1),
                        "fill": COLOURS[group],
                        "title": f"{bar['start']}: {bar[group]} {group.lower()}",
                    }
                )
    every = max(1, math.ceil(len(bars) / 8))  # at most 8 time labels
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "rects": rects,
        "peak": top,
        "grid": [
            {"y": round(TOP + plot_h - plot_h * value / top, 1), "label": f"{value:,}"} for value in grid
        ],
        "xlabels": [
            {"x": round(LEFT + i * step, 1), "text": _day_hour(bar["start"]), "utc": bar["start"]}
            for i, bar in enumerate(bars)
            if i % every == 0 and LEFT + i * step < WIDTH - RIGHT - 90  # room for the label
        ],
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "bottom": TOP + plot_h,
    }


def country_bars(countries: list[dict[str, Any]]) -> dict[str, Any]:
    """Horizontal stacked bars: outcomes by country, with a count axis; a country without
    delivery reports is marked ``*``."""
    grid = ticks(max([c["total"] for c in countries] + [1]))
    top = grid[-1]
    row, head = 20, 20
    plot_w = WIDTH - LEFT - RIGHT
    rects, labels = [], []
    for i, country in enumerate(countries):
        x = float(LEFT)
        for group in GROUPS:
            w = plot_w * country[group] / top
            if w > 0:
                rects.append(
                    {
                        "x": round(x, 1),
                        "y": head + i * row + 2,
                        "w": round(w, 1),
                        "h": row - 4,
                        "fill": COLOURS[group],
                        "title": f"{country['region']}: {country[group]} {group.lower()}",
                    }
                )
                x += w
        labels.append(
            {
                "y": head + i * row + row - 6,
                "text": country["region"] + (" *" if country["noReports"] else ""),
            }
        )
    height = head + max(len(countries), 1) * row + 4
    return {
        "width": WIDTH,
        "height": height,
        "rects": rects,
        "labels": labels,
        "grid": [{"x": round(LEFT + plot_w * value / top, 1), "label": f"{value:,}"} for value in grid],
        "top": head - 4,
        "bottom": height,
    }
