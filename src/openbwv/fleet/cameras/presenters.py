"""Turning fleet rows into API shapes, with the few look-ups they need done in bulk (through the
domains' query functions: nothing here runs a query itself)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from openbwv.access.models import User
from openbwv.fleet.cameras import queries
from openbwv.fleet.cameras.lifecycle import TRANSITIONS
from openbwv.fleet.firmware.queries import due_version
from openbwv.fleet.models import Assignment, Camera, Dock
from openbwv.fleet.rollout.queries import training_dates
from openbwv.fleet.schemas import AssignmentOut, CameraDetail, CameraOut, DockOut, OfficerOut
from openbwv.organisation import queries as organisation


def officers_out(session: Session, users: Sequence[User]) -> list[OfficerOut]:
    ids = [u.id for u in users]
    teams = organisation.team_names(session, {u.team_id for u in users if u.team_id})
    cameras = queries.cameras_held(session, ids)
    trained = training_dates(session, ids)
    result = []
    for user in users:
        out = OfficerOut.model_validate(user)
        out.team = teams.get(user.team_id) if user.team_id else None
        out.camera = cameras.get(user.id)
        out.trained_on = trained.get(user.id)
        result.append(out)
    return result


def assignments_out(session: Session, rows: Sequence[Assignment]) -> list[AssignmentOut]:
    users = queries.users_by_id(session, {a.officer_id for a in rows})
    officers = {o.id: o for o in officers_out(session, list(users.values()))}
    serials = queries.camera_serials(session, {a.camera_id for a in rows})
    return [
        AssignmentOut(
            id=a.id,
            camera=serials[a.camera_id],
            officer=officers[a.officer_id],
            kind=a.kind,
            started_at=a.started_at,
            ended_at=a.ended_at,
            started_by=a.started_by,
            ended_by=a.ended_by,
            end_reason=a.end_reason,
        )
        for a in rows
    ]


def cameras_out(session: Session, cameras: Sequence[Camera]) -> list[CameraOut]:
    stations = organisation.station_names(session, {c.station_id for c in cameras if c.station_id})
    docks = queries.dock_serials(session, {c.last_dock_id for c in cameras})
    open_rows = queries.open_assignments(session, [c.id for c in cameras])
    holders = {
        a.camera_id: out
        for a, out in zip(open_rows, assignments_out(session, open_rows), strict=True)
    }
    return [
        CameraOut(
            serial=c.serial,
            model=c.model,
            firmware_version=c.firmware_version,
            status=c.status,
            home_borough=c.home_borough,
            station=stations.get(c.station_id) if c.station_id else None,
            pool=c.pool,
            status_changed_at=c.status_changed_at,
            first_issued_at=c.first_issued_at,
            last_seen_at=c.last_seen_at,
            last_dock=docks.get(c.last_dock_id) if c.last_dock_id else None,
            holder=holders.get(c.id),
        )
        for c in cameras
    ]


def camera_detail(session: Session, camera: Camera, history: Sequence[Assignment]) -> CameraDetail:
    base = cameras_out(session, [camera])[0]
    return CameraDetail(
        **base.model_dump(exclude={"holder"}),
        holder=base.holder,
        history=assignments_out(session, history),
        firmware_due=due_version(session, camera),
        allowed_status=sorted(TRANSITIONS[camera.status]),
    )


def docks_out(session: Session, docks: Sequence[Dock]) -> list[DockOut]:
    stations = organisation.station_names(session, {d.station_id for d in docks if d.station_id})
    docked = queries.docked_counts(session, [d.id for d in docks])
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
