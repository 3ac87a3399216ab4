"""The roll-out: phases per borough, measured progress, and projected completion dates.

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

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from openbwv.access.admin.queries import resolve_borough
from openbwv.access.models import User, UserRole
from openbwv.access.principal import Principal
from openbwv.audit.events import record
from openbwv.evidence.models import EvidenceItem
from openbwv.fleet.errors import FleetConflict, FleetError, FleetNotFound
from openbwv.fleet.models import Borough, Camera, OfficerTraining, RolloutPhase
from openbwv.timeutil import utcnow

DEFAULT_WINDOW_DAYS = 28
METHOD = (
    "recent issue rate extrapolated: cameras first issued in the last {w} days (or since the "
    "first issue, if more recent) per day; completion = as_of + ceil(remaining / rate) days; "
    "no date when nothing has been issued (not started) or nothing in the window (stalled)"
)


# --- phases and training ---------------------------------------------------------------------


@dataclass
class PhaseSpec:
    borough: str  # GSS code or name
    name: str
    starts_on: date
    target_date: date
    cameras_to_issue: int
    officers_to_train: int
    notes: str | None = None


def add_phase(session: Session, actor: Principal, spec: PhaseSpec) -> RolloutPhase:
    borough = resolve_borough(session, spec.borough).gss_code
    if spec.target_date < spec.starts_on:
        raise FleetError("a phase's target date cannot be before its start")
    if spec.cameras_to_issue < 0 or spec.officers_to_train < 0:
        raise FleetError("targets cannot be negative")
    if not spec.name.strip() or len(spec.name) > 100:
        raise FleetError("a phase needs a name of 1–100 characters")
    if session.scalar(
        select(RolloutPhase.id).where(
            RolloutPhase.borough == borough, RolloutPhase.name == spec.name
        )
    ):
        raise FleetConflict(f"{borough} already has a phase named {spec.name!r}")
    phase = RolloutPhase(
        borough=borough,
        name=spec.name,
        starts_on=spec.starts_on,
        target_date=spec.target_date,
        cameras_to_issue=spec.cameras_to_issue,
        officers_to_train=spec.officers_to_train,
        notes=spec.notes,
    )
    session.add(phase)
    session.flush()
    record(
        session,
        actor,
        "fleet.rollout.phase",
        target_type="rollout_phase",
        target_id=str(phase.id),
        details={
            "borough": borough,
            "name": spec.name,
            "target": spec.target_date.isoformat(),
            "cameras": spec.cameras_to_issue,
            "officers": spec.officers_to_train,
        },
    )
    return phase


def delete_phase(session: Session, actor: Principal, phase_id: object) -> None:
    phase = session.get(RolloutPhase, phase_id)
    if phase is None:
        raise FleetNotFound("no such roll-out phase")
    record(
        session,
        actor,
        "fleet.rollout.phase_delete",
        target_type="rollout_phase",
        target_id=str(phase.id),
        details={"borough": phase.borough, "name": phase.name},
    )
    session.delete(phase)


def record_training(
    session: Session, actor: Principal, officer: User, trained_on: date
) -> OfficerTraining:
    if trained_on > utcnow().date():
        raise FleetError("training cannot be recorded for a future date")
    row = session.get(OfficerTraining, officer.id)
    if row is None:
        row = OfficerTraining(user_id=officer.id, trained_on=trained_on)
        session.add(row)
    row.trained_on = trained_on
    row.recorded_by = actor.name[:128]
    record(
        session,
        actor,
        "fleet.officer.trained",
        target_type="user",
        target_id=str(officer.id),
        details={"trained_on": trained_on.isoformat()},
    )
    return row


# --- projection (pure arithmetic, tested on fixed data) --------------------------------------


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


# --- measured progress ------------------------------------------------------------------------


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
    from openbwv.fleet.models import Assignment

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
    only = resolve_borough(session, borough).gss_code if borough else None
    phases: dict[str, list[RolloutPhase]] = defaultdict(list)
    for phase in session.scalars(select(RolloutPhase)):
        if only is None or phase.borough == only:
            phases[phase.borough].append(phase)
    dates = _issue_dates(session, as_of)
    officers, trained, uploaded = _officer_counts(session, as_of)
    footage, in_service = _footage(session), _in_service(session)
    names = {b.gss_code: b for b in session.scalars(select(Borough))}
    boroughs = []
    for code in sorted(phases, key=lambda c: names[c].name):
        plan = phases[code]
        target = sum(p.cameras_to_issue for p in plan)
        items, size, seconds = footage.get(code, (0, 0, 0.0))
        boroughs.append(
            BoroughProgress(
                borough=code,
                name=names[code].name,
                bcu=names[code].bcu,
                cameras_to_issue=target,
                officers_to_train=sum(p.officers_to_train for p in plan),
                cameras_issued=len(dates.get(code, [])),
                cameras_in_service=in_service.get(code, 0),
                officers=officers.get(code, 0),
                officers_trained=trained.get(code, 0),
                officers_with_upload=uploaded.get(code, 0),
                footage_items=items,
                footage_bytes=size,
                footage_hours=round(seconds / 3600, 2),
                projection=project(
                    dates.get(code, []),
                    target,
                    as_of,
                    window_days=window_days,
                    planned=max(p.target_date for p in plan),
                ),
                phases=_phase_progress(plan, dates.get(code, []), as_of),
            )
        )
    return _force(boroughs, dates, as_of, window_days)


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
