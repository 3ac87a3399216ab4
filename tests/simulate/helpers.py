"""A slice of a force for the simulator (unique per call: tests share a database)."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

from openbwv.access.admin.service import UserSpec, create_user
from openbwv.access.policy.roles import FLEET_MANAGE, FLEET_READ
from openbwv.access.principal import Principal
from openbwv.db.session import unit_of_work
from openbwv.fleet.cameras import service as camera_service
from openbwv.timeutil import utcnow
from tests.support import factories

ACTOR = Principal(
    id=uuid.UUID(int=98),
    name="simulator-test",
    kind="system",
    permissions=frozenset({FLEET_READ, FLEET_MANAGE}),
)


def unique(prefix: str) -> str:
    return factories.unique(prefix, 8)


def force_slice(borough: str, stations: int, per_station: int) -> dict[str, dict[str, str]]:
    """Officers holding personal cameras at new stations; serial → officer's details."""
    made: dict[str, dict[str, str]] = {}
    tag = unique("SIM")
    with unit_of_work() as session:
        for s in range(stations):
            station = camera_service.ensure_station(session, borough, f"{tag} Station {s}")
            for n in range(per_station):
                warrant = unique("W")
                team = f"{tag} Response {'AB'[n % 2]}"  # early and late shifts
                officer = create_user(
                    session,
                    UserSpec(
                        username=warrant.lower(),
                        display_name=f"PC Sim {n}",
                        roles=["officer"],
                        borough=borough,
                        team=team,
                        warrant_number=warrant,
                    ),
                )
                serial = unique("AXS-")
                camera = camera_service.register_camera(
                    session,
                    ACTOR,
                    camera_service.CameraSpec(
                        serial=serial, model="Axis W110", borough=borough, station=station.name
                    ),
                )
                began = utcnow() - timedelta(days=5)
                camera_service.assign(session, ACTOR, camera, officer, started_at=began)
                made[serial] = {"warrant": warrant, "team": team, "station": station.name}
    return made


def connections(live_server: str) -> dict[str, dict[str, Any]]:
    """A plain and an end-to-end encrypted body worn system account, as an administrator
    makes them."""
    from openbwv.ingest.axis.connection import create_connection

    found = {}
    for kind, encryption in (("plain", False), ("e2e", True)):
        with unit_of_work() as session:
            made = create_connection(
                session, urls=[live_server], name=unique(f"sim-{kind}-"), encryption=encryption
            )
        found[kind] = dict(json.loads(made.to_json()))
    return found
