"""Projected completion dates of the roll-out: pure arithmetic, tested on fixed data.

Projection method (also in docs/fleet.md): a borough's *issue rate* is the number of cameras
first issued in the last `window_days` days (28 by default; shorter when the borough's first
issue is more recent) divided by the days in that window. Its projected completion is
`as_of + ceil(remaining / rate)` days, where remaining = cameras to issue (the sum over its phases)
minus cameras issued so far. A borough that has issued nothing yet is *not started* and one with
no issue in the window is *stalled*: neither gets a date, because there is no rate to extrapolate.
The force's projection extrapolates the force-wide rate over the force-wide remainder (the
roll-out team moves from borough to borough, so its capacity, not each borough's, sets the pace);
the latest borough projection is reported beside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

DEFAULT_WINDOW_DAYS = 28
METHOD = (
    "recent issue rate extrapolated: cameras first issued in the last {w} days (or since the "
    "first issue, if more recent) per day; completion = as_of + ceil(remaining / rate) days; "
    "no date when nothing has been issued (not started) or nothing in the window (stalled)"
)


@dataclass
class Projection:
    target: int
    issued: int
    remaining: int
    issued_in_window: int
    window_days: int  # the days the rate was measured over
    rate_per_day: float
    status: str  # no_target | complete | on_track | behind | stalled | not_started
    projected_completion: date | None
    planned_completion: date | None
    completed_on: date | None = None


def project(
    issue_dates: Iterable[date],
    target: int,
    as_of: date,
    *,
    window_days: int = DEFAULT_WINDOW_DAYS,
    planned: date | None = None,
) -> Projection:
    dates = sorted(d for d in issue_dates if d <= as_of)
    issued, remaining = len(dates), max(target - len(dates), 0)
    window = window_days
    if dates:
        window = max(1, min(window_days, (as_of - dates[0]).days + 1))
    in_window = sum(1 for d in dates if d > as_of - timedelta(days=window))
    rate = in_window / window if dates else 0.0
    result = Projection(
        target, issued, remaining, in_window, window, round(rate, 3), "", None, planned
    )
    if target <= 0:
        result.status = "no_target"
    elif remaining == 0:
        result.status, result.completed_on = "complete", dates[target - 1]
        result.projected_completion = result.completed_on
    elif not dates:
        result.status = "not_started"
    elif in_window == 0:
        result.status = "stalled"
    else:
        # ceil(remaining / (in_window / window)) in integers: no float rounding in a date
        days = -(-remaining * window // in_window)
        result.projected_completion = as_of + timedelta(days=days)
        late = planned is not None and result.projected_completion > planned
        result.status = "behind" if late else "on_track"
    return result


def force_projection(
    boroughs: Sequence[tuple[Sequence[date], int, date | None]],
    as_of: date,
    *,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> Projection:
    """The force's projection from each borough's (issue dates, target, planned completion).

    Each borough counts only up to its own target, so one borough's surplus never hides
    another's shortfall; the force-wide recent rate is extrapolated over the force's remainder.
    """
    counted: list[date] = []
    for dates, target, _planned in boroughs:
        counted += sorted(d for d in dates if d <= as_of)[: max(target, 0)]
    planned = max((p for _d, _t, p in boroughs if p is not None), default=None)
    total = sum(target for _d, target, _p in boroughs)
    return project(counted, total, as_of, window_days=window_days, planned=planned)
