"""Fleet test helpers: officers and cameras from the shared factories, and assignments."""

from __future__ import annotations

import uuid
from datetime import datetime

from openbwv.db.session import unit_of_work
from openbwv.fleet.cameras import queries as camera_queries
from openbwv.fleet.cameras import service as camera_service
from tests.support import factories

ACTOR = factories.FLEET_ACTOR
unique = factories.unique
officer = factories.officer
camera = factories.camera


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
