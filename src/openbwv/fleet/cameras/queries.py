"""Reading cameras, docks, officers and assignments: look-ups by serial or reference, the lists the
API pages through, who wore a camera at a moment (`wearer_at`, used by ingest) and the bulk
look-ups the presenters need.

Intervals are half-open, [started_at, ended_at): at the instant of a handover the camera belongs
to the new wearer.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, lazyload

from openbwv.access.models import User, UserRole
from openbwv.fleet.cameras.lifecycle import ASSIGNABLE
from openbwv.fleet.errors import FleetNotFound
from openbwv.fleet.models import Assignment, Camera, CameraStatus, Dock
from openbwv.organisation import queries as organisation
from openbwv.organisation.models import Station, Team

WEARER_MISMATCH = "wearer_mismatch"  # evidence flag: the device's officer is not the wearer


# --- cameras, docks, stations and officers by reference (the Axis protocol and ingest use these)


def find_camera(session: Session, serial: str) -> Camera | None:
    return session.scalar(select(Camera).where(Camera.serial == serial))


def get_camera(session: Session, serial: str) -> Camera:
    camera = find_camera(session, serial)
    if camera is None:
        raise FleetNotFound(f"no camera with serial {serial!r}")
    return camera


def camera_by_id(session: Session, camera_id: uuid.UUID) -> Camera | None:
    return session.get(Camera, camera_id)


def find_officer(session: Session, reference: str) -> User | None:
    """The user a reference names: warrant number first, then username, then id."""
    for column in (User.warrant_number, User.username):
        # Roles load only if asked for: assignments never need them.
        user = session.scalar(select(User).where(column == reference).options(lazyload(User.roles)))
        if user is not None:
            return user
    try:
        return session.get(User, uuid.UUID(reference))
    except ValueError:
        return None


def officers_by_warrant(session: Session, warrants: Iterable[str]) -> dict[str, User]:
    """Active officers by warrant number, in bulk (a CAD file names hundreds)."""
    wanted = sorted(set(warrants))
    found: dict[str, User] = {}
    for start in range(0, len(wanted), 500):
        query = select(User).where(
            User.warrant_number.in_(wanted[start : start + 500]), User.active.is_(True)
        )
        for user in session.scalars(query.options(lazyload(User.roles))):
            if user.warrant_number:
                found[user.warrant_number.upper()] = user
    return found


def get_officer(session: Session, reference: str) -> User:
    user = find_officer(session, reference)
    if user is None:
        raise FleetNotFound(f"no officer with warrant number or username {reference!r}")
    return user


def officer_by_id(session: Session, user_id: uuid.UUID) -> User | None:
    return session.get(User, user_id)


def find_station(session: Session, name: str) -> Station:
    station = organisation.station_named(session, name)
    if station is None:
        raise FleetNotFound(f"no station named {name!r}")
    return station


def find_dock(session: Session, serial: str) -> Dock | None:
    return session.scalar(select(Dock).where(Dock.serial == serial))


def get_dock(session: Session, serial: str) -> Dock:
    dock = find_dock(session, serial)
    if dock is None:
        raise FleetNotFound(f"no dock with serial {serial!r}")
    return dock


# --- assignments ------------------------------------------------------------------------------


def open_assignment(session: Session, camera: Camera) -> Assignment | None:
    return session.scalar(
        select(Assignment).where(Assignment.camera_id == camera.id, Assignment.ended_at.is_(None))
    )


def officer_assignment(session: Session, officer: User) -> Assignment | None:
    return session.scalar(
        select(Assignment).where(Assignment.officer_id == officer.id, Assignment.ended_at.is_(None))
    )


def assignment_by_id(session: Session, assignment_id: uuid.UUID) -> Assignment | None:
    return session.get(Assignment, assignment_id)


def assignment_at(session: Session, camera_serial: str, when: datetime) -> Assignment | None:
    return session.scalar(
        select(Assignment)
        .join(Camera, Camera.id == Assignment.camera_id)
        .where(
            Camera.serial == camera_serial,
            Assignment.started_at <= when,
            or_(Assignment.ended_at.is_(None), Assignment.ended_at > when),
        )
        .order_by(Assignment.started_at.desc())
        .limit(1)
    )


def wearer_at(session: Session, camera_serial: str, when: datetime) -> User | None:
    """The officer who held the camera at `when` (None: unknown camera, or nobody held it)."""
    assignment = assignment_at(session, camera_serial, when)
    return session.get(User, assignment.officer_id) if assignment else None


def attribution(
    session: Session, camera_serial: str | None, when: datetime | None, claimed: User | None
) -> tuple[User | None, list[str]]:
    """For ingest: who wore the camera when the recording started, and any flags.

    When the device names a known officer who is not the fleet's wearer at that moment, the
    device's officer keeps the item (the body worn system logs who took the camera) and the item
    is flagged `wearer_mismatch` so the fleet record can be checked.
    """
    if not camera_serial or when is None:
        return None, []
    wearer = wearer_at(session, camera_serial, when)
    if claimed is not None and wearer is not None and wearer.id != claimed.id:
        return wearer, [WEARER_MISMATCH]
    return wearer, []


def history(
    session: Session,
    *,
    camera: Camera | None = None,
    officer: User | None = None,
    open_only: bool = False,
    limit: int = 100,
) -> list[Assignment]:
    """Assignments, latest first: a camera's, an officer's, or all."""
    query = select(Assignment).order_by(Assignment.started_at.desc()).limit(limit)
    if camera is not None:
        query = query.where(Assignment.camera_id == camera.id)
    if officer is not None:
        query = query.where(Assignment.officer_id == officer.id)
    if open_only:
        query = query.where(Assignment.ended_at.is_(None))
    return list(session.scalars(query))


def latest_end(
    session: Session, column: InstrumentedAttribute[uuid.UUID], value: uuid.UUID
) -> datetime | None:
    """When the last closed assignment of a camera or officer (`column == value`) ended."""
    return session.scalar(
        select(Assignment.ended_at)
        .where(column == value, Assignment.ended_at.is_not(None))
        .order_by(Assignment.ended_at.desc())
        .limit(1)
    )


def available_pool_camera(
    session: Session, *, station_id: object = None, borough: str | None = None
) -> Camera | None:
    """A pool camera in a dock or in stock with nobody holding it (longest idle first)."""
    query = (
        select(Camera)
        .where(
            Camera.pool.is_(True),
            Camera.status.in_(list(ASSIGNABLE)),
            ~select(Assignment.id)
            .where(Assignment.camera_id == Camera.id, Assignment.ended_at.is_(None))
            .exists(),
        )
        .order_by(Camera.status_changed_at.asc().nulls_first(), Camera.serial)
        .limit(1)
        .with_for_update(skip_locked=True)  # PostgreSQL: two checkouts never pick the same one
    )
    if station_id is not None:
        query = query.where(Camera.station_id == station_id)
    elif borough is not None:
        query = query.where(Camera.home_borough == borough)
    return session.scalar(query)


# --- the lists the API pages through ----------------------------------------------------------


def list_cameras(
    session: Session,
    *,
    status: str | None = None,
    borough: str | None = None,
    station: str | None = None,
    model: str | None = None,
    firmware: str | None = None,
    pool: bool | None = None,
    q: str | None = None,
    after: str | None = None,
    limit: int = 100,
) -> list[Camera]:
    """Cameras by serial, up to `limit` (borough: a GSS code or name; station: a name)."""
    query = select(Camera).order_by(Camera.serial).limit(limit)
    if status:
        query = query.where(Camera.status == status)
    if borough:
        query = query.where(
            Camera.home_borough == organisation.resolve_borough(session, borough).gss_code
        )
    if station:
        query = query.where(Camera.station_id == find_station(session, station).id)
    if model:
        query = query.where(Camera.model == model)
    if firmware:
        query = query.where(Camera.firmware_version == firmware)
    if pool is not None:
        query = query.where(Camera.pool.is_(pool))
    if q:
        query = query.where(Camera.serial.startswith(q, autoescape=True))
    if after:
        query = query.where(Camera.serial > after)
    return list(session.scalars(query))


def list_docks(session: Session, station: str | None = None) -> list[Dock]:
    query = select(Dock).order_by(Dock.serial)
    if station:
        query = query.where(Dock.station_id == find_station(session, station).id)
    return list(session.scalars(query))


def list_officers(
    session: Session,
    *,
    borough: str | None = None,
    team: str | None = None,
    q: str | None = None,
    after: str | None = None,
    limit: int = 100,
) -> list[User]:
    """Users with the officer role by username, up to `limit` (borough: a GSS code or name)."""
    query = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "officer")
        .order_by(User.username)
        .limit(limit)
    )
    if borough:
        query = query.where(User.borough == organisation.resolve_borough(session, borough).gss_code)
    if team:
        query = query.join(Team, Team.id == User.team_id).where(Team.name == team)
    if q:
        query = query.where(
            User.username.startswith(q, autoescape=True)
            | User.warrant_number.startswith(q, autoescape=True)
        )
    if after:
        query = query.where(User.username > after)
    return list(session.scalars(query))


def counts_by_borough_and_status(session: Session) -> list[tuple[str | None, str, int]]:
    """(home borough, status, cameras) for every pair that has any."""
    rows = session.execute(
        select(Camera.home_borough, Camera.status, func.count()).group_by(
            Camera.home_borough, Camera.status
        )
    )
    return [(borough, state, int(n)) for borough, state, n in rows]


# --- bulk look-ups for the presenters ---------------------------------------------------------


def users_by_id(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, User]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}


def camera_serials(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    query = select(Camera.id, Camera.serial).where(Camera.id.in_(wanted))
    return dict(session.execute(query).all())


def dock_serials(session: Session, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {d.id: d.serial for d in session.scalars(select(Dock).where(Dock.id.in_(wanted)))}


def open_assignments(session: Session, camera_ids: Iterable[uuid.UUID]) -> list[Assignment]:
    """The open assignments of these cameras."""
    wanted = list(camera_ids)
    if not wanted:
        return []
    return list(
        session.scalars(
            select(Assignment).where(
                Assignment.camera_id.in_(wanted), Assignment.ended_at.is_(None)
            )
        )
    )


def cameras_held(session: Session, officer_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The serial of the camera each of these officers holds now (if any)."""
    query = (
        select(Assignment.officer_id, Camera.serial)
        .join(Camera, Camera.id == Assignment.camera_id)
        .where(Assignment.officer_id.in_(list(officer_ids)), Assignment.ended_at.is_(None))
    )
    return dict(session.execute(query).all())


def docked_counts(session: Session, dock_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
    """How many cameras sit in each of these docks now."""
    query = (
        select(Camera.last_dock_id, func.count())
        .where(Camera.status == CameraStatus.DOCKED, Camera.last_dock_id.in_(list(dock_ids)))
        .group_by(Camera.last_dock_id)
    )
    return {dock_id: int(n) for dock_id, n in session.execute(query) if dock_id is not None}
