"""Server-rendered SVG charts of the evaluation (no script, no CDN): a measure's monthly
series with and without cameras, and the effects with their 95% intervals. Pure: strings
built from numbers, every label escaped."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from markupsafe import Markup, escape

from openbwv.analytics.evaluation.model import Effect

WIDTH, HEIGHT, PAD = 640, 220, 40
WITHOUT, WITH = "#8a8a8a", "#1d70b8"  # grey: without cameras; blue: with


def _path(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(points))


def series_svg(
    title: str, series: Sequence[tuple[date, float | None, float | None]], unit: str
) -> Markup:
    """Two lines: the pooled measure of the boroughs without cameras and with them, a month."""
    values = [v for _m, a, b in series for v in (a, b) if v is not None]
    top = max(values) * 1.1 if values else 1.0
    count = max(1, len(series) - 1)

    def xy(index: int, value: float) -> tuple[float, float]:
        x = PAD + index * (WIDTH - 2 * PAD) / count
        return x, HEIGHT - PAD - (value / top if top else 0) * (HEIGHT - 2 * PAD)

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" width="100%">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" '
        'stroke="#0b0c0c"/>',
        f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{HEIGHT - PAD}" stroke="#0b0c0c"/>',
        f'<text x="{PAD - 4}" y="{PAD + 4}" text-anchor="end" font-size="10">{top:.3g}</text>',
        f'<text x="{PAD - 4}" y="{HEIGHT - PAD}" text-anchor="end" font-size="10">0</text>',
    ]
    for column, colour, label in ((1, WITHOUT, "without cameras"), (2, WITH, "with cameras")):
        values_of = [(i, row[1] if column == 1 else row[2]) for i, row in enumerate(series)]
        points = [xy(i, value) for i, value in values_of if value is not None]
        if points:
            parts.append(
                f'<path d="{_path(points)}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        y = 14 if column == 1 else 28
        parts.append(
            f'<rect x="{WIDTH - 150}" y="{y - 9}" width="10" height="10" fill="{colour}"/>'
        )
        parts.append(f'<text x="{WIDTH - 135}" y="{y}" font-size="11">{label}</text>')
    for index in range(0, len(series), max(1, len(series) // 6)):
        x, _y = xy(index, 0)
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - PAD + 14}" text-anchor="middle" font-size="10">'
            f"{series[index][0]:%b %Y}</text>"
        )
    parts.append(f'<text x="{PAD}" y="{PAD - 10}" font-size="11">{escape(unit)}</text></svg>')
    return Markup("".join(parts))  # noqa: S704 - numbers, and labels escaped above


def effects_svg(rows: Sequence[tuple[str, Effect]]) -> Markup:
    """Each effect as a dot and its 95% interval, on a scale centred on zero (per unit: % for
    rates, points for shares, drawn in two panels when both are present)."""
    height = 30 + 26 * len(rows)
    span = max([abs(v) for _l, e in rows for v in (e.low, e.high)] + [1.0]) * 1.1
    left, right = 250, WIDTH - 20
    zero = (left + right) / 2

    def x(value: float) -> float:
        return zero + value / span * (right - left) / 2

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        'aria-label="Effects of cameras with 95% intervals" width="100%">',
        "<title>Effects of cameras with 95% intervals</title>",
        f'<line x1="{zero}" y1="10" x2="{zero}" y2="{height - 10}" stroke="#0b0c0c" '
        'stroke-dasharray="3,3"/>',
    ]
    for index, (label, effect) in enumerate(rows):
        y = 26 + index * 26
        colour = WITH if not effect.covers_zero else WITHOUT
        parts.append(f'<text x="10" y="{y + 4}" font-size="11">{escape(label)}</text>')
        parts.append(
            f'<line x1="{x(effect.low):.1f}" y1="{y}" x2="{x(effect.high):.1f}" y2="{y}" '
            f'stroke="{colour}" stroke-width="3"/>'
        )
        parts.append(f'<circle cx="{x(effect.estimate):.1f}" cy="{y}" r="4" fill="{colour}"/>')
    parts.append(
        f'<text x="{left}" y="{height - 2}" font-size="10">−{span:.3g}</text>'
        f'<text x="{right}" y="{height - 2}" text-anchor="end" font-size="10">+{span:.3g}</text>'
        "</svg>"
    )
    return Markup("".join(parts))  # noqa: S704 - numbers, and labels escaped above
