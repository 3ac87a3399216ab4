"""Turning fleet rows into API shapes (presenters), with the few look-ups they need done in bulk."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwv.access.models import User
from openbwv.fleet.cameras import TRANSITIONS
from openbwv.fleet.firmware import due_version
from openbwv.fleet.models import Assignment, Camera, Dock, OfficerTraining, Station, Team
from openbwv.fleet.schemas import AssignmentOut, CameraDetail, CameraOut, OfficerOut


def _station_names(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    return {
        key: value
        for key, value in session.execute(
            select(Station.id, Station.name).where(Station.id.in_(ids))
        )
    }


def _team_names(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    return {
        key: value
        for key, value in session.execute(select(Team.id, Team.name).where(Team.id.in_(ids)))
    }


def officers_out(session: Session, users: Sequence[User]) -> list[OfficerOut]:
    ids = [u.id for u in users]
    teams = _team_names(session, {u.team_id for u in users if u.team_id})
    cameras = {
        key: value
        for key, value in session.execute(
            select(Assignment.officer_id, Camera.serial)
            .join(Camera, Camera.id == Assignment.camera_id)
            .where(Assignment.officer_id.in_(ids), Assignment.ended_at.is_(None))
        )
    }
    trained = {
        key: value
        for key, value in session.execute(
            select(OfficerTraining.user_id, OfficerTraining.trained_on).where(
                OfficerTraining.user_id.in_(ids)
            )
        )
    }
    result = []
    for user in users:
        out = OfficerOut.model_validate(user)
        out.team = teams.get(user.team_id) if user.team_id else None
        out.camera = cameras.get(user.id)
        out.trained_on = trained.get(user.id)
        result.append(out)
    return result


def assignments_out(session: Session, rows: Sequence[Assignment]) -> list[AssignmentOut]:
    users = (
        {
            u.id: u
            for u in session.scalars(select(User).where(User.id.in_({a.officer_id for a in rows})))
        }
        if rows
        else {}
    )
    officers = {o.id: o for o in officers_out(session, list(users.values()))}
    serials = (
        {
            key: value
            for key, value in session.execute(
                select(Camera.id, Camera.serial).where(Camera.id.in_({a.camera_id for a in rows}))
            )
        }
        if rows
        else {}
    )
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
    ids = [c.id for c in cameras]
    stations = _station_names(session, {c.station_id for c in cameras if c.station_id})
    docks = {
        d.id: d.serial
        for d in session.scalars(
            select(Dock).where(Dock.id.in_({c.last_dock_id for c in cameras if c.last_dock_id}))
        )
    }
    open_rows = (
        list(
            session.scalars(
                select(Assignment).where(
                    Assignment.camera_id.in_(ids), Assignment.ended_at.is_(None)
                )
            )
        )
        if ids
        else []
    )
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
