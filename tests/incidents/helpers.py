"""Making CAD rows and recordings for incident tests: officers in a fresh team, recordings at
chosen times (records only: matching is about times, officers and places, not bytes), CAD rows as
the CSV contract has them, and applying them as the `bwv cad` operator."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from openbwv.db.session import unit_of_work
from openbwv.incidents import queries, service
from openbwv.incidents.cadrows import COLUMNS, read_csv
from openbwv.incidents.cli import OPERATOR
from openbwv.incidents.models import Attendance, Incident, IncidentLink, UnmatchedRecording
from tests.support import factories

BASE = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday
HERE = (51.5010, -0.1420)  # near Westminster
FAR = (51.5450, -0.0550)  # several km away


def at(minutes: float, day: int = 0) -> datetime:
    return BASE + timedelta(days=day, minutes=minutes)


def iso(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""


def number() -> str:
    return factories.unique("CAD", 8)


def team_officers(count: int = 1, borough: str = "E09000033") -> tuple[str, list[Any]]:
    team = factories.unique("Response ")
    return team, [factories.officer(borough=borough, team=team) for _ in range(count)]


def recording(
    officer: Any, start: datetime, minutes: float, where: tuple[float, float] | None = None
) -> uuid.UUID:
    track = None
    if where is not None:
        track = [[iso(start), where[0], where[1]], [iso(start + timedelta(minutes=1)), *where]]
    return factories.item(officer, occurred=start, duration=minutes * 60, track=track)


def row(
    incident: str,
    officer: Any,
    dispatched: datetime,
    arrived: datetime | None,
    cleared: datetime,
    *,
    kind: str = "disturbance",
    where: tuple[float, float] | None = HERE,
    closing: str = "RESOLVED",
    opened: datetime | None = None,
) -> dict[str, str]:
    return {
        "incident_number": incident,
        "incident_type": kind,
        "priority": "I",
        "latitude": str(where[0]) if where else "",
        "longitude": str(where[1]) if where else "",
        "opened_at": iso(opened or dispatched - timedelta(minutes=2)),
        "officer_warrant": officer.warrant_number,
        "dispatched_at": iso(dispatched),
        "arrived_at": iso(arrived),
        "cleared_at": iso(cleared),
        "closing_code": closing,
    }


def csv_bytes(rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def apply(rows: list[dict[str, str]], partial: bool = False) -> service.ImportReport:
    with unit_of_work() as session:
        return service.apply_rows(session, OPERATOR, read_csv(csv_bytes(rows)), partial=partial)


def link(evidence_id: uuid.UUID) -> tuple[str, float, str] | None:
    """(incident number, score, state) of a recording's link, or None."""
    with unit_of_work() as session:
        found = session.get(IncidentLink, evidence_id)
        if found is None:
            return None
        incident = session.get(Incident, found.incident_id)
        assert incident is not None
        return incident.number, found.score, found.state


def figures(incident: str, officer: Any) -> dict[str, Any]:
    with unit_of_work() as session:
        found = queries.incidents_by_number(session, [incident])[incident]
        for a in found.attendances:
            if a.user_id == officer.id:
                return _figures(a)
    raise AssertionError("no such attendance")


def _figures(a: Attendance) -> dict[str, Any]:
    return {
        "recorded": a.recorded,
        "late_start_s": a.late_start_s,
        "early_stop_s": a.early_stop_s,
        "coverage": a.coverage,
    }


def queued(evidence_id: uuid.UUID) -> bool:
    with unit_of_work() as session:
        found = session.get(UnmatchedRecording, evidence_id)
        return found is not None and found.dismissed_at is None
