"""Activation compliance, read from the attendances' figures (the matcher keeps them): league
tables by officer, team, borough, incident type or week, the attendances not recorded, and those
that had to be recorded whole and were not. Excluded incident types and closing codes are left
out; everything is limited to the person's scope (own, team, borough, force)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from openbwv.access.principal import Principal
from openbwv.evidence import queries as evidence
from openbwv.evidence.presenters import person_label
from openbwv.evidence.recordings.queries import timed_items
from openbwv.incidents.compliance.sampling import week_bounds
from openbwv.incidents.models import Attendance, Incident, ReviewResult, ReviewSample
from openbwv.incidents.queries import attendance_scope, recorded_count
from openbwv.incidents.settings import get_cad_settings
from openbwv.organisation.queries import boroughs, team_names

Dimension = Literal["officer", "team", "borough", "type", "week"]
DIMENSIONS: tuple[Dimension, ...] = ("officer", "team", "borough", "type", "week")
WHOLE = 0.99  # coverage that counts as recorded whole (a second or two lost to start-up)


@dataclass(frozen=True)
class Filters:
    borough: str | None = None
    month: str | None = None  # YYYY-MM
    week: str | None = None  # the Monday, YYYY-MM-DD
    team_id: uuid.UUID | None = None
    type: str | None = None
    user_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    attended: int
    recorded: int
    late: int
    early: int
    coverage: float  # mean over attendances, unrecorded ones counting 0
    not_whole: int  # must-be-whole attendances not recorded whole
    target: float | None  # by type: the type's target share recorded

    @property
    def share(self) -> float:
        return self.recorded / self.attended if self.attended else 0.0

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.share >= self.target


def _where(principal: Principal, filters: Filters) -> list[ColumnElement[bool]]:
    settings = get_cad_settings()
    clauses = [
        attendance_scope(principal),
        Attendance.matched_at.is_not(None),
        Incident.type.not_in(settings.excluded_types),
        func.coalesce(Incident.closing_code, "").not_in(settings.excluded_closing_codes),
    ]
    for column, value in (
        (Attendance.borough, filters.borough),
        (Attendance.month, filters.month),
        (Attendance.week, filters.week),
        (Attendance.team_id, filters.team_id),
        (Incident.type, filters.type),
        (Attendance.user_id, filters.user_id),
    ):
        if value is not None:
            clauses.append(column == value)
    return clauses


def _key(by: Dimension) -> Any:
    return {
        "officer": Attendance.user_id,
        "team": Attendance.team_id,
        "borough": Attendance.borough,
        "type": Incident.type,
        "week": Attendance.week,
    }[by]


def _count_of(condition: ColumnElement[bool]) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _counts(key: Any) -> Select[Any]:
    grace = get_cad_settings().grace_seconds
    whole_types = get_cad_settings().whole_types
    return select(
        key,
        func.count(),
        recorded_count(),
        _count_of(Attendance.late_start_s > grace),
        _count_of(Attendance.early_stop_s > grace),
        func.avg(func.coalesce(Attendance.coverage, 0.0)),
        _count_of(
            Incident.type.in_(whole_types) & (func.coalesce(Attendance.coverage, 0.0) < WHOLE)
        ),
    ).join(Incident, Incident.id == Attendance.incident_id)


def league(
    session: Session, principal: Principal, by: Dimension, filters: Filters = Filters()
) -> list[Row]:
    """One row per officer, team, borough, type or week: attendances, recorded, late starts,
    early stops, mean coverage, must-be-whole not recorded whole; worst share recorded first
    (weeks in order)."""
    key = _key(by)
    query = _counts(key).where(*_where(principal, filters)).group_by(key)
    found = session.execute(query).all()
    labels = _labels(session, by, {row[0] for row in found})
    settings = get_cad_settings()
    rows = [
        Row(
            str(k) if k is not None else "",
            labels.get(k, str(k) if k is not None else "(none)"),
            int(n),
            int(rec or 0),
            int(late or 0),
            int(early or 0),
            round(float(cov or 0), 4),
            int(whole or 0),
            settings.target(str(k)) if by == "type" else None,
        )
        for k, n, rec, late, early, cov, whole in found
    ]
    if by == "week":
        return sorted(rows, key=lambda r: r.key)
    return sorted(rows, key=lambda r: (r.share, r.label))


def _labels(session: Session, by: Dimension, keys: set[Any]) -> dict[Any, str]:
    if by == "officer":
        people = evidence.people(session, {k for k in keys if k is not None})
        return {k: person_label(p, None) for k, p in people.items()}
    if by == "team":
        return dict(team_names(session, keys))
    if by == "borough":
        return {b.gss_code: b.name for b in boroughs(session) if b.gss_code in keys}
    if by == "type":
        return {k: str(k).replace("_", " ").capitalize() for k in keys}
    return {}


@dataclass(frozen=True)
class Miss:
    """An attendance not recorded (or, for must-be-whole types, not recorded whole)."""

    number: str
    type: str
    officer: str
    team: str
    arrived_at: Any
    cleared_at: Any
    recorded: bool
    coverage: float
    late_start_s: int | None
    early_stop_s: int | None


def misses(
    session: Session,
    principal: Principal,
    filters: Filters = Filters(),
    *,
    whole_only: bool = False,
    limit: int = 500,
) -> list[Miss]:
    """Attendances with no recording (newest first), or with `whole_only` those of must-be-whole
    types (stop and search, use of force) not recorded whole."""
    settings = get_cad_settings()
    query = (
        select(Attendance, Incident.number, Incident.type)
        .join(Incident, Incident.id == Attendance.incident_id)
        .where(*_where(principal, filters))
        .order_by(Attendance.dispatched_at.desc())
        .limit(limit)
    )
    if whole_only:
        query = query.where(
            Incident.type.in_(settings.whole_types),
            func.coalesce(Attendance.coverage, 0.0) < WHOLE,
        )
    else:
        query = query.where(Attendance.recorded.is_not(True))
    found = session.execute(query).all()
    people = evidence.people(session, {row[0].user_id for row in found})
    teams = team_names(session, {row[0].team_id for row in found})
    return [
        Miss(
            number,
            kind,
            person_label(people.get(a.user_id), a.warrant),
            teams.get(a.team_id, "") if a.team_id else "",
            a.arrived_at or a.dispatched_at,
            a.cleared_at,
            bool(a.recorded),
            float(a.coverage or 0.0),
            a.late_start_s,
            a.early_stop_s,
        )
        for a, number, kind in found
    ]


def csv_rows(rows: list[Row]) -> list[list[str]]:
    header = ["key", "label", "attended", "recorded", "share_recorded", "late_starts"]
    header += ["early_stops", "mean_coverage", "not_recorded_whole", "target", "target_met"]
    body = [
        [
            r.key,
            r.label,
            str(r.attended),
            str(r.recorded),
            f"{r.share:.4f}",
            str(r.late),
            str(r.early),
            f"{r.coverage:.4f}",
            str(r.not_whole),
            "" if r.target is None else f"{r.target:.2f}",
            "" if r.met is None else ("yes" if r.met else "no"),
        ]
        for r in rows
    ]
    return [header, *body]


# --- the supervisors' weekly review sample ---------------------------------------------------


def team_recordings(session: Session, team_id: uuid.UUID, week: str) -> list[uuid.UUID]:
    """The team's dated recordings of the week, in recording order (the sample's population)."""
    start, end = week_bounds(week)
    timed = timed_items()
    query = (
        select(timed.c.id)
        .where(timed.c.team_id == team_id, timed.c.recorded_start >= start)
        .where(timed.c.recorded_start < end)
        .order_by(timed.c.recorded_start, timed.c.id)
    )
    return list(session.scalars(query))


def sample_of(session: Session, team_id: uuid.UUID, week: str) -> ReviewSample | None:
    query = select(ReviewSample).where(ReviewSample.team_id == team_id, ReviewSample.week == week)
    return session.scalar(query)


def sample_by_id(session: Session, sample_id: uuid.UUID) -> ReviewSample | None:
    return session.get(ReviewSample, sample_id)


def results(session: Session, sample: ReviewSample) -> dict[uuid.UUID, ReviewResult]:
    query = select(ReviewResult).where(ReviewResult.sample_id == sample.id)
    return {r.evidence_id: r for r in session.scalars(query)}


@dataclass(frozen=True)
class Completion:
    team: str
    week: str
    seed: int
    sampled: int
    reviewed: int

    @property
    def rate(self) -> float:
        return self.reviewed / self.sampled if self.sampled else 1.0


def completion(session: Session, principal: Principal, limit: int = 200) -> list[Completion]:
    """Each sample in the person's scope (their team's; the force's for force-wide roles), with
    how many of its recordings were reviewed, newest week first."""
    reviewed = (
        select(ReviewResult.sample_id, func.count().label("n"))
        .group_by(ReviewResult.sample_id)
        .subquery()
    )
    query = (
        select(ReviewSample, func.coalesce(reviewed.c.n, 0))
        .outerjoin(reviewed, reviewed.c.sample_id == ReviewSample.id)
        .order_by(ReviewSample.week.desc())
        .limit(limit)
    )
    if principal.scope != "force":
        if principal.team_id is None:
            return []
        query = query.where(ReviewSample.team_id == principal.team_id)
    found = session.execute(query).all()
    names = team_names(session, {s.team_id for s, _n in found})
    return [
        Completion(names.get(s.team_id, ""), s.week, s.seed, len(s.item_ids), int(n))
        for s, n in found
    ]
