"""Simulated CAD incidents with ground truth: each attended by one to four officers, with the
recordings their cameras would make in the incident's window and realistic faults — not recorded
at all, a late start, an early stop, a camera clock that runs slow or fast.

Pure: a seeded generator of incidents and of the recordings each attendance produced (as the
camera reports them, skew included), and the CAD contract's rows for them (docs/incidents.md).
The demo imports them through the incidents service; the CAD benchmark writes them in bulk."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

# Incident types (weights) and the closing codes they end with.
TYPES = {
    "disturbance": 22,
    "theft": 16,
    "domestic": 14,
    "concern_for_welfare": 12,
    "rtc": 8,
    "stop_search": 10,
    "use_of_force": 4,
    "public_order": 6,
    "burglary": 6,
    "admin": 2,  # excluded from compliance by default
}
CLOSING = {"RESOLVED": 70, "CRIME_REPORT": 20, "ARREST": 7, "CANCELLED": 3}
LONDON_CENTRE = (51.5072, -0.1276)


@dataclass(frozen=True)
class Faults:
    """Shares of attendances with each fault (the rest are recorded whole, give or take)."""

    not_recorded: float = 0.12
    late_start: float = 0.15
    early_stop: float = 0.10
    clock_skew: float = 0.05  # the camera's clock off by 1–4 minutes, either way


@dataclass(frozen=True)
class SimOfficer:
    warrant: str
    ref: Any = None  # whatever the caller needs to make recordings (a user id, a row)


@dataclass
class SimAttendance:
    officer: SimOfficer
    dispatched: datetime
    arrived: datetime
    cleared: datetime
    fault: str  # whole | not_recorded | late_start | early_stop | clock_skew
    recordings: list[tuple[datetime, datetime]] = field(default_factory=list)  # camera times
    true_coverage: float = 0.0  # of [arrived, cleared], by the true clock


@dataclass
class SimIncident:
    number: str
    type: str
    priority: str
    latitude: float
    longitude: float
    opened: datetime
    closing: str
    attendances: list[SimAttendance] = field(default_factory=list)


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _fault(rng: random.Random, faults: Faults) -> str:
    roll = rng.random()
    for name in ("not_recorded", "late_start", "early_stop", "clock_skew"):
        share = getattr(faults, name)
        if roll < share:
            return name
        roll -= share
    return "whole"


def _recordings(
    rng: random.Random, arrived: datetime, cleared: datetime, fault: str
) -> tuple[list[tuple[datetime, datetime]], float]:
    """What the camera recorded (its own clock) and the true coverage of the attended time."""
    if fault == "not_recorded":
        return [], 0.0
    attended = (cleared - arrived).total_seconds()
    start = arrived - timedelta(seconds=rng.uniform(10, 90))  # switched on while approaching
    end = cleared - timedelta(seconds=rng.uniform(0, 20))
    if fault == "late_start":
        start = arrived + timedelta(seconds=rng.uniform(0.2, 0.6) * attended)
    if fault == "early_stop":
        end = cleared - timedelta(seconds=rng.uniform(0.2, 0.6) * attended)
    covered = (min(end, cleared) - max(start, arrived)).total_seconds()
    skew = timedelta(0)
    if fault == "clock_skew":
        skew = timedelta(seconds=rng.choice((-1, 1)) * rng.uniform(60, 240))
    clips, at = [], start
    while at < end:  # cameras split long recordings into clips of up to 15 minutes
        until = min(end, at + timedelta(minutes=15))
        clips.append((at + skew, until + skew))
        at = until
    return clips, round(max(covered, 0.0) / attended, 4) if attended else 1.0


def incidents(
    rng: random.Random,
    officers: list[SimOfficer],
    start: datetime,
    count: int,
    *,
    hours: float = 24,
    faults: Faults = Faults(),
    prefix: str = "SIM",
) -> list[SimIncident]:
    """`count` incidents opened over `hours` from `start`, each attended by one to four of
    `officers` (colleagues of the first where the list allows: neighbours in it)."""
    made = []
    for index in range(count):
        opened = start + timedelta(seconds=rng.uniform(0, hours * 3600))
        incident = SimIncident(
            number=f"{prefix}{start:%y%m%d}{index:06d}",
            type=_pick(rng, TYPES),
            priority=rng.choice(("I", "S", "E")),
            latitude=round(LONDON_CENTRE[0] + rng.uniform(-0.12, 0.12), 5),
            longitude=round(LONDON_CENTRE[1] + rng.uniform(-0.25, 0.25), 5),
            opened=opened,
            closing=_pick(rng, CLOSING),
        )
        first = rng.randrange(len(officers))
        size = min(len(officers), rng.choices((1, 2, 3, 4), weights=(45, 35, 13, 7))[0])
        for offset in range(size):
            officer = officers[(first + offset) % len(officers)]
            dispatched = opened + timedelta(seconds=rng.uniform(30, 600))
            arrived = dispatched + timedelta(seconds=rng.uniform(120, 1200))
            cleared = arrived + timedelta(seconds=rng.uniform(600, 5400))
            fault = _fault(rng, faults)
            clips, coverage = _recordings(rng, arrived, cleared, fault)
            incident.attendances.append(
                SimAttendance(officer, dispatched, arrived, cleared, fault, clips, coverage)
            )
        made.append(incident)
    return made


def cad_rows(found: list[SimIncident]) -> list[dict[str, str]]:
    """The CAD contract's rows: one per attending officer."""
    return [
        {
            "incident_number": incident.number,
            "incident_type": incident.type,
            "priority": incident.priority,
            "latitude": f"{incident.latitude:.5f}",
            "longitude": f"{incident.longitude:.5f}",
            "opened_at": incident.opened.isoformat(),
            "officer_warrant": a.officer.warrant,
            "dispatched_at": a.dispatched.isoformat(),
            "arrived_at": a.arrived.isoformat(),
            "cleared_at": a.cleared.isoformat(),
            "closing_code": incident.closing,
        }
        for incident in found
        for a in incident.attendances
    ]


def from_recordings(
    rng: random.Random, recordings: list[Any], *, prefix: str = "DEMO"
) -> list[dict[str, str]]:
    """CAD rows for the incidents a simulation's officers recorded together (its planned
    recordings with an `incident`), with faults written into the CAD times: some officers
    arrived minutes before they started recording (late starts), some cleared minutes after they
    stopped (early stops), and now and then a team-mate attended without recording at all."""
    by_incident: dict[str, list[Any]] = {}
    team_of: dict[str | None, list[Any]] = {}
    for recording in recordings:
        team_of.setdefault(recording.wearer.team, [])
        if recording.wearer not in team_of[recording.wearer.team]:
            team_of[recording.wearer.team].append(recording.wearer)
        if recording.incident:
            by_incident.setdefault(recording.incident, []).append(recording)
    rows: list[dict[str, str]] = []
    for index, (_name, its) in enumerate(sorted(by_incident.items())):
        number = f"{prefix}{index:05d}"
        kind = _pick(rng, {k: v for k, v in TYPES.items() if k != "admin"})
        lat = LONDON_CENTRE[0] + rng.uniform(-0.05, 0.05)
        lon = LONDON_CENTRE[1] + rng.uniform(-0.1, 0.1)
        first_on = min(r.trigger_on for r in its)
        opened = first_on - timedelta(minutes=rng.uniform(8, 20))
        common = {
            "incident_number": number,
            "incident_type": kind,
            "priority": rng.choice(("I", "S")),
            "latitude": f"{lat:.5f}",
            "longitude": f"{lon:.5f}",
            "opened_at": opened.isoformat(),
            "closing_code": _pick(rng, {k: v for k, v in CLOSING.items() if k != "CANCELLED"}),
        }
        present = set()
        for recording in its:
            present.add(recording.wearer.warrant)
            late = rng.random() < 0.25
            early = rng.random() < 0.15
            arrived = recording.trigger_on - timedelta(
                seconds=rng.uniform(180, 360) if late else rng.uniform(0, 40)
            )
            cleared = recording.trigger_off + timedelta(
                seconds=rng.uniform(180, 480) if early else rng.uniform(0, 30)
            )
            rows.append(_demo_row(common, recording.wearer.warrant, arrived, cleared, rng))
        mates = [w for w in team_of.get(its[0].wearer.team, []) if w.warrant not in present]
        if mates and rng.random() < 0.5:
            arrived = first_on + timedelta(seconds=rng.uniform(0, 120))
            cleared = max(r.trigger_off for r in its) + timedelta(seconds=rng.uniform(0, 60))
            rows.append(_demo_row(common, rng.choice(mates).warrant, arrived, cleared, rng))
    return rows


def _demo_row(
    common: dict[str, str], warrant: str, arrived: datetime, cleared: datetime, rng: random.Random
) -> dict[str, str]:
    dispatched = arrived - timedelta(minutes=rng.uniform(3, 10))
    return common | {
        "officer_warrant": warrant,
        "dispatched_at": max(dispatched, datetime.fromisoformat(common["opened_at"])).isoformat(),
        "arrived_at": arrived.isoformat(),
        "cleared_at": cleared.isoformat(),
    }
