"""What the fleet and roll-out dashboard shows beyond `rollout.queries.progress`: cameras by
status, uploads per day, officers without a recent upload, and a borough's officers and cameras.

Everything about footage here is an aggregate (counts per day, per borough, per officer "has or
has not"), never an item: no id, file name, time or place of any recording leaves this module,
so the dashboard reveals no item to someone who may not see it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, exists, func, select
from sqlalchemy.orm import Session

from openbwv.access.models import User, UserRole
from openbwv.evidence.models import EvidenceItem
from openbwv.fleet.cameras.queries import cameras_held
from openbwv.fleet.models import Assignment, Camera, CameraStatus
from openbwv.fleet.rollout.queries import training_dates
from openbwv.organisation import queries as organisation
from openbwv.timeutil import utcnow

LONDON = ZoneInfo("Europe/London")
QUIET_DAYS = 7  # "recent upload": footage recorded in the last week has arrived
LIST_LIMIT = 1000  # a borough page lists at most this many officers and cameras
STATUS_LABELS = {
    CameraStatus.IN_STOCK: "In stock",
    CameraStatus.ISSUED: "Issued",
    CameraStatus.DOCKED: "Docked",
    CameraStatus.FAULTY: "Faulty",
    CameraStatus.LOST: "Lost",
    CameraStatus.RETIRED: "Retired",
}


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
    teams = organisation.team_names(session, {u.team_id for u in users})
    cameras = cameras_held(session, ids) if ids else {}
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


# --- a borough's page -------------------------------------------------------------------------


def borough_officers(session: Session, code: str) -> list[dict[str, Any]]:
    """The borough's officers (up to LIST_LIMIT): team, camera, training, and whether footage
    of theirs recorded in the last week has arrived (yes or no: no item is named)."""
    users = list(
        session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.borough == code, UserRole.role == "officer")
            .order_by(User.display_name)
            .limit(LIST_LIMIT)
        )
    )
    ids = [u.id for u in users]
    teams = organisation.team_names(session, borough=code)
    cameras = cameras_held(session, ids)
    trained = training_dates(session, ids)
    recent = recent_uploaders(session, ids)
    return [
        {
            "user": u,
            "team": teams.get(u.team_id) if u.team_id else None,
            "camera": cameras.get(u.id),
            "trained_on": trained.get(u.id),
            "recent": u.id in recent,
        }
        for u in users
    ]


def borough_cameras(session: Session, code: str) -> list[Camera]:
    """The borough's cameras by serial (up to LIST_LIMIT)."""
    query = select(Camera).where(Camera.home_borough == code).order_by(Camera.serial)
    return list(session.scalars(query.limit(LIST_LIMIT)))


def borough_holders(session: Session, code: str) -> dict[uuid.UUID, str]:
    """Who holds each of the borough's cameras now: camera id to the officer's display name."""
    query = (
        select(Assignment.camera_id, User.display_name)
        .join(User, User.id == Assignment.officer_id)
        .join(Camera, Camera.id == Assignment.camera_id)
        .where(Camera.home_borough == code, Assignment.ended_at.is_(None))
    )
    return dict(session.execute(query).all())
