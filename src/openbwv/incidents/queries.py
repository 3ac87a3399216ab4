"""Reading incidents: who may see which (by their role's scope over the attending officers), the
matcher's one join of recordings against attendances, an incident with its officers' figures and
recordings (those the person may view), the queue of ambiguous and unmatched recordings, and the
activation coverage per borough and month that the roll-out's evaluation reads."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, exists, false, func, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from openbwv.access.policy import roles
from openbwv.access.policy.queries import can_on_item
from openbwv.access.principal import Principal
from openbwv.evidence import queries as evidence
from openbwv.evidence.recordings.queries import timed_items
from openbwv.incidents.matching import Candidate
from openbwv.incidents.models import (
    Attendance,
    Incident,
    IncidentLink,
    LinkState,
    UnmatchedRecording,
)
from openbwv.incidents.settings import get_cad_settings

CHUNK = 500  # ids per IN list (SQLite's variable limit, PostgreSQL's planner)


def chunks(ids: Iterable[uuid.UUID]) -> list[list[uuid.UUID]]:
    values = list(set(ids))
    return [values[i : i + CHUNK] for i in range(0, len(values), CHUNK)]


# --- who sees what --------------------------------------------------------------------------


def attendance_scope(principal: Principal) -> ColumnElement[bool]:
    """The attendances whose figures this person may see: their own (officers), their team's
    (supervisors), their borough's, or the force's, by their role's scope."""
    if not principal.can(roles.INCIDENTS_READ):
        return false()
    if principal.scope == "force":
        return true()
    if principal.scope == "borough" and principal.borough:
        return Attendance.borough == principal.borough
    if principal.scope == "team" and principal.team_id:
        return or_(Attendance.team_id == principal.team_id, Attendance.user_id == principal.user_id)
    if principal.scope in ("own", "team", "borough") and principal.user_id:
        return Attendance.user_id == principal.user_id
    return false()


def visible_incident(principal: Principal) -> ColumnElement[bool]:
    """Incidents with an attendance in the person's scope."""
    return exists(
        select(Attendance.id).where(
            Attendance.incident_id == Incident.id, attendance_scope(principal)
        )
    )


def find_visible(session: Session, principal: Principal, number: str) -> Incident | None:
    query = select(Incident).where(Incident.number == number.strip().upper())
    return session.scalar(query.where(visible_incident(principal)))


def incidents_by_number(session: Session, numbers: Iterable[str]) -> dict[str, Incident]:
    found: dict[str, Incident] = {}
    for chunk in [sorted(set(numbers))[i : i + CHUNK] for i in range(0, len(set(numbers)), CHUNK)]:
        for incident in session.scalars(select(Incident).where(Incident.number.in_(chunk))):
            found[incident.number] = incident
    return found


def recent(session: Session, principal: Principal, limit: int = 50) -> list[Incident]:
    query = select(Incident).where(visible_incident(principal))
    return list(session.scalars(query.order_by(Incident.opened_at.desc()).limit(limit)))


# --- the matcher's join ---------------------------------------------------------------------


def _candidate_query() -> Any:
    timed = timed_items()
    return (
        select(
            timed.c.id,
            Attendance.id,
            Attendance.incident_id,
            timed.c.recorded_start,
            timed.c.recorded_end,
            timed.c.lat,
            timed.c.lon,
            Attendance.dispatched_at,
            Attendance.arrived_at,
            Attendance.cleared_at,
            Incident.latitude,
            Incident.longitude,
        )
        .select_from(Attendance)
        .join(Incident, Incident.id == Attendance.incident_id)
        .join(
            timed,
            and_(
                timed.c.officer_user_id == Attendance.user_id,
                timed.c.recorded_start < Attendance.window_end,
                # The start-side bound lets the (officer, time) index narrow the scan.
                timed.c.recorded_start > Attendance.scan_start,
                timed.c.recorded_end > Attendance.window_start,
            ),
        )
    )


def candidates(
    session: Session,
    *,
    evidence_ids: Iterable[uuid.UUID] = (),
    attendance_ids: Iterable[uuid.UUID] = (),
    window: tuple[datetime, datetime] | None = None,
) -> list[Candidate]:
    """Every (recording, attendance) pair the buffer lets overlap: for these recordings, these
    attendances, or every attendance whose window meets `window` (a day's batch)."""
    base = _candidate_query()
    queries = []
    if window is not None:
        start, end = window
        queries.append(base.where(Attendance.window_start < end, Attendance.window_end > start))
    timed = base.selected_columns[0]
    queries += [base.where(timed.in_(chunk)) for chunk in chunks(evidence_ids)]
    queries += [base.where(Attendance.id.in_(chunk)) for chunk in chunks(attendance_ids)]
    found: dict[tuple[uuid.UUID, uuid.UUID], Candidate] = {}
    connection = session.connection()
    for query in queries:
        for row in connection.execute(query):
            found[(row[0], row[1])] = Candidate(*row)
    return list(found.values())


def linked_to_incidents(session: Session, incident_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    found: set[uuid.UUID] = set()
    for chunk in chunks(incident_ids):
        query = select(IncidentLink.evidence_id).where(IncidentLink.incident_id.in_(chunk))
        found.update(session.scalars(query))
    return found


def window_recordings(start: datetime, end: datetime) -> Any:
    """The recordings `candidates(window=(start, end))` finds, as a subquery of their ids."""
    base = _candidate_query().where(Attendance.window_start < end, Attendance.window_end > start)
    timed = base.selected_columns[0]
    return base.with_only_columns(timed).distinct()


def confirmed(
    session: Session, evidence_ids: Iterable[uuid.UUID], scope: Any = None
) -> set[uuid.UUID]:
    """Those of the recordings a person placed (`scope`: a subquery of the same ids)."""
    found: set[uuid.UUID] = set()
    if scope is not None:
        query = select(IncidentLink.evidence_id).where(
            IncidentLink.evidence_id.in_(scope), IncidentLink.state == LinkState.CONFIRMED
        )
        return set(session.scalars(query))
    for chunk in chunks(evidence_ids):
        query = select(IncidentLink.evidence_id).where(
            IncidentLink.evidence_id.in_(chunk), IncidentLink.state == LinkState.CONFIRMED
        )
        found.update(session.scalars(query))
    return found


def incidents_of_attendances(
    session: Session, attendance_ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    """The incidents of these attendances (a removed attendance's incident is found by the
    links: its rows are gone, see `linked_to_incidents`)."""
    found: set[uuid.UUID] = set()
    for chunk in chunks(attendance_ids):
        query = select(Attendance.incident_id).where(Attendance.id.in_(chunk))
        found.update(session.scalars(query))
    return found


def unmatched_rows(session: Session, evidence_ids: Iterable[uuid.UUID]) -> list[dict[str, Any]]:
    """Queue rows for recordings that met no incident (those already queued or dismissed are
    left as they are)."""
    timed = timed_items()
    rows: list[dict[str, Any]] = []
    for chunk in chunks(evidence_ids):
        query = select(
            timed.c.id, timed.c.officer_user_id, timed.c.team_id, timed.c.recorded_start
        ).where(
            timed.c.id.in_(chunk),
            ~exists(
                select(UnmatchedRecording.evidence_id).where(
                    UnmatchedRecording.evidence_id == timed.c.id
                )
            ),
        )
        rows += [
            {"evidence_id": i, "user_id": u, "team_id": t, "recorded_start": s}
            for i, u, t, s in session.execute(query)
        ]
    return rows


def unseen_recordings(session: Session, since: datetime, limit: int) -> list[uuid.UUID]:
    """Dated recordings that arrived since `since` and were never matched (no link, not queued):
    those whose times came with processing, after they arrived."""
    timed = timed_items()
    query = (
        select(timed.c.id)
        .where(
            timed.c.ingested_at >= since,
            ~exists(select(IncidentLink.evidence_id).where(IncidentLink.evidence_id == timed.c.id)),
            ~exists(
                select(UnmatchedRecording.evidence_id).where(
                    UnmatchedRecording.evidence_id == timed.c.id
                )
            ),
        )
        .limit(limit)
    )
    return list(session.scalars(query))


def may_link(session: Session, principal: Principal, evidence_id: uuid.UUID) -> bool:
    return can_on_item(session, principal, evidence_id, roles.LINK)


def attendance_ids_of(session: Session, incident_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    found: set[uuid.UUID] = set()
    for chunk in chunks(incident_ids):
        query = select(Attendance.id).where(Attendance.incident_id.in_(chunk))
        found.update(session.scalars(query))
    return found


# --- an incident, as its page and the API show it ---------------------------------------------


@dataclass(frozen=True)
class OfficerView:
    attendance: Attendance
    name: str
    recordings: list[uuid.UUID]  # linked recordings of this officer the person may view

    @property
    def warrant(self) -> str:
        return self.attendance.warrant


def officers(session: Session, principal: Principal, incident: Incident) -> list[OfficerView]:
    """Each attending officer (in the person's scope) with their linked recordings that the
    person may view (the policy decides; a hidden one is neither listed nor counted)."""
    scope = attendance_scope(principal)
    attendances = list(
        session.scalars(
            select(Attendance)
            .where(Attendance.incident_id == incident.id, scope)
            .order_by(Attendance.arrived_at, Attendance.warrant)
        )
    )
    linked = list(
        session.execute(
            select(IncidentLink.evidence_id).where(IncidentLink.incident_id == incident.id)
        ).scalars()
    )
    items = evidence.visible_items_by_id(session, principal, linked)
    by_user: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for item in items:
        if item.officer_user_id is not None:
            by_user[item.officer_user_id].append(item.id)
    people = evidence.people(session, {a.user_id for a in attendances})
    return [
        OfficerView(
            a,
            people[a.user_id].display_name if a.user_id in people else a.warrant,
            by_user.get(a.user_id, []),
        )
        for a in attendances
    ]


def link_of(session: Session, evidence_id: uuid.UUID) -> IncidentLink | None:
    return session.get(IncidentLink, evidence_id)


def incident_by_id(session: Session, incident_id: uuid.UUID) -> Incident | None:
    return session.get(Incident, incident_id)


# --- the queue --------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueEntry:
    evidence_id: uuid.UUID
    reason: str  # ambiguous | unmatched
    incidents: list[Incident]  # the close candidates, best first


def _queue_scope(principal: Principal, user: Any, team: Any) -> ColumnElement[bool]:
    if principal.scope == "force":
        return true()
    clauses = []
    if principal.user_id is not None:
        clauses.append(user == principal.user_id)
    if principal.scope in ("team", "borough") and principal.team_id is not None:
        clauses.append(team == principal.team_id)
    return or_(*clauses) if clauses else false()


def queue(session: Session, principal: Principal, limit: int = 200) -> list[QueueEntry]:
    """Ambiguous links and unmatched recordings of the person (and of their team, for a
    supervisor), newest first, only those of items the person may view."""
    if not principal.can(roles.INCIDENTS_READ):
        return []
    ambiguous = session.execute(
        select(IncidentLink.evidence_id, IncidentLink.incident_id, IncidentLink.runner_up)
        .join(Attendance, Attendance.incident_id == IncidentLink.incident_id)
        .where(
            IncidentLink.state == LinkState.AMBIGUOUS,
            _queue_scope(principal, Attendance.user_id, Attendance.team_id),
        )
        .distinct()
        .limit(limit)
    ).all()
    unmatched = session.execute(
        select(UnmatchedRecording.evidence_id)
        .where(
            UnmatchedRecording.dismissed_at.is_(None),
            _queue_scope(principal, UnmatchedRecording.user_id, UnmatchedRecording.team_id),
        )
        .order_by(UnmatchedRecording.recorded_start.desc())
        .limit(limit)
    ).scalars()
    ids = {row[0] for row in ambiguous} | set(unmatched)
    visible = {item.id for item in evidence.visible_items_by_id(session, principal, ids)}
    wanted = {i for row in ambiguous for i in row[1:] if i is not None}
    incidents = {i.id: i for i in session.scalars(select(Incident).where(Incident.id.in_(wanted)))}
    entries = [
        QueueEntry(e, "ambiguous", [incidents[i] for i in (a, b) if i in incidents])
        for e, a, b in ambiguous
        if e in visible
    ]
    entries += [QueueEntry(e, "unmatched", []) for e in ids - {row[0] for row in ambiguous}]
    return [entry for entry in entries if entry.evidence_id in visible]


# --- for other domains ------------------------------------------------------------------------


@dataclass(frozen=True)
class BoroughMonthCoverage:
    borough: str
    month: str  # YYYY-MM, London
    attendances: int
    recorded: int
    mean_coverage: float


def coverage_by_borough_month(
    session: Session, *, boroughs: Sequence[str] | None = None
) -> list[BoroughMonthCoverage]:
    """Activation coverage per borough and month over attended, in-scope incidents (excluded
    types and closing codes left out, as on the compliance pages): aggregates only, no person.
    The roll-out evaluation reads this."""
    settings = get_cad_settings()
    query = (
        select(
            Attendance.borough,
            Attendance.month,
            func.count(),
            recorded_count(),
            func.avg(func.coalesce(Attendance.coverage, 0.0)),
        )
        .join(Incident, Incident.id == Attendance.incident_id)
        .where(
            Attendance.borough.is_not(None),
            Attendance.matched_at.is_not(None),
            Incident.type.not_in(settings.excluded_types),
            func.coalesce(Incident.closing_code, "").not_in(settings.excluded_closing_codes),
        )
        .group_by(Attendance.borough, Attendance.month)
        .order_by(Attendance.borough, Attendance.month)
    )
    if boroughs is not None:
        query = query.where(Attendance.borough.in_(list(boroughs)))
    return [
        BoroughMonthCoverage(b, m, int(n), int(r or 0), round(float(c or 0), 4))
        for b, m, n, r, c in session.execute(query)
    ]


def recorded_count() -> Any:
    """How many attendances were recorded (portable: booleans differ between the databases)."""
    return func.sum(case((Attendance.recorded.is_(True), 1), else_=0))


def coverage_cells(
    session: Session, start: datetime, end: datetime
) -> dict[tuple[str, date], tuple[float, float]]:
    """Activation coverage as the roll-out evaluation reads a share: for each (borough, first day
    of the month) in [start, end), the summed coverage over the attended, in-scope incidents
    and their number (so the share is the mean coverage, weighted by attendances)."""
    first, last = start.strftime("%Y-%m"), end.strftime("%Y-%m")
    cells: dict[tuple[str, date], tuple[float, float]] = {}
    for row in coverage_by_borough_month(session):
        month = date(int(row.month[:4]), int(row.month[5:7]), 1)
        inside = first <= row.month and (row.month < last or (row.month == last and end.day > 1))
        if inside and row.attendances:
            cells[(row.borough, month)] = (row.mean_coverage * row.attendances, row.attendances)
    return cells


def incident_footage(session: Session, principal: Principal, number: str) -> list[uuid.UUID]:
    """The recordings linked to the incident with this CAD number that the principal may view
    (the policy decides), for a complaint that names the incident."""
    incident = session.scalar(select(Incident).where(Incident.number == number.strip().upper()))
    if incident is None:
        return []
    linked = session.scalars(
        select(IncidentLink.evidence_id).where(IncidentLink.incident_id == incident.id)
    )
    return [item.id for item in evidence.visible_items_by_id(session, principal, list(linked))]
