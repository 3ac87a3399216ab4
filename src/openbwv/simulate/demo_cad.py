"""The demo's CAD incidents, so the incident and compliance pages show something on `make run`:
the incidents the simulated officers recorded together, imported through the incidents service
as a CAD integration would send them, with late starts, early stops and team-mates who attended
without recording (`simulate.cad.from_recordings`). Labelled as simulated: numbers start SIM."""

from __future__ import annotations

import random
import uuid

from openbwv.access.policy import roles
from openbwv.access.principal import Principal
from openbwv.config import Settings
from openbwv.db.session import unit_of_work
from openbwv.incidents import service
from openbwv.incidents.cadrows import check_rows
from openbwv.simulate import cad
from openbwv.simulate.runner import Simulation

CAD_FEED = Principal(
    id=uuid.UUID(int=16),
    name="demo CAD feed (simulated)",
    kind="system",
    permissions=frozenset({roles.INCIDENTS_IMPORT}),
)


def cad_demo(simulation: Simulation, *, seed: int, settings: Settings) -> list[str]:
    recordings = [r for dock in simulation.docks for r in dock.recordings]
    rows = cad.from_recordings(random.Random(seed), recordings, prefix=f"SIM{seed:04d}-")
    if not rows:
        return ["No incidents were recorded together this time: no CAD incidents."]
    checked = check_rows(enumerate(rows, start=1))
    with unit_of_work(settings) as session:
        report = service.apply_rows(session, CAD_FEED, checked, partial=True, source="push")
    return [
        f"Simulated CAD: {report.incidents} incidents, {report.applied} attending officers "
        f"({report.rejected} rejected), matched to their recordings. See /compliance and "
        "/incidents (as sergeant.demo)."
    ]
