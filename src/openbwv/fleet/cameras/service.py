"""Changing cameras, docks and assignments: registering, status changes (see `lifecycle` for the
allowed transitions), firmware reports, and who holds which camera: assigning, ending, pool
checkout and check-in.

The database refuses a second open assignment for a camera or an officer (partial unique
indexes); the checks here exist to give a clear message first, and the IntegrityError that a
concurrent writer would still hit is turned into the same conflict. Every change is recorded in
the audit log here; nothing here commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from openbwv.access.models import User
from openbwv.access.principal import Principal
from openbwv.audit.events import record
from openbwv.fleet.cameras import queries
from openbwv.fleet.cameras.lifecycle import (
    ASSIGNABLE,
    ENDS_ASSIGNMENT,
    TRANSITIONS,
    can_transition,
)
from openbwv.fleet.errors import FleetConflict, FleetError, FleetNotFound
from openbwv.fleet.firmware.service import mark_installed
from openbwv.fleet.models import Assignment, AssignmentKind, Camera, CameraStatus, Dock
from openbwv.organisation import queries as organisation
from openbwv.organisation.models import Station
from openbwv.organisation.service import add_station
from openbwv.timeutil import isoformat_z, utcnow

S = CameraStatus
# Clocks disagree a little; an assignment may start or end this far in the future, no further.
CLOCK_SKEW = timedelta(minutes=5)


# --- stations and docks -----------------------------------------------------------------------


def ensure_station(session: Session, borough_code: str, name: str) -> Station:
    """The named station, created in the borough on first use; a station belongs to one borough."""
    station = organisation.station_named(session, name)
    if station is None:
        station = add_station(session, borough_code, name)
    elif station.borough != borough_code:
        raise FleetError(f"station {name!r} is in borough {station.borough}, not {borough_code}")
    return station


def register_dock(
    session: Session,
    actor: Principal,
    *,
    serial: str,
    station: str | None = None,
    ports: int = 8,
    model: str | None = None,
) -> Dock:
    if queries.find_dock(session, serial) is not None:
        raise FleetConflict(f"a dock with serial {serial!r} already exists")
    if not 0 < ports <= 256:
        raise FleetError("ports must be between 1 and 256")
    dock = Dock(
        serial=serial,
        station_id=queries.find_station(session, station).id if station else None,
        ports=ports,
        model=model,
    )
    session.add(dock)
    session.flush()
    record(
        session,
        actor,
        "fleet.dock.create",
        target_type="dock",
        target_id=serial,
        details={"station": station, "ports": ports},
    )
    return dock


# --- cameras --------------------------------------------------------------------------------


@dataclass
class CameraSpec:
    serial: str
    model: str
    firmware_version: str | None = None
    borough: str | None = None  # GSS code or name
    station: str | None = None
    pool: bool = False
    status: str = S.IN_STOCK


def register_camera(session: Session, actor: Principal, spec: CameraSpec) -> Camera:
    """A new camera (in stock, or another status that needs no officer)."""
    if queries.find_camera(session, spec.serial) is not None:
        raise FleetConflict(f"a camera with serial {spec.serial!r} already exists")
    if spec.status not in TRANSITIONS:
        raise FleetError(f"unknown status {spec.status!r}")
    if spec.status == S.ISSUED:
        raise FleetError("a camera is issued by assigning it to an officer, not by its status")
    camera = Camera(serial=spec.serial, status=spec.status, status_changed_at=utcnow())
    apply_placement(session, camera, spec)
    try:
        with session.begin_nested():
            session.add(camera)
            session.flush()
    except IntegrityError:
        raise FleetConflict(f"a camera with serial {spec.serial!r} already exists") from None
    record(
        session,
        actor,
        "fleet.camera.create",
        target_type="camera",
        target_id=spec.serial,
        details={"model": spec.model, "status": spec.status, "borough": camera.home_borough},
    )
    return camera


def apply_placement(session: Session, camera: Camera, spec: CameraSpec) -> None:
    """Model, firmware, home borough, station and pool flag from a spec."""
    borough = organisation.resolve_borough(session, spec.borough).gss_code if spec.borough else None
    station = None
    if spec.station:
        if borough is None:
            station = queries.find_station(session, spec.station)
            borough = station.borough
        else:
            station = ensure_station(session, borough, spec.station)
    camera.model = spec.model
    camera.firmware_version = spec.firmware_version or camera.firmware_version
    camera.home_borough = borough or camera.home_borough
    camera.station_id = station.id if station else camera.station_id
    camera.pool = spec.pool


def change_status(
    session: Session,
    actor: Principal,
    camera: Camera,
    new_status: str,
    *,
    reason: str | None = None,
    when: datetime | None = None,
    dock: Dock | None = None,
) -> Camera:
    """Move a camera to `new_status` if the transition is allowed (see `lifecycle`)."""
    when = when or utcnow()
    old = camera.status
    if new_status not in TRANSITIONS:
        raise FleetError(f"unknown status {new_status!r}; one of {', '.join(TRANSITIONS)}")
    if new_status == old:
        return camera
    if not can_transition(old, new_status):
        raise FleetConflict(f"camera {camera.serial} cannot go from {old} to {new_status}")
    current = queries.open_assignment(session, camera)
    if new_status == S.ISSUED and current is None:
        raise FleetConflict(f"camera {camera.serial} is issued by assigning it to an officer")
    if current is not None and new_status in ENDS_ASSIGNMENT:
        close_assignment(session, actor, current, ended_at=when, reason=f"camera {new_status}")
    camera.status = new_status
    camera.status_changed_at = when
    if new_status == S.DOCKED:
        _seen_in_dock(camera, dock, when)
    record(
        session,
        actor,
        "fleet.camera.status",
        target_type="camera",
        target_id=camera.serial,
        reason=reason,
        details={"from": old, "to": new_status, "dock": dock.serial if dock else None},
    )
    return camera


def _seen_in_dock(camera: Camera, dock: Dock | None, when: datetime) -> None:
    camera.last_seen_at = when
    if dock is not None:
        camera.last_dock_id = dock.id
        dock.last_seen_at = when


def report_firmware(session: Session, actor: Principal, camera: Camera, version: str) -> None:
    """A camera (or its dock) reports the firmware it runs; plans targeting it are updated."""
    old = camera.firmware_version
    camera.firmware_version = version
    camera.last_seen_at = utcnow()
    mark_installed(session, camera, version)
    if old != version:
        record(
            session,
            actor,
            "fleet.camera.firmware",
            target_type="camera",
            target_id=camera.serial,
            details={"from": old, "to": version},
        )


# --- assignments ------------------------------------------------------------------------------


def _check_start(session: Session, camera: Camera, officer: User, started_at: datetime) -> None:
    """No overlap with history: a new interval starts after both previous ones ended."""
    if started_at > utcnow() + CLOCK_SKEW:
        raise FleetError("an assignment cannot start in the future")
    checks = [(f"officer {officer.username}", Assignment.officer_id, officer.id)]
    if camera.first_issued_at is not None:  # a camera never issued has no history to overlap
        checks.append((f"camera {camera.serial}", Assignment.camera_id, camera.id))
    for label, column, value in checks:
        ended = queries.latest_end(session, column, value)
        if ended is not None and started_at < ended:
            raise FleetConflict(
                f"{label} was assigned until {isoformat_z(ended)}; "
                "a new assignment cannot start before that"
            )


def _holder_label(session: Session, assignment: Assignment) -> str:
    user = queries.officer_by_id(session, assignment.officer_id)
    name = user.warrant_number or user.username if user else str(assignment.officer_id)
    return f"{name} since {isoformat_z(assignment.started_at)}"


def _check_assignable(session: Session, camera: Camera, officer: User, kind: str) -> None:
    """Refuse an assignment the rules forbid, with the reason (before the database would)."""
    if kind not in {k.value for k in AssignmentKind}:
        raise FleetError(f"assignment kind must be one of {', '.join(AssignmentKind)}")
    if (kind == AssignmentKind.POOL) != camera.pool:
        raise FleetError(
            f"camera {camera.serial} is {'a pool' if camera.pool else 'a personal-issue'} camera: "
            f"use {'a pool checkout' if camera.pool else 'a permanent assignment'}"
        )
    if not officer.active or officer.kind != "internal":
        raise FleetError(f"{officer.username} is not an active member of the force")
    current = queries.open_assignment(session, camera)
    if current is not None:
        raise FleetConflict(
            f"camera {camera.serial} is already assigned to {_holder_label(session, current)}"
        )
    held = queries.officer_assignment(session, officer)
    if held is not None:
        other = queries.camera_by_id(session, held.camera_id)
        raise FleetConflict(
            f"officer {officer.warrant_number or officer.username} already holds camera "
            f"{other.serial if other else held.camera_id}"
        )
    if camera.status not in ASSIGNABLE:
        raise FleetConflict(f"camera {camera.serial} is {camera.status} and cannot be issued")


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
    _check_assignable(session, camera, officer, kind)
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
        team = organisation.team(session, officer.team_id)
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
    camera = queries.camera_by_id(session, assignment.camera_id)
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
    current = queries.open_assignment(session, camera)
    if current is None:
        raise FleetConflict(f"camera {camera.serial} is not assigned to anyone")
    if status not in (CameraStatus.IN_STOCK, CameraStatus.DOCKED):
        raise FleetError("a returned camera goes in_stock or docked")
    when = ended_at or utcnow()
    close_assignment(session, actor, current, ended_at=when, reason=reason)
    camera.status = status
    camera.status_changed_at = when
    if status == CameraStatus.DOCKED:
        _seen_in_dock(camera, dock, when)
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
    assignment = queries.assignment_by_id(session, assignment_id)
    if assignment is None:
        raise FleetNotFound("no such assignment")
    if assignment.ended_at is not None:
        raise FleetConflict("this assignment has already ended")
    camera = queries.camera_by_id(session, assignment.camera_id)
    if camera is None:  # the foreign key makes this impossible
        raise FleetNotFound("the assignment's camera is missing")
    return unassign(session, actor, camera, ended_at=ended_at, reason=reason, status=status)


# --- pool cameras: checked out and in per shift ------------------------------------------------


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
        camera = queries.find_camera(session, camera_serial)
        if camera is None:
            raise FleetNotFound(f"no camera with serial {camera_serial!r}")
    else:
        camera = queries.available_pool_camera(
            session, station_id=station_id, borough=officer.borough
        )
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
    current = queries.open_assignment(session, camera)
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
