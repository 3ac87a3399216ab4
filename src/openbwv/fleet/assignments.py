"""Who holds which camera: assigning, ending, pool checkout and check-in, and `wearer_at`.

Intervals are half-open, [started_at, ended_at): at the instant of a handover the camera belongs
to the new wearer. The database refuses a second open assignment for a camera or an officer
(partial unique indexes); the checks here exist to give a clear message first, and the
IntegrityError that a concurrent writer would still hit is turned into the same conflict.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from openbwv.access.models import User
from openbwv.access.principal import Principal
from openbwv.audit.events import record
from openbwv.fleet.cameras import ASSIGNABLE, find_camera, open_assignment
from openbwv.fleet.errors import FleetConflict, FleetError, FleetNotFound
from openbwv.fleet.models import Assignment, AssignmentKind, Camera, CameraStatus, Dock, Team
from openbwv.timeutil import isoformat_z, utcnow

# Clocks disagree a little; an assignment may start or end this far in the future, no further.
CLOCK_SKEW = timedelta(minutes=5)
WEARER_MISMATCH = "wearer_mismatch"  # evidence flag: the device's officer is not the wearer


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


def officer_assignment(session: Session, officer: User) -> Assignment | None:
    return session.scalar(
        select(Assignment).where(Assignment.officer_id == officer.id, Assignment.ended_at.is_(None))
    )


def history(
    session: Session,
    *,
    camera: Camera | None = None,
    officer: User | None = None,
    limit: int = 100,
) -> list[Assignment]:
    query = select(Assignment).order_by(Assignment.started_at.desc()).limit(limit)
    if camera is not None:
        query = query.where(Assignment.camera_id == camera.id)
    if officer is not None:
        query = query.where(Assignment.officer_id == officer.id)
    return list(session.scalars(query))


def _latest_end(
    session: Session, column: InstrumentedAttribute[uuid.UUID], value: uuid.UUID
) -> datetime | None:
    return session.scalar(
        select(Assignment.ended_at)
        .where(column == value, Assignment.ended_at.is_not(None))
        .order_by(Assignment.ended_at.desc())
        .limit(1)
    )


def _check_start(session: Session, camera: Camera, officer: User, started_at: datetime) -> None:
    """No overlap with history: a new interval starts after both previous ones ended."""
    if started_at > utcnow() + CLOCK_SKEW:
        raise FleetError("an assignment cannot start in the future")
    checks = [(f"officer {officer.username}", Assignment.officer_id, officer.id)]
    if camera.first_issued_at is not None:  # a camera never issued has no history to overlap
        checks.append((f"camera {camera.serial}", Assignment.camera_id, camera.id))
    for label, column, value in checks:
        ended = _latest_end(session, column, value)
        if ended is not None and started_at < ended:
            raise FleetConflict(
                f"{label} was assigned until {isoformat_z(ended)}; "
                "a new assignment cannot start before that"
            )


def _holder_label(session: Session, assignment: Assignment) -> str:
    user = session.get(User, assignment.officer_id)
    name = user.warrant_number or user.username if user else str(assignment.officer_id)
    return f"{name} since {isoformat_z(assignment.started_at)}"


def assign(
    session: Session,
    actor: Principal,
    camera: Camera,
    officer: User,
    *,
    kind: str = AssignmentKind.PERMANENT,
    started_at: datetime | None = None,
) -> Assignment:
    """Give `camera` to `officer` (refused if either already has an open assignment)."""
    started_at = started_at or utcnow()
    if kind not in {k.value for k in AssignmentKind}:
        raise FleetError(f"assignment kind must be one of {', '.join(AssignmentKind)}")
    if (kind == AssignmentKind.POOL) != camera.pool:
        raise FleetError(
            f"camera {camera.serial} is {'a pool' if camera.pool else 'a personal-issue'} camera: "
            f"use {'a pool checkout' if camera.pool else 'a permanent assignment'}"
        )
    if not officer.active or officer.kind != "internal":
        raise FleetError(f"{officer.username} is not an active member of the force")
    current = open_assignment(session, camera)
    if current is not None:
        raise FleetConflict(
            f"camera {camera.serial} is already assigned to {_holder_label(session, current)}"
        )
    held = officer_assignment(session, officer)
    if held is not None:
        other = session.get(Camera, held.camera_id)
        raise FleetConflict(
            f"officer {officer.warrant_number or officer.username} already holds camera "
            f"{other.serial if other else held.camera_id}"
        )
    if camera.status not in ASSIGNABLE:
        raise FleetConflict(f"camera {camera.serial} is {camera.status} and cannot be issued")
    _check_start(session, camera, officer, started_at)
    assignment = Assignment(
        camera_id=camera.id,
        officer_id=officer.id,
        kind=kind,
        started_at=started_at,
        started_by=actor.name[:128],
    )
    try:
        with session.begin_nested():
            session.add(assignment)
            session.flush()
    except IntegrityError:
        # A concurrent assignment won the race; the database kept the invariant.
        raise FleetConflict(
            f"camera {camera.serial} or officer {officer.username} was assigned meanwhile"
        ) from None
    _issue(session, camera, officer, started_at)
    record(
        session,
        actor,
        f"fleet.{'pool.checkout' if kind == 'pool' else 'assignment.start'}",
        target_type="camera",
        target_id=camera.serial,
        details={
            "assignment": str(assignment.id),
            "officer": str(officer.id),
            "kind": kind,
            "started_at": isoformat_z(started_at),
        },
    )
    return assignment


def _issue(session: Session, camera: Camera, officer: User, when: datetime) -> None:
    camera.status = CameraStatus.ISSUED
    camera.status_changed_at = when
    camera.last_seen_at = when
    if camera.first_issued_at is None:
        camera.first_issued_at = when
    if camera.home_borough is None:
        camera.home_borough = officer.borough
    if camera.station_id is None and officer.team_id is not None:
        team = session.get(Team, officer.team_id)
        camera.station_id = team.station_id if team else None


def close_assignment(
    session: Session,
    actor: Principal,
    assignment: Assignment,
    *,
    ended_at: datetime | None = None,
    reason: str | None = None,
) -> Assignment:
    """End an open assignment (the camera's status is the caller's business)."""
    ended_at = ended_at or utcnow()
    if assignment.ended_at is not None:
        raise FleetConflict("this assignment has already ended")
    if ended_at <= assignment.started_at:
        raise FleetError(
            f"an assignment must end after it started ({isoformat_z(assignment.started_at)})"
        )
    if ended_at > utcnow() + CLOCK_SKEW:
        raise FleetError("an assignment cannot end in the future")
    assignment.ended_at = ended_at
    assignment.ended_by = actor.name[:128]
    assignment.end_reason = (reason or "")[:255] or None
    camera = session.get(Camera, assignment.camera_id)
    action = (
        "fleet.pool.checkin" if assignment.kind == AssignmentKind.POOL else "fleet.assignment.end"
    )
    record(
        session,
        actor,
        action,
        target_type="camera",
        target_id=camera.serial if camera else None,
        reason=reason,
        details={
            "assignment": str(assignment.id),
            "officer": str(assignment.officer_id),
            "ended_at": isoformat_z(ended_at),
        },
    )
    return assignment


def unassign(
    session: Session,
    actor: Principal,
    camera: Camera,
    *,
    ended_at: datetime | None = None,
    reason: str | None = None,
    status: str = CameraStatus.IN_STOCK,
    dock: Dock | None = None,
) -> Assignment:
    """End the camera's open assignment and put it back in stock (or in a dock)."""
    current = open_assignment(session, camera)
    if current is None:
        raise FleetConflict(f"camera {camera.serial} is not assigned to anyone")
    if status not in (CameraStatus.IN_STOCK, CameraStatus.DOCKED):
        raise FleetError("a returned camera goes in_stock or docked")
    when = ended_at or utcnow()
    close_assignment(session, actor, current, ended_at=when, reason=reason)
    camera.status = status
    camera.status_changed_at = when
    if status == CameraStatus.DOCKED:
        camera.last_seen_at = when
        if dock is not None:
            camera.last_dock_id = dock.id
            dock.last_seen_at = when
    return current


def end_by_id(
    session: Session,
    actor: Principal,
    assignment_id: uuid.UUID,
    *,
    ended_at: datetime | None = None,
    reason: str | None = None,
    status: str = CameraStatus.IN_STOCK,
) -> Assignment:
    assignment = session.get(Assignment, assignment_id)
    if assignment is None:
        raise FleetNotFound("no such assignment")
    if assignment.ended_at is not None:
        raise FleetConflict("this assignment has already ended")
    camera = session.get(Camera, assignment.camera_id)
    if camera is None:  # the foreign key makes this impossible
        raise FleetNotFound("the assignment's camera is missing")
    return unassign(session, actor, camera, ended_at=ended_at, reason=reason, status=status)


# --- pool cameras: checked out and in per shift ------------------------------------------------


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


def checkout(
    session: Session,
    actor: Principal,
    officer: User,
    *,
    camera_serial: str | None = None,
    station_id: uuid.UUID | None = None,
) -> Assignment:
    """Check a pool camera out to an officer for a shift: the named one, or any free one at the
    station (or, without a station, in the officer's borough)."""
    if camera_serial:
        camera = find_camera(session, camera_serial)
        if camera is None:
            raise FleetNotFound(f"no camera with serial {camera_serial!r}")
    else:
        camera = available_pool_camera(session, station_id=station_id, borough=officer.borough)
        if camera is None:
            raise FleetConflict("no pool camera is free here")
    return assign(session, actor, camera, officer, kind=AssignmentKind.POOL)


def checkin(
    session: Session,
    actor: Principal,
    camera: Camera,
    *,
    dock: Dock | None = None,
    ended_at: datetime | None = None,
) -> Assignment:
    """A pool camera returned at the end of a shift: the checkout ends and it sits in its dock."""
    current = open_assignment(session, camera)
    if current is None or current.kind != AssignmentKind.POOL:
        raise FleetConflict(f"camera {camera.serial} is not checked out from a pool")
    return unassign(
        session,
        actor,
        camera,
        ended_at=ended_at,
        reason="checked in",
        status=CameraStatus.DOCKED,
        dock=dock,
    )
