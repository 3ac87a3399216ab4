"""Fleet endpoints under /api/v1/fleet: cameras, docks, assignments, pool, officers, wearers.

Reading needs `fleet.read` (officers' personal fields are only ever served here), changing needs
`fleet.manage`; every change is recorded in the audit log by the service that makes it.
Firmware, the roll-out and CSV files are in `api_plans`, on the same router.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import Query
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openbwv.access.admin.queries import resolve_borough
from openbwv.access.models import User, UserRole
from openbwv.api.problems import Problem
from openbwv.fleet import (
    api_plans,  # noqa: F401 - its endpoints join the same router
    presenters,
    rollout,
)
from openbwv.fleet import assignments as assign_svc
from openbwv.fleet import cameras as cam_svc
from openbwv.fleet.http import Limit, Manager, Reader, fleet_session, router
from openbwv.fleet.models import Assignment, Camera, CameraStatus, Dock, Station, Team
from openbwv.fleet.schemas import (
    AssignmentCreate,
    AssignmentEnd,
    AssignmentOut,
    CameraCreate,
    CameraDetail,
    CameraOut,
    CameraPage,
    CheckinIn,
    CheckoutIn,
    DockCreate,
    DockOut,
    FirmwareReportIn,
    OfficerOut,
    OfficerPage,
    StatusChange,
    TrainingIn,
    WearerOut,
)


def _borough_code(session: Session, value: str | None) -> str | None:
    return resolve_borough(session, value).gss_code if value else None


# --- cameras ----------------------------------------------------------------------------------


@router.get("/cameras", response_model=CameraPage, summary="List cameras, by serial")
def list_cameras(
    principal: Reader,
    status: CameraStatus | None = None,
    borough: str | None = Query(None, description="GSS code or name"),
    station: str | None = None,
    model: str | None = None,
    firmware: str | None = None,
    pool: bool | None = None,
    q: str | None = Query(None, max_length=64, description="serial starts with"),
    after: str | None = Query(None, max_length=64, description="the last serial of a page"),
    limit: Limit = 100,
) -> CameraPage:
    with fleet_session() as session:
        query = select(Camera).order_by(Camera.serial).limit(limit + 1)
        if status:
            query = query.where(Camera.status == status)
        if borough:
            query = query.where(Camera.home_borough == _borough_code(session, borough))
        if station:
            query = query.where(Camera.station_id == cam_svc.find_station(session, station).id)
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
        rows = list(session.scalars(query))
        items = presenters.cameras_out(session, rows[:limit])
    return CameraPage(items=items, next_after=items[-1].serial if len(rows) > limit else None)


@router.post("/cameras", response_model=CameraOut, status_code=201, summary="Register a camera")
def create_camera(body: CameraCreate, principal: Manager) -> CameraOut:
    spec = cam_svc.CameraSpec(**body.model_dump())
    with fleet_session() as session:
        camera = cam_svc.register_camera(session, principal, spec)
        return presenters.cameras_out(session, [camera])[0]


@router.get("/cameras/{serial}", response_model=CameraDetail)
def get_camera(serial: str, principal: Reader) -> CameraDetail:
    with fleet_session() as session:
        camera = cam_svc.get_camera(session, serial)
        return presenters.camera_detail(session, camera, assign_svc.history(session, camera=camera))


@router.post("/cameras/{serial}/status", response_model=CameraDetail, summary="Change status")
def change_camera_status(serial: str, body: StatusChange, principal: Manager) -> CameraDetail:
    with fleet_session() as session:
        camera = cam_svc.get_camera(session, serial)
        dock = cam_svc.get_dock(session, body.dock) if body.dock else None
        cam_svc.change_status(
            session, principal, camera, body.status, reason=body.reason, when=body.at, dock=dock
        )
        session.flush()
        return presenters.camera_detail(session, camera, assign_svc.history(session, camera=camera))


@router.post("/cameras/{serial}/firmware", response_model=CameraOut, summary="Report firmware")
def report_camera_firmware(serial: str, body: FirmwareReportIn, principal: Manager) -> CameraOut:
    with fleet_session() as session:
        camera = cam_svc.get_camera(session, serial)
        cam_svc.report_firmware(session, principal, camera, body.version)
        return presenters.cameras_out(session, [camera])[0]


# --- docks ------------------------------------------------------------------------------------


def _dock_out(session: Session, docks: list[Dock]) -> list[DockOut]:
    ids = [d.id for d in docks]
    stations = {
        key: value
        for key, value in session.execute(
            select(Station.id, Station.name).where(
                Station.id.in_({d.station_id for d in docks if d.station_id})
            )
        )
    }
    docked = {
        dock_id: int(n)
        for dock_id, n in session.execute(
            select(Camera.last_dock_id, func.count())
            .where(Camera.status == CameraStatus.DOCKED, Camera.last_dock_id.in_(ids))
            .group_by(Camera.last_dock_id)
        )
    }
    return [
        DockOut(
            serial=d.serial,
            station=stations.get(d.station_id) if d.station_id else None,
            ports=d.ports,
            model=d.model,
            last_seen_at=d.last_seen_at,
            cameras_docked=docked.get(d.id, 0),
        )
        for d in docks
    ]


@router.get("/docks", response_model=list[DockOut])
def list_docks(principal: Reader, station: str | None = None) -> list[DockOut]:
    with fleet_session() as session:
        query = select(Dock).order_by(Dock.serial)
        if station:
            query = query.where(Dock.station_id == cam_svc.find_station(session, station).id)
        return _dock_out(session, list(session.scalars(query)))


@router.post("/docks", response_model=DockOut, status_code=201)
def create_dock(body: DockCreate, principal: Manager) -> DockOut:
    with fleet_session() as session:
        dock = cam_svc.register_dock(session, principal, **body.model_dump())
        return _dock_out(session, [dock])[0]


# --- assignments and the pool -----------------------------------------------------------------


@router.get("/assignments", response_model=list[AssignmentOut], summary="Assignment history")
def list_assignments(
    principal: Reader,
    camera: str | None = None,
    officer: str | None = None,
    open_only: bool = False,
    limit: Limit = 100,
) -> list[AssignmentOut]:
    with fleet_session() as session:
        query = select(Assignment).order_by(Assignment.started_at.desc()).limit(limit)
        if camera:
            query = query.where(Assignment.camera_id == cam_svc.get_camera(session, camera).id)
        if officer:
            query = query.where(Assignment.officer_id == cam_svc.get_officer(session, officer).id)
        if open_only:
            query = query.where(Assignment.ended_at.is_(None))
        return presenters.assignments_out(session, list(session.scalars(query)))


@router.post("/assignments", response_model=AssignmentOut, status_code=201)
def create_assignment(body: AssignmentCreate, principal: Manager) -> AssignmentOut:
    with fleet_session() as session:
        camera = cam_svc.get_camera(session, body.camera)
        officer = cam_svc.get_officer(session, body.officer)
        row = assign_svc.assign(
            session, principal, camera, officer, kind=body.kind, started_at=body.started_at
        )
        return presenters.assignments_out(session, [row])[0]


@router.post("/assignments/{assignment_id}/end", response_model=AssignmentOut)
def end_assignment(
    assignment_id: uuid.UUID, body: AssignmentEnd, principal: Manager
) -> AssignmentOut:
    with fleet_session() as session:
        row = assign_svc.end_by_id(
            session,
            principal,
            assignment_id,
            ended_at=body.ended_at,
            reason=body.reason,
            status=body.status,
        )
        return presenters.assignments_out(session, [row])[0]


@router.post("/pool/checkout", response_model=AssignmentOut, status_code=201)
def pool_checkout(body: CheckoutIn, principal: Manager) -> AssignmentOut:
    with fleet_session() as session:
        officer = cam_svc.get_officer(session, body.officer)
        station = cam_svc.find_station(session, body.station) if body.station else None
        row = assign_svc.checkout(
            session,
            principal,
            officer,
            camera_serial=body.camera,
            station_id=station.id if station else None,
        )
        return presenters.assignments_out(session, [row])[0]


@router.post("/pool/checkin", response_model=AssignmentOut)
def pool_checkin(body: CheckinIn, principal: Manager) -> AssignmentOut:
    with fleet_session() as session:
        camera = cam_svc.get_camera(session, body.camera)
        dock = cam_svc.get_dock(session, body.dock) if body.dock else None
        row = assign_svc.checkin(session, principal, camera, dock=dock)
        return presenters.assignments_out(session, [row])[0]


@router.get("/wearer", response_model=WearerOut, summary="Who wore a camera at a moment")
def get_wearer(principal: Reader, camera: str, at: datetime) -> WearerOut:
    if at.tzinfo is None:
        raise Problem(422, "Invalid request", "at must carry a UTC offset")
    with fleet_session() as session:
        cam_svc.get_camera(session, camera)
        row = assign_svc.assignment_at(session, camera, at)
        user = session.get(User, row.officer_id) if row else None
        officer = presenters.officers_out(session, [user])[0] if user else None
        return WearerOut(camera=camera, at=at, officer=officer, assignment=row.id if row else None)


# --- officers ---------------------------------------------------------------------------------


@router.get("/officers", response_model=OfficerPage, summary="Officers (personal data)")
def list_officers(
    principal: Reader,
    borough: str | None = None,
    team: str | None = None,
    q: str | None = Query(None, max_length=64, description="username or warrant starts with"),
    after: str | None = Query(None, max_length=64, description="the last username of a page"),
    limit: Limit = 100,
) -> OfficerPage:
    with fleet_session() as session:
        query = (
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == "officer")
            .order_by(User.username)
            .limit(limit + 1)
        )
        code = _borough_code(session, borough)
        if code:
            query = query.where(User.borough == code)
        if team:
            query = query.join(Team, Team.id == User.team_id).where(Team.name == team)
        if q:
            query = query.where(
                User.username.startswith(q, autoescape=True)
                | User.warrant_number.startswith(q, autoescape=True)
            )
        if after:
            query = query.where(User.username > after)
        users = list(session.scalars(query))
        items = presenters.officers_out(session, users[:limit])
    return OfficerPage(items=items, next_after=items[-1].username if len(users) > limit else None)


@router.get("/officers/{reference}", response_model=OfficerOut)
def get_officer(reference: str, principal: Reader) -> OfficerOut:
    with fleet_session() as session:
        return presenters.officers_out(session, [cam_svc.get_officer(session, reference)])[0]


@router.post("/officers/{reference}/training", response_model=OfficerOut)
def record_officer_training(reference: str, body: TrainingIn, principal: Manager) -> OfficerOut:
    with fleet_session() as session:
        officer = cam_svc.get_officer(session, reference)
        rollout.record_training(session, principal, officer, body.trained_on)
        session.flush()
        return presenters.officers_out(session, [officer])[0]
