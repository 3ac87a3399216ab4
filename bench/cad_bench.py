"""Linking a day of recordings to CAD incidents at Met scale, against the database's own join of
the same rows in the same run; and the compliance report for a borough's month.

Run: ``.venv/bin/python bench/cad_bench.py [--scale 1.0] [--databases sqlite,postgresql]
[--postgres-url URL]``. At scale 1: 30,000 incidents in one day (the simulator's, one to four
officers each, with its faults: some not recorded, late starts, early stops, clock skew) and
250,000 clips that day — the attendances' recordings (split into clips of up to 15 minutes) and
the rest of the force's footage at random times. For each database (SQLite in a temporary data
directory; PostgreSQL as a scratch database, dropped afterwards), migrated, seeded in bulk,
analysed:

- **Link the day**: `incidents.service.link_window` (the code `bwv cad match` runs): the one
  join of recordings against attendances, each recording's best incident scored and written, each
  attendance's activation figures written; one transaction. Against the **plain join**: the same
  join's rows read by the database and fetched, nothing built from them. The ratio is the price of
  scoring and writing.
- **Compliance for a borough's month**: a further 29 days of one borough's attendances (figures
  already worked out), then the league tables by team, officer and type, the weekly trend and the
  misses, as the compliance page reads them. Aim: under 1 s.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scratch_db
import search_seed

DAY = datetime(2026, 11, 10, tzinfo=UTC)  # a Tuesday
INCIDENTS, CLIPS = 30_000, 250_000
CHUNK = 20_000


def _attendance_row(incident_id: uuid.UUID, a: Any, officer: dict[str, Any]) -> dict[str, Any]:
    from openbwv.incidents.cadrows import month_of, week_of

    buffer = timedelta(minutes=5)
    return {
        "id": uuid.uuid4(),
        "incident_id": incident_id,
        "warrant": a.officer.warrant,
        "user_id": officer["id"],
        "team_id": officer["team_id"],
        "borough": officer["borough"],
        "dispatched_at": a.dispatched,
        "arrived_at": a.arrived,
        "cleared_at": a.cleared,
        "window_start": a.dispatched - buffer,
        "window_end": a.cleared + buffer,
        "scan_start": a.dispatched - buffer - timedelta(hours=12),
        "week": week_of(a.arrived),
        "month": month_of(a.arrived),
        "recorded": None,
        "late_start_s": None,
        "early_stop_s": None,
        "coverage": None,
        "matched_at": None,
    }


def _incident_row(incident: Any, borough: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "id": uuid.uuid4(),
        "number": incident.number,
        "type": incident.type,
        "priority": incident.priority,
        "latitude": incident.latitude,
        "longitude": incident.longitude,
        "address": None,
        "opened_at": incident.opened,
        "closing_code": incident.closing,
        "borough": borough,
        "suggested_category": None,
        "case_id": None,
        "created_at": now,
        "updated_at": now,
    }


def _clip_row(number: int, officer: dict[str, Any], start: datetime, end: datetime) -> dict:
    row = search_seed._item_row(number, officer, random.Random(number))
    row |= {"recorded_start": start, "recorded_end": end, "occurred_at": start}
    row |= {"duration_seconds": round((end - start).total_seconds(), 2), "ingested_at": end}
    return row


def seed_day(engine: Any, session_factory: Any, scale: float, rng: random.Random) -> dict[str, Any]:
    from openbwv.evidence.models import EvidenceItem
    from openbwv.incidents.models import Attendance, Incident
    from openbwv.simulate import cad

    with session_factory() as session:
        force = search_seed.seed_force(session, rng)
    by_warrant = {}
    sim_officers = []
    for number, officer in enumerate(force.officers):
        warrant = f"W{number:06d}"
        by_warrant[warrant] = officer
        sim_officers.append(cad.SimOfficer(warrant))
    started = time.perf_counter()
    found = cad.incidents(rng, sim_officers, DAY, int(INCIDENTS * scale))
    incidents, attendances, clips = [], [], []
    for incident in found:
        first = by_warrant[incident.attendances[0].officer.warrant]
        row = _incident_row(incident, first["borough"])
        incidents.append(row)
        for a in incident.attendances:
            officer = by_warrant[a.officer.warrant]
            attendances.append(_attendance_row(row["id"], a, officer))
            for start, end in a.recordings:
                clips.append(_clip_row(len(clips), officer, start, end))
    in_incidents = len(clips)
    while len(clips) < int(CLIPS * scale):  # the rest of the day's footage
        officer = rng.choice(force.officers)
        start = DAY + timedelta(seconds=rng.uniform(0, 86_400))
        clips.append(
            _clip_row(len(clips), officer, start, start + timedelta(seconds=rng.uniform(20, 900)))
        )
    with engine.begin() as connection:
        for table, rows in (
            (Incident.__table__, incidents),
            (Attendance.__table__, attendances),
            (EvidenceItem.__table__, clips),
        ):
            for offset in range(0, len(rows), CHUNK):
                search_seed.bulk_insert(connection, table, rows[offset : offset + CHUNK])
    print(
        f"  seeded {len(incidents):,} incidents, {len(attendances):,} attendances, "
        f"{len(clips):,} clips ({in_incidents:,} made at incidents) in "
        f"{time.perf_counter() - started:,.1f} s",
        flush=True,
    )
    borough = force.boroughs[0]
    return {"force": force, "borough": borough, "by_warrant": by_warrant, "rng": rng}


def seed_month(engine: Any, seeded: dict[str, Any], scale: float) -> int:
    """29 more days of one borough's attendances, figures worked out (as the matcher leaves
    them): the compliance report's month."""
    from openbwv.incidents.models import Attendance, Incident
    from openbwv.simulate import cad

    rng: random.Random = seeded["rng"]
    borough = seeded["borough"]
    officers = [o for o in seeded["force"].officers if o["borough"] == borough]
    warrants = {o["id"]: w for w, o in seeded["by_warrant"].items()}
    sim = [cad.SimOfficer(warrants[o["id"]], o) for o in officers]
    per_day = max(1, int(INCIDENTS * scale / 32))
    incidents, attendances = [], []
    for day in (d for d in range(1, 31) if d != DAY.day):  # the rest of November
        start = DAY.replace(day=day)
        for incident in cad.incidents(rng, sim, start, per_day, prefix="M"):
            row = _incident_row(incident, borough)
            incidents.append(row)
            for a in incident.attendances:
                made = _attendance_row(row["id"], a, a.officer.ref)
                late = (
                    int((a.recordings[0][0] - a.arrived).total_seconds()) if a.recordings else None
                )
                made |= {
                    "recorded": bool(a.recordings),
                    "coverage": a.true_coverage,
                    "late_start_s": max(late, 0) if late is not None else None,
                    "early_stop_s": 0 if a.recordings else None,
                    "matched_at": start,
                }
                attendances.append(made)
    with engine.begin() as connection:
        for table, rows in ((Incident.__table__, incidents), (Attendance.__table__, attendances)):
            for offset in range(0, len(rows), CHUNK):
                search_seed.bulk_insert(connection, table, rows[offset : offset + CHUNK])
    return len(attendances)


def plain_join(window: tuple[datetime, datetime]) -> tuple[int, float]:
    from openbwv.db.session import read_only_unit_of_work
    from openbwv.incidents.models import Attendance
    from openbwv.incidents.queries import _candidate_query

    start, end = window
    query = _candidate_query().where(Attendance.window_start < end, Attendance.window_end > start)
    began = time.perf_counter()
    with read_only_unit_of_work() as session:
        rows = session.connection().execute(query).all()
    return len(rows), time.perf_counter() - began


def link_day(window: tuple[datetime, datetime]) -> tuple[Any, float]:
    from openbwv.db.session import unit_of_work
    from openbwv.incidents import service

    began = time.perf_counter()
    with unit_of_work() as session:
        report = service.link_window(session, *window)
    return report, time.perf_counter() - began


def compliance(borough: str) -> float:
    from openbwv.access.policy import roles
    from openbwv.access.principal import Principal
    from openbwv.db.session import read_only_unit_of_work
    from openbwv.incidents.compliance import queries
    from openbwv.incidents.compliance.queries import Filters

    force = Principal(
        id=uuid.uuid4(), name="bench", scope="force", permissions=frozenset({roles.INCIDENTS_READ})
    )
    chosen = Filters(borough=borough, month=DAY.strftime("%Y-%m"))
    began = time.perf_counter()
    with read_only_unit_of_work() as session:
        for by in ("team", "officer", "type", "week"):
            queries.league(session, force, by, chosen)  # type: ignore[arg-type]
        queries.misses(session, force, chosen, limit=100)
        queries.misses(session, force, chosen, whole_only=True, limit=100)
    return time.perf_counter() - began


def run_database(scale: float, seed: int) -> None:
    from openbwv.composition import compose
    from openbwv.config import reset_settings
    from openbwv.db.migrate import upgrade
    from openbwv.db.session import dispose_engines, get_engine, unit_of_work

    reset_settings()
    dispose_engines()
    compose()
    upgrade()
    rng = random.Random(seed)
    seeded = seed_day(get_engine(), unit_of_work, scale, rng)
    month = seed_month(get_engine(), seeded, scale)
    with get_engine().connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()
    window = (DAY - timedelta(hours=1), DAY + timedelta(hours=27))
    plain_join(window)  # warm the cache: both measures read from memory
    rows, joined = plain_join(window)
    print(f"  {'plain join of the same rows':<36} {joined:>7.2f} s  ({rows:,} pairs)")
    report, linked = link_day(window)
    print(
        f"  {'link the day (score, write)':<36} {linked:>7.2f} s  ({report.linked:,} linked, "
        f"{report.ambiguous:,} ambiguous, {report.attendances:,} attendances)   "
        f"ratio {linked / joined:.1f}",
        flush=True,
    )
    rows, joined = plain_join(window)
    print(f"  {'plain join again':<36} {joined:>7.2f} s")
    compliance(seeded["borough"])
    took = compliance(seeded["borough"])
    print(
        f"  {'compliance, a borough month':<36} {took:>7.2f} s  ({month:,} attendances of "
        f"{seeded['borough']} over the month; aim < 1 s)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="1.0: 250,000 clips, 30,000 incidents"
    )
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres-url",
        default=scratch_db.POSTGRES_URL,
        help="a server where a scratch database may be created (and is dropped afterwards)",
    )
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    print(
        f"CAD benchmark: {os.cpu_count()} CPUs; Python {sys.version.split()[0]}; scale "
        f"{args.scale} ({int(INCIDENTS * args.scale):,} incidents, "
        f"{int(CLIPS * args.scale):,} clips)"
    )
    for database in scratch_db.names(args.databases):
        with scratch_db.scratch(database, args.postgres_url, "cad-bench") as label:
            print(f"\n{label}")
            run_database(args.scale, args.seed)


if __name__ == "__main__":
    main()
