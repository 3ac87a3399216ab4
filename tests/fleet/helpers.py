"""Making officers and cameras for fleet tests (unique per call, so tests share a database)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from openbwv.access.admin.service import UserSpec, create_user
from openbwv.access.policy.roles import FLEET_MANAGE, FLEET_READ
from openbwv.access.principal import Principal
from openbwv.db.session import unit_of_work
from openbwv.fleet.cameras import queries as camera_queries
from openbwv.fleet.cameras import service as camera_service

ACTOR = Principal(
    id=uuid.UUID(int=99),
    name="fleet-test",
    kind="system",
    permissions=frozenset({FLEET_READ, FLEET_MANAGE}),
)


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10].upper()}"


def officer(borough: str = "E09000007", team: str | None = "Response A") -> Any:
    """A new officer (user with the officer role and a warrant number); detached."""
    warrant = unique("W")
    with unit_of_work() as session:
        user = create_user(
            session,
            UserSpec(
                username=warrant.lower(),
                display_name="PC Test",
                roles=["officer"],
                borough=borough,
                team=team,
                warrant_number=warrant,
                shoulder_number="123CK",
            ),
        )
        session.expunge(user)
    return user


def camera(
    *,
    pool: bool = False,
    borough: str | None = "E09000007",
    model: str = "Axis W110",
    firmware: str | None = None,
    status: str = "in_stock",
) -> str:
    """A new camera; returns its serial."""
    serial = unique("CAM-")
    with unit_of_work() as session:
        camera_service.register_camera(
            session,
            ACTOR,
            camera_service.CameraSpec(
                serial=serial,
                model=model,
                borough=borough,
                pool=pool,
                firmware_version=firmware,
                status=status,
            ),
        )
    return serial


def assign(
    serial: str, warrant: str, *, started_at: datetime | None = None, kind: str = "permanent"
) -> uuid.UUID:
    with unit_of_work() as session:
        row = camera_service.assign(
            session,
            ACTOR,
            camera_queries.get_camera(session, serial),
            camera_queries.get_officer(session, warrant),
            kind=kind,
            started_at=started_at,
        )
        return row.id


def unassign(serial: str, *, ended_at: datetime | None = None) -> None:
    with unit_of_work() as session:
        camera_service.unassign(
            session, ACTOR, camera_queries.get_camera(session, serial), ended_at=ended_at
        )


def status_of(serial: str) -> str:
    with unit_of_work() as session:
        return camera_queries.get_camera(session, serial).status
