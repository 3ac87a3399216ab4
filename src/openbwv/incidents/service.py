"""Writes of the incidents domain: applying CAD rows (an idempotent upsert, re-matching what
changed), matching recordings to incidents (set-based: one join for a batch, scores in Python,
the links and figures written in bulk), deciding a queued recording, and a case from an incident.

Each function authorises, changes and records the audit event; none commits."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, update
from sqlalchemy.orm import Session

from openbwv.access.policy import roles
from openbwv.access.policy.queries import authorize_item, require
from openbwv.access.principal import Principal
from openbwv.audit.events import record
from openbwv.cases import service as cases
from openbwv.evidence.facts import ItemFacts
from openbwv.fleet.cameras.queries import officers_by_warrant
from openbwv.incidents import matching, queries
from openbwv.incidents.cadrows import CadRow, Checked, Problem, month_of, week_of
from openbwv.incidents.errors import BadRows, IncidentError, NoSuchIncident
from openbwv.incidents.models import (
    Attendance,
    Incident,
    IncidentImport,
    IncidentLink,
    LinkState,
    UnmatchedRecording,
)
from openbwv.incidents.settings import get_cad_settings
from openbwv.jobs.service import ensure_job
from openbwv.timeutil import utcnow


@dataclass
class ImportReport:
    applied: int = 0
    rejected: int = 0
    incidents: int = 0
    changed: int = 0  # attendances new or changed (re-matched)
    problems: list[Problem] = field(default_factory=list)


def apply_rows(
    session: Session,
    principal: Principal,
    checked: Checked,
    *,
    partial: bool = False,
    source: str = "csv",
    filename: str | None = None,
    source_ip: str | None = None,
) -> ImportReport:
    """Apply checked CAD rows: every incident's fields and its whole set of attending officers
    as the rows give them (an officer left out of a corrected incident is removed). Unknown
    warrant numbers are bad rows. With any bad row nothing is applied (BadRows) unless `partial`,
    when the incidents without a bad row are (an incident is never applied in part)."""
    require(principal, roles.INCIDENTS_IMPORT)
    officers = officers_by_warrant(session, {row.warrant for row in checked.rows})
    for row in checked.rows:
        if row.warrant not in officers:
            message = "no active officer has this warrant number"
            checked.problems.append(Problem(row.row, "officer_warrant", message))
            checked.bad_rows.add(row.row)
    checked.problems.sort(key=lambda p: (p.row, p.column))
    if checked.problems and not partial:
        raise BadRows(
            f"{len(checked.bad_rows) or 1} bad row(s) of {checked.total}: nothing applied",
            problems=[
                {"row": p.row, "column": p.column, "message": p.message} for p in checked.problems
            ],
        )
    good = checked.good()
    report = ImportReport(
        applied=len(good), rejected=checked.total - len(good), problems=checked.problems
    )
    changed, touched = _upsert(session, good, officers)
    report.incidents = len({row.number for row in good})
    report.changed = len(changed)
    relink(session, attendance_ids=changed, incident_ids=touched)
    session.add(
        IncidentImport(
            source=source,
            filename=filename,
            applied=report.applied,
            rejected=report.rejected,
            imported_by=principal.name,
            imported_at=utcnow(),
        )
    )
    details = {"source": source, "applied": report.applied, "rejected": report.rejected}
    details |= {"incidents": report.incidents, "filename": filename}
    record(session, principal, "incidents.import", source_ip=source_ip, details=details)
    return report


def _upsert(
    session: Session, rows: Sequence[CadRow], officers: dict[str, Any]
) -> tuple[set[uuid.UUID], set[uuid.UUID]]:
    """Write incidents and attendances; the ids of attendances new or changed, and of the
    incidents whose officers changed (a removed officer's recordings re-match too)."""
    by_incident: dict[str, list[CadRow]] = defaultdict(list)
    for row in rows:
        by_incident[row.number].append(row)
    existing = queries.incidents_by_number(session, by_incident)
    settings = get_cad_settings()
    buffer = timedelta(minutes=settings.buffer_minutes)
    changed: set[uuid.UUID] = set()
    touched: set[uuid.UUID] = set()
    for number, its_rows in by_incident.items():
        first = its_rows[0]
        incident = existing.get(number) or Incident(number=number, opened_at=first.opened_at)
        incident.type, incident.priority = first.type, first.priority
        incident.latitude, incident.longitude = first.latitude, first.longitude
        incident.opened_at, incident.closing_code = first.opened_at, first.closing_code
        incident.address = first.address
        incident.suggested_category = settings.category_map.get(first.type)
        incident.borough = officers[first.warrant].borough
        if incident.id is None:
            session.add(incident)
            session.flush()
        mine = _attendances(session, incident, its_rows, officers, buffer)
        if mine:
            changed |= mine
            touched.add(incident.id)
    session.flush()
    return changed, touched


def _attendances(
    session: Session,
    incident: Incident,
    rows: list[CadRow],
    officers: dict[str, Any],
    buffer: timedelta,
) -> set[uuid.UUID]:
    current = {a.warrant: a for a in incident.attendances}
    lookback = timedelta(hours=get_cad_settings().max_recording_hours)
    changed: set[uuid.UUID] = set()
    for gone in set(current) - {row.warrant for row in rows}:
        changed.add(current[gone].id)  # its recordings re-match
        incident.attendances.remove(current[gone])
    for row in rows:
        user = officers[row.warrant]
        values = {
            "user_id": user.id,
            "team_id": user.team_id,
            "borough": user.borough,
            "dispatched_at": row.dispatched_at,
            "arrived_at": row.arrived_at,
            "cleared_at": row.cleared_at,
            "window_start": row.dispatched_at - buffer,
            "window_end": row.cleared_at + buffer,
            "scan_start": row.dispatched_at - buffer - lookback,
            "week": week_of(row.arrived_at or row.dispatched_at),
            "month": month_of(row.arrived_at or row.dispatched_at),
        }
        attendance = current.get(row.warrant)
        if attendance is None:
            attendance = Attendance(warrant=row.warrant, **values)
            incident.attendances.append(attendance)
            session.flush()
            changed.add(attendance.id)
        elif any(getattr(attendance, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(attendance, name, value)
            changed.add(attendance.id)
    return changed


# --- matching ---------------------------------------------------------------------------------


@dataclass
class MatchReport:
    candidates: int = 0
    linked: int = 0
    ambiguous: int = 0
    unmatched: int = 0
    attendances: int = 0


def relink(
    session: Session,
    *,
    evidence_ids: Iterable[uuid.UUID] = (),
    attendance_ids: Iterable[uuid.UUID] = (),
    incident_ids: Iterable[uuid.UUID] = (),
) -> MatchReport:
    """Re-match these recordings and attendances, and whatever they touch: recordings of the
    changed attendances (and those linked to their incidents before) get their best incident
    again; attendances the recordings meet get their figures again. Confirmed links stay."""
    evidence_ids, attendance_ids = set(evidence_ids), set(attendance_ids)
    if not evidence_ids and not attendance_ids:
        return MatchReport()
    first = queries.candidates(session, evidence_ids=evidence_ids, attendance_ids=attendance_ids)
    touched = set(incident_ids) | queries.incidents_of_attendances(session, attendance_ids)
    recordings = evidence_ids | {c.evidence_id for c in first}
    recordings |= queries.linked_to_incidents(session, touched)
    attendances = attendance_ids | {c.attendance_id for c in first}
    found = queries.candidates(session, evidence_ids=recordings, attendance_ids=attendances)
    return _write(session, found, recordings, attendances)


def link_window(session: Session, start: datetime, end: datetime) -> MatchReport:
    """Match every attendance whose window meets [start, end) and every recording it meets:
    a day's batch in one join."""
    found = queries.candidates(session, window=(start, end))
    recordings = {c.evidence_id for c in found}
    scope = queries.window_recordings(start, end)  # the same ids, as SQL: no long IN lists
    return _write(session, found, recordings, {c.attendance_id for c in found}, scope)


def _write(
    session: Session,
    found: list[matching.Candidate],
    recordings: set[uuid.UUID],
    attendances: set[uuid.UUID],
    scope: Any = None,
) -> MatchReport:
    """Links for `recordings` and figures for `attendances` from the pairs `found`; `scope`,
    when given, is a subquery of exactly `recordings` (a window's), used instead of id lists."""
    settings = get_cad_settings()
    keep = queries.confirmed(session, recordings, scope)
    links = matching.best_links(
        (c for c in found if c.evidence_id in recordings and c.evidence_id not in keep),
        buffer_s=settings.buffer_minutes * 60,
        radius_m=settings.gps_radius_m,
        margin=settings.ambiguity_margin,
    )
    now = utcnow()
    _replace_links(session, recordings - keep, links, now, scope)
    figures = _figures(found, attendances)
    _write_figures(session, attendances, figures, now)
    report = MatchReport(candidates=len(found), attendances=len(attendances))
    report.linked = sum(1 for link in links.values() if link.state == LinkState.LINKED)
    report.ambiguous = len(links) - report.linked
    report.unmatched = len(recordings - keep - set(links))
    return report


def _replace_links(
    session: Session,
    recordings: set[uuid.UUID],
    links: dict[uuid.UUID, matching.Link],
    now: datetime,
    scope: Any = None,
) -> None:
    wheres = [scope] if scope is not None else queries.chunks(recordings)
    for where in wheres:
        unconfirmed = IncidentLink.state != LinkState.CONFIRMED
        session.execute(
            delete(IncidentLink).where(IncidentLink.evidence_id.in_(where), unconfirmed)
        )
        session.execute(
            delete(UnmatchedRecording).where(
                UnmatchedRecording.evidence_id.in_(where),
                UnmatchedRecording.dismissed_at.is_(None),
            )
        )
    rows = [
        {
            "evidence_id": evidence_id,
            "incident_id": link.incident_id,
            "score": link.score,
            "state": link.state,
            "runner_up": link.runner_up,
            "linked_at": now,
            "linked_by": None,
        }
        for evidence_id, link in links.items()
    ]
    _insert(session, _table(IncidentLink), rows)
    lost = recordings - set(links)
    if lost:
        queue = queries.unmatched_rows(session, lost)
        if queue:
            rows = [{**q, "found_at": now} for q in queue]
            _insert(session, _table(UnmatchedRecording), rows)


def _insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """One Core executemany (no ORM objects; SQLAlchemy batches it into multi-row statements
    where the driver allows). A multi-row `values()` statement built here instead compiles
    anew each time: several times slower on PostgreSQL."""
    if rows:
        session.execute(insert(table), rows)


def _table(model: Any) -> Table:
    return cast(Table, model.__table__)


def _figures(
    found: list[matching.Candidate], attendances: set[uuid.UUID]
) -> dict[uuid.UUID, matching.Figures]:
    spans: dict[uuid.UUID, list[tuple[datetime, datetime]]] = defaultdict(list)
    times: dict[uuid.UUID, matching.Candidate] = {}
    for c in found:
        if c.attendance_id in attendances:
            spans[c.attendance_id].append((c.start, c.end))
            times[c.attendance_id] = c
    return {
        attendance_id: matching.figures(c.arrived, c.dispatched, c.cleared, spans[attendance_id])
        for attendance_id, c in times.items()
    }


def _write_figures(
    session: Session,
    attendances: set[uuid.UUID],
    figures: dict[uuid.UUID, matching.Figures],
    now: datetime,
) -> None:
    unrecorded = attendances - set(figures)
    for chunk in queries.chunks(unrecorded):
        session.execute(
            update(Attendance)
            .where(Attendance.id.in_(chunk))
            .values(recorded=False, late_start_s=None, early_stop_s=None, coverage=0.0)
            .values(matched_at=now)
            .execution_options(synchronize_session=False)
        )
    rows = [
        {
            "b_id": attendance_id,
            "recorded": f.recorded,
            "late_start_s": f.late_start_s,
            "early_stop_s": f.early_stop_s,
            "coverage": f.coverage,
            "matched_at": now,
        }
        for attendance_id, f in figures.items()
    ]
    if rows:  # one executemany by primary key (Core: no ORM bookkeeping)
        table = _table(Attendance)
        session.execute(update(table).where(table.c.id == bindparam("b_id")), rows)
    session.expire_all()


MATCH_ARRIVALS = "incident_match"  # the job matching the recordings of a window of arrivals
ARRIVAL_WINDOW_S = 5  # arrivals within one window share a job
SETTLE = timedelta(seconds=5)  # its job waits this past the window for late commits


def match_on_arrival(session: Session, item: ItemFacts) -> None:
    """The evidence arrival hook: a late upload is matched soon after it arrives, by one job for
    every few seconds of arrivals (`match_arrivals`). Not in the arriving clip's transaction:
    on SQLite that transaction holds the one write lock, and a shift's cameras docking at once
    queue behind it; a window's arrivals are matched in one join instead of one each
    (`tasks.match_arrivals` → `match_unseen_since`)."""
    if item.officer_user_id is None or item.recorded_start is None:
        return
    stamp = int(utcnow().timestamp()) // ARRIVAL_WINDOW_S * ARRIVAL_WINDOW_S
    start = datetime.fromtimestamp(stamp, UTC)
    ensure_job(
        session,
        MATCH_ARRIVALS,
        params={"since": start.isoformat()},
        not_before=start + timedelta(seconds=ARRIVAL_WINDOW_S) + SETTLE,
    )


def match_unseen_since(session: Session, since: datetime, limit: int = 2000) -> int:
    """Match the dated recordings that arrived since `since` and were never matched (at most
    `limit`); how many. Idempotent: a matched recording is linked or queued, so it is not
    matched again. An arrival that committed after its window's job ran is matched by the next
    window's job or by the matcher's sweep (`tasks.match_unseen`)."""
    unseen = queries.unseen_recordings(session, since, limit)
    if unseen:
        relink(session, evidence_ids=unseen)
    return len(unseen)


# --- people deciding -------------------------------------------------------------------------


def decide(
    session: Session,
    principal: Principal,
    evidence_id: str,
    number: str | None,
    *,
    source_ip: str | None,
) -> IncidentLink | None:
    """A person links a queued recording to an incident (confirmed: the matcher leaves it), or
    says it belongs to none (`number` None: it leaves the queue). Needs `evidence.link` on it."""
    require(principal, roles.INCIDENTS_READ)
    item = authorize_item(session, principal, evidence_id, roles.LINK)
    session.execute(delete(IncidentLink).where(IncidentLink.evidence_id == item.id))
    session.execute(
        update(UnmatchedRecording)
        .where(UnmatchedRecording.evidence_id == item.id)
        .values(dismissed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    link = None
    if number:
        incident = queries.find_visible(session, principal, number)
        if incident is None:
            raise NoSuchIncident(f"no incident {number} that you can see")
        link = IncidentLink(
            evidence_id=item.id,
            incident_id=incident.id,
            score=1.0,
            state=LinkState.CONFIRMED,
            linked_at=utcnow(),
            linked_by=principal.user_id,
        )
        session.add(link)
    details = {"incident": number.strip().upper() if number else None}
    record(
        session,
        principal,
        "incident.link",
        evidence_id=item.id,
        source_ip=source_ip,
        details=details,
    )
    session.flush()
    return link


def case_from_incident(
    session: Session,
    principal: Principal,
    incident: Incident,
    *,
    crime_reference: str,
    title: str | None,
    source_ip: str | None,
) -> tuple[uuid.UUID, int]:
    """A case for the incident (its CAD number on the case), linking every recording linked to
    it that the person may link. Returns the case's id and how many were linked."""
    if incident.case_id is not None:
        raise IncidentError(f"incident {incident.number} already has a case")
    case = cases.create_case(
        session,
        principal,
        crime_reference=crime_reference,
        title=title or f"{incident.type.replace('_', ' ').capitalize()} ({incident.number})",
        cad_number=incident.number,
        borough=incident.borough,
        source_ip=source_ip,
    )
    linked = 0
    for view in queries.officers(session, principal, incident):
        for evidence_id in view.recordings:
            if queries.may_link(session, principal, evidence_id):
                linked += cases.link_item(
                    session, principal, case, evidence_id, source_ip=source_ip
                )
    incident.case_id = case.id
    details = {"incident": incident.number, "case": case.crime_reference, "linked": linked}
    record(
        session,
        principal,
        "incident.case",
        target_type="incident",
        target_id=incident.number,
        source_ip=source_ip,
        details=details,
    )
    session.flush()
    return case.id, linked
