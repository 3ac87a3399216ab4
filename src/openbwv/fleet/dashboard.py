"""What the fleet and roll-out dashboard shows beyond `rollout.progress`: cameras by status,
uploads per day, officers without a recent upload, and the borough map's colouring.

Everything about footage here is an aggregate (counts per day, per borough, per officer "has or
has not"), never an item: no id, file name, time or place of any recording leaves this module,
so the dashboard reveals no item to someone who may not see it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, exists, func, select
from sqlalchemy.orm import Session

from openbwv.access.models import User, UserRole
from openbwv.evidence.models import EvidenceItem
from openbwv.fleet.models import Assignment, Camera, CameraStatus, Team
from openbwv.fleet.rollout import BoroughProgress, ForceProgress
from openbwv.timeutil import utcnow
from openbwv.web.maps import borough_paths

LONDON = ZoneInfo("Europe/London")
QUIET_DAYS = 7  # "recent upload": footage recorded in the last week has arrived
STATUS_LABELS = {
    CameraStatus.IN_STOCK: "In stock",
    CameraStatus.ISSUED: "Issued",
    CameraStatus.DOCKED: "Docked",
    CameraStatus.FAULTY: "Faulty",
    CameraStatus.LOST: "Lost",
    CameraStatus.RETIRED: "Retired",
}
PROJECTION_LABELS = {
    "no_target": "No target",
    "complete": "Complete",
    "on_track": "On track",
    "behind": "Behind plan",
    "stalled": "Stalled",
    "not_started": "Not started",
}
# Map bands: (class suffix, legend text); the text is also in every borough's label.
BANDS = (
    ("none", "No roll-out plan"),
    ("0", "Not started"),
    ("1", "Under 25% issued"),
    ("2", "25–49% issued"),
    ("3", "50–74% issued"),
    ("4", "75–99% issued"),
    ("5", "Complete"),
    ("city", "Not policed by the Met"),
)


# --- cameras and uploads ----------------------------------------------------------------------


def cameras_by_status(session: Session, borough: str | None = None) -> list[tuple[str, int]]:
    """(label, count) for every status, in the order a camera's life goes."""
    query = select(Camera.status, func.count()).group_by(Camera.status)
    if borough:
        query = query.where(Camera.home_borough == borough)
    counts = {status: int(n) for status, n in session.execute(query)}
    return [(label, counts.get(status, 0)) for status, label in STATUS_LABELS.items()]


@dataclass(frozen=True)
class DayCount:
    day: date  # a London calendar day
    count: int


def london_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LONDON).astimezone(ZoneInfo("UTC"))


def uploads_per_day(
    session: Session, *, days: int = 14, borough: str | None = None, now: datetime | None = None
) -> list[DayCount]:
    """Items that arrived on each of the last `days` London days (today included), counted by the
    database in one pass over the arrival index."""
    today = (now or utcnow()).astimezone(LONDON).date()
    first = today - timedelta(days=days - 1)
    edges = [london_midnight(first + timedelta(days=n)) for n in range(days + 1)]
    bucket = case(
        *[(EvidenceItem.ingested_at < edge, n) for n, edge in enumerate(edges[1:-1])],
        else_=days - 1,
    )
    query = (
        select(bucket, func.count())
        .where(EvidenceItem.ingested_at >= edges[0], EvidenceItem.ingested_at < edges[-1])
        .group_by(bucket)
    )
    if borough:
        query = query.where(EvidenceItem.borough == borough)
    counts = {int(n): int(count) for n, count in session.execute(query)}
    return [DayCount(first + timedelta(days=n), counts.get(n, 0)) for n in range(days)]


# --- officers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuietOfficer:
    username: str
    display_name: str
    borough: str | None
    team: str | None
    camera: str | None  # the camera held now, if any


def _recent_footage(cutoff: datetime) -> ColumnElement[bool]:
    # One probe of ix_evidence_officer_user_occurred per officer.
    return exists(
        select(EvidenceItem.id).where(
            EvidenceItem.officer_user_id == User.id, EvidenceItem.occurred_at >= cutoff
        )
    )


def _issued_officers(borough: str | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        User.active.is_(True),
        exists(
            select(UserRole.user_id).where(UserRole.user_id == User.id, UserRole.role == "officer")
        ),
        exists(select(Assignment.id).where(Assignment.officer_id == User.id)),
    ]
    if borough:
        conditions.append(User.borough == borough)
    return conditions


def officers_without_recent_upload(
    session: Session,
    *,
    borough: str | None = None,
    days: int = QUIET_DAYS,
    limit: int = 50,
    now: datetime | None = None,
) -> tuple[int, list[QuietOfficer]]:
    """Officers who have been issued a camera but from whom no footage recorded in the last
    `days` days has arrived: (how many, the first `limit` by borough and name)."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    where = [*_issued_officers(borough), ~_recent_footage(cutoff)]
    total = session.scalar(select(func.count()).select_from(User).where(*where)) or 0
    users = list(
        session.scalars(
            select(User).where(*where).order_by(User.borough, User.display_name).limit(limit)
        )
    )
    return int(total), _quiet(session, users)


def _quiet(session: Session, users: list[User]) -> list[QuietOfficer]:
    ids = [u.id for u in users]
    teams: dict[uuid.UUID, str] = {}
    cameras: dict[uuid.UUID, str] = {}
    if ids:
        teams = dict(
            session.execute(
                select(Team.id, Team.name).where(Team.id.in_({u.team_id for u in users}))
            ).all()
        )
        cameras = dict(
            session.execute(
                select(Assignment.officer_id, Camera.serial)
                .join(Camera, Camera.id == Assignment.camera_id)
                .where(Assignment.officer_id.in_(ids), Assignment.ended_at.is_(None))
            ).all()
        )
    return [
        QuietOfficer(
            u.username,
            u.display_name,
            u.borough,
            teams.get(u.team_id) if u.team_id else None,
            cameras.get(u.id),
        )
        for u in users
    ]


def recent_uploaders(
    session: Session, officer_ids: list[uuid.UUID], *, days: int = QUIET_DAYS
) -> set[uuid.UUID]:
    """Which of these officers have footage recorded in the last `days` days (yes or no only)."""
    if not officer_ids:
        return set()
    cutoff = utcnow() - timedelta(days=days)
    return set(
        session.scalars(
            select(EvidenceItem.officer_user_id)
            .where(
                EvidenceItem.officer_user_id.in_(officer_ids), EvidenceItem.occurred_at >= cutoff
            )
            .distinct()
        )
    )


# --- the map ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MapBorough:
    gss_code: str
    name: str
    d: str
    label_x: float
    label_y: float
    band: str
    short: str  # on the map: e.g. "62%"
    description: str  # the accessible name: everything the colour says, in words


def percent(done: int, target: int) -> int:
    """Whole percent, never rounded up to 100 before it is complete."""
    if target <= 0:
        return 0
    value = 100 * done // target
    return min(value, 100)


def band_of(borough: BoroughProgress | None) -> str:
    if borough is None or borough.cameras_to_issue <= 0:
        return "none"
    share = percent(borough.cameras_issued, borough.cameras_to_issue)
    if borough.cameras_issued >= borough.cameras_to_issue:
        return "5"
    if borough.cameras_issued == 0:
        return "0"
    return str(min(4, 1 + share // 25))


def _describe(name: str, borough: BoroughProgress | None, met_policed: bool) -> tuple[str, str]:
    if not met_policed:
        return "", f"{name}: not policed by the Metropolitan Police (City of London Police)"
    if borough is None or borough.cameras_to_issue <= 0:
        return "", f"{name}: no roll-out plan yet"
    share = percent(borough.cameras_issued, borough.cameras_to_issue)
    status = PROJECTION_LABELS.get(borough.projection.status, borough.projection.status)
    return f"{share}%", (
        f"{name}: {share}% of cameras issued ({borough.cameras_issued} of "
        f"{borough.cameras_to_issue}), {status.lower()}"
    )


def borough_map(progress: ForceProgress, width: int = 800, height: int = 560) -> list[MapBorough]:
    by_code = {b.borough: b for b in progress.boroughs}
    shapes = []
    for path in borough_paths(width, height):
        found = by_code.get(path.gss_code)
        short, description = _describe(path.name, found, path.met_policed)
        shapes.append(
            MapBorough(
                gss_code=path.gss_code,
                name=path.name,
                d=path.d,
                label_x=path.label_x,
                label_y=path.label_y,
                band=band_of(found) if path.met_policed else "city",
                short=short,
                description=description,
            )
        )
    return shapes
