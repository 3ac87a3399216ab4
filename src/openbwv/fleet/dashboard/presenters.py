"""Presenting the dashboard: the borough map's colouring and labels, and the uploads chart
(pure: the numbers come from `queries` and `rollout.queries.progress`)."""

from __future__ import annotations

from dataclasses import dataclass

from openbwv.fleet.dashboard.queries import DayCount
from openbwv.fleet.rollout.queries import BoroughProgress, ForceProgress
from openbwv.web.maps import borough_paths

PROJECTION_LABELS = {
    "no_target": "No target",
    "complete": "Complete",
    "on_track": "On track",
    "behind": "Behind plan",
    "stalled": "Stalled",
    "not_started": "Not started",
}
# Map bands: (class suffix, legend text); the text is also in every borough's label.
BANDS = (
    ("none", "No roll-out plan"),
    ("0", "Not started"),
    ("1", "Under 25% issued"),
    ("2", "25–49% issued"),
    ("3", "50–74% issued"),
    ("4", "75–99% issued"),
    ("5", "Complete"),
    ("city", "Not policed by the Met"),
)


@dataclass(frozen=True)
class MapBorough:
    gss_code: str
    name: str
    d: str
    label_x: float
    label_y: float
    band: str
    short: str  # on the map: e.g. "62%"
    description: str  # the accessible name: everything the colour says, in words


def percent(done: int, target: int) -> int:
    """Whole percent, never rounded up to 100 before it is complete."""
    if target <= 0:
        return 0
    value = 100 * done // target
    return min(value, 100)


def band_of(borough: BoroughProgress | None) -> str:
    if borough is None or borough.cameras_to_issue <= 0:
        return "none"
    share = percent(borough.cameras_issued, borough.cameras_to_issue)
    if borough.cameras_issued >= borough.cameras_to_issue:
        return "5"
    if borough.cameras_issued == 0:
        return "0"
    return str(min(4, 1 + share // 25))


def _describe(name: str, borough: BoroughProgress | None, met_policed: bool) -> tuple[str, str]:
    if not met_policed:
        return "", f"{name}: not policed by the Metropolitan Police (City of London Police)"
    if borough is None or borough.cameras_to_issue <= 0:
        return "", f"{name}: no roll-out plan yet"
    share = percent(borough.cameras_issued, borough.cameras_to_issue)
    status = PROJECTION_LABELS.get(borough.projection.status, borough.projection.status)
    return f"{share}%", (
        f"{name}: {share}% of cameras issued ({borough.cameras_issued} of "
        f"{borough.cameras_to_issue}), {status.lower()}"
    )


def borough_map(progress: ForceProgress, width: int = 800, height: int = 560) -> list[MapBorough]:
    by_code = {b.borough: b for b in progress.boroughs}
    shapes = []
    for path in borough_paths(width, height):
        found = by_code.get(path.gss_code)
        short, description = _describe(path.name, found, path.met_policed)
        shapes.append(
            MapBorough(
                gss_code=path.gss_code,
                name=path.name,
                d=path.d,
                label_x=path.label_x,
                label_y=path.label_y,
                band=band_of(found) if path.met_policed else "city",
                short=short,
                description=description,
            )
        )
    return shapes


def chart(days: list[DayCount], width: int = 700, height: int = 180) -> dict[str, object]:
    """Bar geometry for uploads per day (the numbers are printed too, never only drawn)."""
    top = max((d.count for d in days), default=0) or 1
    slot = width / max(len(days), 1)
    bars = []
    for n, day in enumerate(days):
        bar_height = round((height - 40) * day.count / top, 1)
        bars.append(
            {
                "x": round(n * slot + slot * 0.15, 1),
                "width": round(slot * 0.7, 1),
                "y": round(height - 20 - bar_height, 1),
                "height": bar_height,
                "mid": round(n * slot + slot / 2, 1),
                "day": day,
            }
        )
    busiest = max(days, key=lambda d: d.count) if days else None
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "total": sum(d.count for d in days),
        "busiest": busiest,
    }
