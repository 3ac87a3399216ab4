"""Fleet endpoints under /api/v1/fleet: cameras, docks, assignments, pool, officers, wearers.

Reading needs `fleet.read` (officers' personal fields are only ever served here), changing needs
`fleet.manage`; every change is recorded in the audit log by the service that makes it.
Firmware, the roll-out and CSV files have their own endpoints, on the same router.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import Query

from openbwv.api.problems import Problem
from openbwv.fleet.cameras import presenters, queries, service
from openbwv.fleet.http import Limit, Manager, Reader, fleet_session, router
from openbwv.fleet.models import CameraStatus
from openbwv.fleet.rollout.service import record_training
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
        rows = queries.list_cameras(
            session,
            status=status,
            borough=borough,
            station=station,
            model=model,
            firmware=firmware,
            pool=pool,
            q=q,
            after=after,
            limit=limit + 1,
        )
        items = presenters.cameras_out(session, rows[:limit])
    return CameraPage(items=items, next_after=items[-1].serial if len(rows) > limit else None)


@router.post("/cameras", response_model=CameraOut, status_code=201, summary="Register a camera")
def create_camera(body: CameraCreate, principal: Manager) -> CameraOut:
    spec = service.CameraSpec(**body.model_dump())
    with fleet_session() as session:
        camera = service.register_camera(session, principal, spec)
        return presenters.cameras_out(session, [camera])[0]


@router.get("/cameras/{serial}", response_model=CameraDetail)
def get_camera(serial: str, principal: Reader) -> CameraDetail:
    with fleet_session() as session:
        camera = queries.get_camera(session, serial)
        return presenters.camera_detail(session, camera, queries.history(session, camera=camera))


@router.post("/cameras/{serial}/status", response_model=CameraDetail, summary="Change status")
def change_camera_status(serial: str, body: StatusChange, principal: Manager) -> CameraDetail:
    with fleet_session() as session:
        camera = queries.get_camera(session, serial)
        dock = queries.get_dock(session, body.dock) if body.dock else None
        service.change_status(
            session, principal, camera, body.status, reason=body.reason, when=body.at, dock=dock
        )
        session.flush()
        return presenters.camera_detail(session, camera, queries.history(session, camera=camera))


@router.post("/cameras/{serial}/firmware", response_model=CameraOut, summary="Report firmware")
def report_camera_firmware(serial: str, body: FirmwareReportIn, principal: Manager) -> CameraOut:
    with fleet_session() as session:
        camera = queries.get_camera(session, serial)
        service.report_firmware(session, principal, camera, body.version)
        return presenters.cameras_out(session, [camera])[0]


# --- docks ------------------------------------------------------------------------------------


@router.get("/docks", response_model=list[DockOut])
def list_docks(principal: Reader, station: str | None = None) -> list[DockOut]:
    with fleet_session() as session:
        return presenters.docks_out(session, queries.list_docks(session, station))


@router.post("/docks", response_model=DockOut, status_code=201)
def create_dock(body: DockCreate, principal: Manager) -> DockOut:
    with fleet_session() as session:
        dock = service.register_dock(session, principal, **body.model_dump())
        return presenters.docks_out(session, [dock])[0]


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
        rows = queries.history(
            session,
            camera=queries.get_camera(session, camera) if camera else None,
            officer=queries.get_officer(session, officer) if officer else None,
            open_only=open_only,
            limit=limit,
        )
        return presenters.assignments_out(session, rows)


@router.post("/assignments", response_model=AssignmentOut, status_code=201)
def create_assignment(body: AssignmentCreate, principal: Manager) -> AssignmentOut:
    with fleet_session() as session:
        camera = queries.get_camera(session, body.camera)
        officer = queries.get_officer(session, body.officer)
        row = service.assign(
            session, principal, camera, officer, kind=body.kind, started_at=body.started_at
        )
        return presenters.assignments_out(session, [row])[0]


@router.post("/assignments/{assignment_id}/end", response_model=AssignmentOut)
def end_assignment(
    assignment_id: uuid.UUID, body: AssignmentEnd, principal: Manager
) -> AssignmentOut:
    with fleet_session() as session:
        row = service.end_by_id(
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
        officer = queries.get_officer(session, body.officer)
        station = queries.find_station(session, body.station) if body.station else None
        row = service.checkout(
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
        camera = queries.get_camera(session, body.camera)
        dock = queries.get_dock(session, body.dock) if body.dock else None
        row = service.checkin(session, principal, camera, dock=dock)
        return presenters.assignments_out(session, [row])[0]


@router.get("/wearer", response_model=WearerOut, summary="Who wore a camera at a moment")
def get_wearer(principal: Reader, camera: str, at: datetime) -> WearerOut:
    if at.tzinfo is None:
        raise Problem(422, "Invalid request", "at must carry a UTC offset")
    with fleet_session() as session:
        queries.get_camera(session, camera)
        row = queries.assignment_at(session, camera, at)
        user = queries.officer_by_id(session, row.officer_id) if row else None
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
        users = queries.list_officers(
            session, borough=borough, team=team, q=q, after=after, limit=limit + 1
        )
        items = presenters.officers_out(session, users[:limit])
    return OfficerPage(items=items, next_after=items[-1].username if len(users) > limit else None)


@router.get("/officers/{reference}", response_model=OfficerOut)
def get_officer(reference: str, principal: Reader) -> OfficerOut:
    with fleet_session() as session:
        return presenters.officers_out(session, [queries.get_officer(session, reference)])[0]


@router.post("/officers/{reference}/training", response_model=OfficerOut)
def record_officer_training(reference: str, body: TrainingIn, principal: Manager) -> OfficerOut:
    with fleet_session() as session:
        officer = queries.get_officer(session, reference)
        record_training(session, principal, officer, body.trained_on)
        session.flush()
        return presenters.officers_out(session, [officer])[0]
