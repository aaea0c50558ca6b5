"""Inline SVG charts for the dashboard: geometry computed here, drawn by the templates."""

from __future__ import annotations

from typing import Any

from mock_infobip.demo.queries import GROUPS

COLOURS = {
    "PENDING": "#9aa5b1",
    "DELIVERED": "#2f9e44",
    "UNDELIVERABLE": "#e8590c",
    "EXPIRED": "#f59f00",
    "REJECTED": "#c92a2a",
}
WIDTH, HEIGHT = 720, 180


def stacked_bars(bars: list[dict[str, Any]]) -> dict[str, Any]:
    """Vertical stacked bars: outcomes over time."""
    peak = max([sum(bar[g] for g in GROUPS) for bar in bars] + [1])
    step = WIDTH / max(len(bars), 1)
    rects = []
    for i, bar in enumerate(bars):
        y = float(HEIGHT)
        for group in GROUPS:
            h = HEIGHT * bar[group] / peak
            if h > 0:
                y -= h
                rects.append(
                    {
                        "x": round(i * step + 1, 1),
                        "y": round(y, 1),
                        "w": round(step - 2, 1),
                        "h": round(h, 1),
                        "fill": COLOURS[group],
                        "title": f"{bar['start']}: {bar[group]} {group}",
                    }
                )
    return {"width": WIDTH, "height": HEIGHT, "rects": rects, "peak": peak}


def country_bars(countries: list[dict[str, Any]]) -> dict[str, Any]:
    """Horizontal stacked bars: outcomes by country."""
    peak = max([c["total"] for c in countries] + [1])
    row, label = 18, 60
    rects, labels = [], []
    for i, country in enumerate(countries):
        x = float(label)
        for group in GROUPS:
            w = (WIDTH - label - 10) * country[group] / peak
            if w > 0:
                rects.append(
                    {
                        "x": round(x, 1),
                        "y": i * row + 2,
                        "w": round(w, 1),
                        "h": row - 4,
                        "fill": COLOURS[group],
                        "title": f"{country['region']}: {country[group]} {group}",
                    }
                )
                x += w
        labels.append(
            {"y": i * row + row - 5, "text": country["region"] + (" *" if country["noReports"] else "")}
        )
    return {"width": WIDTH, "height": max(len(countries), 1) * row, "rects": rects, "labels": labels}
