"""Cameras and docks: looking them up, registering them, and their status.

Status transitions (anything else is refused):

    in_stock → issued*, docked, faulty, lost, retired
    issued   → docked, in_stock, faulty, lost
    docked   → issued, in_stock, faulty, lost
    faulty   → in_stock, retired
    lost     → in_stock, retired
    retired  → (nothing: end of life)

*`issued` only ever comes from an assignment (`assignments.assign`), never from a bare status
change; `docked → issued` is allowed by hand only while the camera is assigned (taken out of the
dock). Moving a camera to in_stock, faulty or lost ends its open assignment at the same instant,
so the officer can be given another.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload

from openbwv.access.admin.queries import resolve_borough
from openbwv.access.models import User
from openbwv.access.principal import Principal
from openbwv.audit.events import record
from openbwv.fleet.errors import FleetConflict, FleetError, FleetNotFound
from openbwv.fleet.models import Assignment, Camera, CameraStatus, Dock, Station
from openbwv.timeutil import utcnow

S = CameraStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    S.IN_STOCK: frozenset({S.ISSUED, S.DOCKED, S.FAULTY, S.LOST, S.RETIRED}),
    S.ISSUED: frozenset({S.DOCKED, S.IN_STOCK, S.FAULTY, S.LOST}),
    S.DOCKED: frozenset({S.ISSUED, S.IN_STOCK, S.FAULTY, S.LOST}),
    S.FAULTY: frozenset({S.IN_STOCK, S.RETIRED}),
    S.LOST: frozenset({S.IN_STOCK, S.RETIRED}),
    S.RETIRED: frozenset(),
}
ENDS_ASSIGNMENT = frozenset({S.IN_STOCK, S.FAULTY, S.LOST})
ASSIGNABLE = frozenset({S.IN_STOCK, S.DOCKED})


def can_transition(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, frozenset())


# --- looking things up (the Axis protocol and ingest use these) -----------------------------


def find_camera(session: Session, serial: str) -> Camera | None:
    return session.scalar(select(Camera).where(Camera.serial == serial))


def get_camera(session: Session, serial: str) -> Camera:
    camera = find_camera(session, serial)
    if camera is None:
        raise FleetNotFound(f"no camera with serial {serial!r}")
    return camera


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


def get_officer(session: Session, reference: str) -> User:
    user = find_officer(session, reference)
    if user is None:
        raise FleetNotFound(f"no officer with warrant number or username {reference!r}")
    return user


def open_assignment(session: Session, camera: Camera) -> Assignment | None:
    return session.scalar(
        select(Assignment).where(Assignment.camera_id == camera.id, Assignment.ended_at.is_(None))
    )


# --- stations and docks -----------------------------------------------------------------------


def ensure_station(session: Session, borough_code: str, name: str) -> Station:
    """The named station, created in the borough on first use; a station belongs to one borough."""
    station = session.scalar(select(Station).where(Station.name == name))
    if station is None:
        station = Station(name=name, borough=borough_code)
        session.add(station)
        session.flush()
    elif station.borough != borough_code:
        raise FleetError(f"station {name!r} is in borough {station.borough}, not {borough_code}")
    return station


def find_station(session: Session, name: str) -> Station:
    station = session.scalar(select(Station).where(Station.name == name))
    if station is None:
        raise FleetNotFound(f"no station named {name!r}")
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
    if session.scalar(select(Dock.id).where(Dock.serial == serial)):
        raise FleetConflict(f"a dock with serial {serial!r} already exists")
    if not 0 < ports <= 256:
        raise FleetError("ports must be between 1 and 256")
    dock = Dock(
        serial=serial,
        station_id=find_station(session, station).id if station else None,
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


def get_dock(session: Session, serial: str) -> Dock:
    dock = session.scalar(select(Dock).where(Dock.serial == serial))
    if dock is None:
        raise FleetNotFound(f"no dock with serial {serial!r}")
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
    if find_camera(session, spec.serial) is not None:
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
    borough = resolve_borough(session, spec.borough).gss_code if spec.borough else None
    station = None
    if spec.station:
        if borough is None:
            station = find_station(session, spec.station)
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
    """Move a camera to `new_status` if the transition is allowed (see the module's table)."""
    from openbwv.fleet.assignments import close_assignment

    when = when or utcnow()
    old = camera.status
    if new_status not in TRANSITIONS:
        raise FleetError(f"unknown status {new_status!r}; one of {', '.join(TRANSITIONS)}")
    if new_status == old:
        return camera
    if not can_transition(old, new_status):
        raise FleetConflict(f"camera {camera.serial} cannot go from {old} to {new_status}")
    current = open_assignment(session, camera)
    if new_status == S.ISSUED and current is None:
        raise FleetConflict(f"camera {camera.serial} is issued by assigning it to an officer")
    if current is not None and new_status in ENDS_ASSIGNMENT:
        close_assignment(session, actor, current, ended_at=when, reason=f"camera {new_status}")
    camera.status = new_status
    camera.status_changed_at = when
    if new_status == S.DOCKED:
        camera.last_seen_at = when
        camera.last_dock_id = dock.id if dock else camera.last_dock_id
        if dock is not None:
            dock.last_seen_at = when
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


def report_firmware(session: Session, actor: Principal, camera: Camera, version: str) -> None:
    """A camera (or its dock) reports the firmware it runs; plans targeting it are updated."""
    from openbwv.fleet.firmware import mark_installed

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
