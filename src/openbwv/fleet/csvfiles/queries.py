"""Reading officers and cameras as rows of the CSV format (for export)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwv.access.models import User, UserRole
from openbwv.fleet.models import Assignment, Camera
from openbwv.fleet.rollout.queries import training_dates
from openbwv.organisation import queries as organisation

Row = dict[str, str | None]


def officer_rows(session: Session) -> list[Row]:
    teams = organisation.team_names(session)
    trained = training_dates(session)
    users = session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "officer")
        .order_by(User.warrant_number, User.username)
    )
    return [
        {
            "warrant_number": u.warrant_number,
            "display_name": u.display_name,
            "borough": u.borough,
            "username": u.username,
            "shoulder_number": u.shoulder_number,
            "team": teams.get(u.team_id) if u.team_id else None,
            "email": u.email,
            "trained_on": trained[u.id].isoformat() if u.id in trained else None,
        }
        for u in users
    ]


def camera_rows(session: Session) -> list[Row]:
    stations = organisation.station_names(session)
    holders = {
        camera_id: warrant or username
        for camera_id, warrant, username in session.execute(
            select(Assignment.camera_id, User.warrant_number, User.username)
            .join(User, User.id == Assignment.officer_id)
            .where(Assignment.ended_at.is_(None))
        )
    }
    return [
        {
            "serial": c.serial,
            "model": c.model,
            "firmware_version": c.firmware_version,
            "borough": c.home_borough,
            "station": stations.get(c.station_id) if c.station_id else None,
            "pool": "yes" if c.pool else "no",
            "status": c.status,
            "assigned_to": holders.get(c.id),
        }
        for c in session.scalars(select(Camera).order_by(Camera.serial))
    ]


EXPORTS = {"officers": officer_rows, "cameras": camera_rows}
