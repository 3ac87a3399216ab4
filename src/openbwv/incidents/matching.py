"""Scoring recordings against attendances and working out an attendance's activation figures.

Pure functions over the candidate pairs the matcher's one join finds (`queries.candidates`): a
recording of an officer that overlaps [dispatched - buffer, cleared + buffer] of an incident the
officer attended. The score is the time overlap (the share of the recording inside [dispatched,
cleared]; a recording only inside the buffer scores a little, less the further away), blended
with the GPS distance from the incident when both are known. Each recording's best incident is
linked; a runner-up within the margin makes it ambiguous (queued for a person).

Activation figures do not depend on the links: an attendance's coverage is the union of every
recording of its officer inside [arrived, cleared] (a recording spanning two incidents covers
both), so an ambiguous link never makes an officer look as if they had not recorded."""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from openbwv.incidents.models import LinkState

TIME_WEIGHT = 0.7  # the rest is GPS, when both positions are known
BUFFER_SCORE = 0.05  # the most a recording only inside the buffer scores for time
EARTH_RADIUS_M = 6_371_000.0


@dataclass(frozen=True)
class Candidate:
    evidence_id: uuid.UUID
    attendance_id: uuid.UUID
    incident_id: uuid.UUID
    start: datetime
    end: datetime
    lat: float | None
    lon: float | None
    dispatched: datetime
    arrived: datetime | None
    cleared: datetime
    incident_lat: float | None
    incident_lon: float | None


@dataclass(frozen=True)
class Link:
    incident_id: uuid.UUID
    score: float
    state: str
    runner_up: uuid.UUID | None


@dataclass(frozen=True)
class Figures:
    recorded: bool
    late_start_s: int | None
    early_stop_s: int | None
    coverage: float


def _overlap(a0: datetime, a1: datetime, b0: datetime, b1: datetime) -> float:
    return max(0.0, (min(a1, b1) - max(a0, b0)).total_seconds())


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def time_score(c: Candidate, buffer_s: float) -> float:
    length = max((c.end - c.start).total_seconds(), 1.0)
    inside = _overlap(c.start, c.end, c.dispatched, c.cleared)
    if inside > 0:
        return min(1.0, inside / length)
    if buffer_s <= 0:
        return 0.0
    gap = (c.dispatched - c.end).total_seconds() if c.end <= c.dispatched else 0.0
    gap = max(gap, (c.start - c.cleared).total_seconds())
    return BUFFER_SCORE * max(0.0, 1 - gap / buffer_s)


def score(c: Candidate, buffer_s: float, radius_m: float) -> float:
    timed = time_score(c, buffer_s)
    if None in (c.lat, c.lon, c.incident_lat, c.incident_lon):
        return round(timed, 4)
    assert c.lat is not None and c.lon is not None
    assert c.incident_lat is not None and c.incident_lon is not None
    near = max(0.0, 1 - distance_m(c.lat, c.lon, c.incident_lat, c.incident_lon) / radius_m)
    return round(TIME_WEIGHT * timed + (1 - TIME_WEIGHT) * near, 4)


def best_links(
    candidates: Iterable[Candidate], *, buffer_s: float, radius_m: float, margin: float
) -> dict[uuid.UUID, Link]:
    """Each recording's best incident; ambiguous when the runner-up is within `margin`."""
    scores: dict[uuid.UUID, dict[uuid.UUID, float]] = defaultdict(dict)
    for c in candidates:
        mine = scores[c.evidence_id]
        mine[c.incident_id] = max(mine.get(c.incident_id, 0.0), score(c, buffer_s, radius_m))
    links = {}
    for evidence_id, by_incident in scores.items():
        ranked = sorted(by_incident.items(), key=lambda pair: (-pair[1], str(pair[0])))
        best, top = ranked[0]
        second = ranked[1] if len(ranked) > 1 else None
        if second is not None and top - second[1] <= margin:
            links[evidence_id] = Link(best, top, LinkState.AMBIGUOUS, second[0])
        else:
            links[evidence_id] = Link(best, top, LinkState.LINKED, None)
    return links


def figures(
    arrived: datetime | None,
    dispatched: datetime,
    cleared: datetime,
    recordings: Iterable[tuple[datetime, datetime]],
) -> Figures:
    """One attendance's figures from its officer's recordings: attended time runs from arrival
    (dispatch, when no arrival is known) to clearing. `late_start_s`: seconds from arrival to
    the first recording inside the attended time (0 when recording already); `early_stop_s`:
    seconds from the last recording's end to clearing; None for both when nothing is recorded."""
    begin = arrived or dispatched
    attended = max((cleared - begin).total_seconds(), 0.0)
    clipped = sorted(
        (max(start, begin), min(end, cleared))
        for start, end in recordings
        if min(end, cleared) > max(start, begin)
    )
    if not clipped:
        return Figures(False, None, None, 0.0)
    covered = 0.0
    run_start, run_end = clipped[0]
    for start, end in clipped[1:]:
        if start > run_end:
            covered += (run_end - run_start).total_seconds()
            run_start, run_end = start, end
        else:
            run_end = max(run_end, end)
    covered += (run_end - run_start).total_seconds()
    late = round((clipped[0][0] - begin).total_seconds())
    early = round((cleared - max(end for _start, end in clipped)).total_seconds())
    coverage = 1.0 if attended == 0 else min(1.0, covered / attended)
    return Figures(True, late, early, round(coverage, 4))
