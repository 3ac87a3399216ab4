"""Measuring the roll-out: progress per borough and for the force (issued, trained, uploading,
footage), each with its projection (see `projection` for the method), and the phases.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from openbwv.access.models import User, UserRole
from openbwv.evidence.models import EvidenceItem
from openbwv.fleet.errors import FleetError
from openbwv.fleet.models import Assignment, Camera, OfficerTraining, RolloutPhase
from openbwv.fleet.rollout.projection import (
    DEFAULT_WINDOW_DAYS,
    METHOD,
    Projection,
    force_projection,
    project,
)
from openbwv.organisation import queries as organisation
from openbwv.organisation.models import Borough
from openbwv.timeutil import utcnow


def phases(session: Session, borough: str | None = None) -> list[RolloutPhase]:
    """The phases by borough and target date: every borough's, or one's (a GSS code or name)."""
    query = select(RolloutPhase).order_by(RolloutPhase.borough, RolloutPhase.target_date)
    if borough:
        code = organisation.resolve_borough(session, borough).gss_code
        query = query.where(RolloutPhase.borough == code)
    return list(session.scalars(query))


def training_dates(
    session: Session, officer_ids: Iterable[uuid.UUID] | None = None
) -> dict[uuid.UUID, date]:
    """When each officer (of `officer_ids`, or every one) completed training."""
    query = select(OfficerTraining.user_id, OfficerTraining.trained_on)
    if officer_ids is not None:
        query = query.where(OfficerTraining.user_id.in_(list(officer_ids)))
    return dict(session.execute(query).all())


@dataclass
class PhaseProgress:
    id: str
    name: str
    starts_on: date
    target_date: date
    cameras_to_issue: int
    officers_to_train: int
    cumulative_cameras: int  # what should have been issued by target_date
    issued_by_target: int  # issued by target_date (or by as_of, if that is earlier)
    status: str  # upcoming | in_progress | met | missed


@dataclass
class BoroughProgress:
    borough: str
    name: str
    bcu: str | None
    cameras_to_issue: int
    officers_to_train: int
    cameras_issued: int
    cameras_in_service: int
    officers: int
    officers_trained: int
    officers_with_upload: int
    footage_items: int
    footage_bytes: int
    footage_hours: float
    projection: Projection
    phases: list[PhaseProgress] = field(default_factory=list)


@dataclass
class ForceProgress:
    as_of: date
    window_days: int
    method: str
    cameras_to_issue: int
    cameras_issued: int
    officers_to_train: int
    officers_trained: int
    officers_with_upload: int
    footage_items: int
    footage_bytes: int
    projection: Projection
    latest_borough_projection: date | None
    boroughs_by_status: dict[str, int]
    boroughs: list[BoroughProgress]


def _end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), datetime.min.time()).replace(
        tzinfo=utcnow().tzinfo
    )


def _issue_dates(session: Session, as_of: date) -> dict[str, list[date]]:
    dates: dict[str, list[date]] = defaultdict(list)
    for borough, issued in session.execute(
        select(Camera.home_borough, Camera.first_issued_at).where(
            Camera.first_issued_at.is_not(None), Camera.first_issued_at < _end_of(as_of)
        )
    ):
        if issued is not None:
            dates[borough or ""].append(issued.date())
    return dates


def _grouped(session: Session, query: Select[Any]) -> dict[str, int]:
    return {row[0] or "": int(row[1]) for row in session.execute(query)}


def _officer_counts(session: Session, as_of: date) -> tuple[dict[str, int], ...]:
    officers = (
        select(User.id, User.borough)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "officer", User.active.is_(True), User.borough.is_not(None))
        .subquery()
    )
    by_borough = select(officers.c.borough, func.count()).group_by(officers.c.borough)
    total = _grouped(session, by_borough)
    trained = _grouped(
        session,
        by_borough.join(OfficerTraining, OfficerTraining.user_id == officers.c.id).where(
            OfficerTraining.trained_on <= as_of
        ),
    )
    # One index probe per officer (ix_evidence_officer_user_occurred), not a scan of the items.
    has_upload = select(EvidenceItem.id).where(EvidenceItem.officer_user_id == officers.c.id)
    uploaded = _grouped(session, by_borough.where(has_upload.exists()))
    return total, trained, uploaded


def _footage(session: Session) -> dict[str, tuple[int, int, float]]:
    rows = session.execute(
        select(
            EvidenceItem.borough,
            func.count(),
            func.coalesce(func.sum(EvidenceItem.size_bytes), 0),
            func.coalesce(func.sum(EvidenceItem.duration_seconds), 0.0),
        ).group_by(EvidenceItem.borough)
    )
    return {b or "": (int(n), int(size), float(secs or 0)) for b, n, size, secs in rows}


def _in_service(session: Session) -> dict[str, int]:
    query = (
        select(Camera.home_borough, func.count())
        .join(Assignment, Assignment.camera_id == Camera.id)
        .where(Assignment.ended_at.is_(None))
        .group_by(Camera.home_borough)
    )
    return {b or "": int(n) for b, n in session.execute(query)}


def _phase_progress(
    phases: Sequence[RolloutPhase], dates: list[date], as_of: date
) -> list[PhaseProgress]:
    result, cumulative = [], 0
    for phase in sorted(phases, key=lambda p: (p.target_date, p.name)):
        cumulative += phase.cameras_to_issue
        cutoff = min(phase.target_date, as_of)
        issued = sum(1 for d in dates if d <= cutoff)
        if issued >= cumulative:
            status = "met"
        elif as_of > phase.target_date:
            status = "missed"
        else:
            status = "in_progress" if as_of >= phase.starts_on else "upcoming"
        result.append(
            PhaseProgress(
                str(phase.id),
                phase.name,
                phase.starts_on,
                phase.target_date,
                phase.cameras_to_issue,
                phase.officers_to_train,
                cumulative,
                issued,
                status,
            )
        )
    return result


@dataclass
class _Measured:
    """What the database says about every borough, gathered once per report."""

    as_of: date
    window_days: int
    dates: dict[str, list[date]]
    officers: dict[str, int]
    trained: dict[str, int]
    uploaded: dict[str, int]
    footage: dict[str, tuple[int, int, float]]
    in_service: dict[str, int]


def _measure(session: Session, as_of: date, window_days: int) -> _Measured:
    officers, trained, uploaded = _officer_counts(session, as_of)
    return _Measured(
        as_of,
        window_days,
        _issue_dates(session, as_of),
        officers,
        trained,
        uploaded,
        _footage(session),
        _in_service(session),
    )


def _borough_progress(borough: Borough, plan: list[RolloutPhase], m: _Measured) -> BoroughProgress:
    code = borough.gss_code
    target = sum(p.cameras_to_issue for p in plan)
    dates = m.dates.get(code, [])
    items, size, seconds = m.footage.get(code, (0, 0, 0.0))
    return BoroughProgress(
        borough=code,
        name=borough.name,
        bcu=borough.bcu,
        cameras_to_issue=target,
        officers_to_train=sum(p.officers_to_train for p in plan),
        cameras_issued=len(dates),
        cameras_in_service=m.in_service.get(code, 0),
        officers=m.officers.get(code, 0),
        officers_trained=m.trained.get(code, 0),
        officers_with_upload=m.uploaded.get(code, 0),
        footage_items=items,
        footage_bytes=size,
        footage_hours=round(seconds / 3600, 2),
        projection=project(
            dates,
            target,
            m.as_of,
            window_days=m.window_days,
            planned=max(p.target_date for p in plan),
        ),
        phases=_phase_progress(plan, dates, m.as_of),
    )


def progress(
    session: Session,
    *,
    as_of: date | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
    borough: str | None = None,
) -> ForceProgress:
    """Progress of every borough with a roll-out plan (or one borough), and the force's."""
    if not 1 <= window_days <= 365:
        raise FleetError("window_days must be between 1 and 365")
    as_of = as_of or utcnow().date()
    only = organisation.resolve_borough(session, borough).gss_code if borough else None
    phases: dict[str, list[RolloutPhase]] = defaultdict(list)
    for phase in session.scalars(select(RolloutPhase)):
        if only is None or phase.borough == only:
            phases[phase.borough].append(phase)
    measured = _measure(session, as_of, window_days)
    names = {b.gss_code: b for b in organisation.boroughs(session)}
    boroughs = [
        _borough_progress(names[code], phases[code], measured)
        for code in sorted(phases, key=lambda c: names[c].name)
    ]
    return _force(boroughs, measured.dates, as_of, window_days)


def _force(
    boroughs: list[BoroughProgress], dates: dict[str, list[date]], as_of: date, window_days: int
) -> ForceProgress:
    projection = force_projection(
        [
            (dates.get(b.borough, []), b.cameras_to_issue, b.projection.planned_completion)
            for b in boroughs
        ],
        as_of,
        window_days=window_days,
    )
    projected = [b.projection.projected_completion for b in boroughs if b.projection.target > 0]
    known = [d for d in projected if d is not None]
    latest = max(known) if known and len(known) == len(projected) else None
    statuses: dict[str, int] = defaultdict(int)
    for b in boroughs:
        statuses[b.projection.status] += 1
    return ForceProgress(
        as_of=as_of,
        window_days=window_days,
        method=METHOD.format(w=window_days),
        cameras_to_issue=projection.target,
        cameras_issued=sum(b.cameras_issued for b in boroughs),
        officers_to_train=sum(b.officers_to_train for b in boroughs),
        officers_trained=sum(b.officers_trained for b in boroughs),
        officers_with_upload=sum(b.officers_with_upload for b in boroughs),
        footage_items=sum(b.footage_items for b in boroughs),
        footage_bytes=sum(b.footage_bytes for b in boroughs),
        projection=projection,
        latest_borough_projection=latest,
        boroughs_by_status=dict(statuses),
        boroughs=boroughs,
    )
