"""Writing simulated outcomes (`simulate.outcomes`) into the platform through its services, so
the evaluation reads them as it reads real data: each changing borough's roll-out phase (unless
the force already has phases), the monthly counts (labelled simulated), one complaint per
allegation and the cases' outcomes. Idempotent per (borough, month) for counts; complaints and
cases get fresh references each run."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from openbwv.access.policy import roles
from openbwv.access.principal import Principal
from openbwv.analytics.complaints import service as complaints
from openbwv.analytics.evaluation import service as counts
from openbwv.cases import service as cases
from openbwv.fleet.errors import FleetConflict
from openbwv.fleet.rollout import service as rollout
from openbwv.simulate.outcomes import Cell, SimulatedOutcomes

LOADER = Principal(
    id=uuid.UUID(int=17),
    name="simulator",
    kind="system",
    scope="force",
    permissions=frozenset(
        {
            roles.CASE_CREATE,
            roles.CASE_MANAGE,
            roles.COMPLAINTS_MANAGE,
            roles.ANALYTICS_IMPORT,
            roles.FLEET_MANAGE,
        }
    ),
)
SOURCE = "simulated"
LOSING = ("guilty_plea_at_trial", "convicted_after_trial", "acquitted")


@dataclass
class Loaded:
    phases: int = 0
    counts: int = 0
    complaints: int = 0
    cases: int = 0


def _noon(month: date, day: int) -> datetime:
    return datetime(month.year, month.month, 1, 12, tzinfo=UTC) + timedelta(days=day % 27)


def load(session: Session, sim: SimulatedOutcomes, *, phases: bool = True) -> Loaded:
    """Everything the simulation drew; `phases=False` when the force's own phases date the
    changes (the demo's)."""
    loaded = Loaded()
    run = uuid.uuid4().hex[:6].upper()
    if phases:
        loaded.phases = _phases(session, sim)
    rows = []
    for (borough, month), cell in sim.cells.items():
        for measure, value in (
            ("officers", cell.officers),
            ("use_of_force", cell.use_of_force),
            ("stop_search", cell.stop_search),
            ("stop_search_arrests", cell.arrests),
        ):
            rows.append(counts.CountRow(borough, month, measure, value))
        loaded.complaints += _complaints(session, run, borough, month, cell)
        loaded.cases += _cases(session, run, borough, month, cell)
    loaded.counts = counts.put_counts(session, LOADER, rows, source=SOURCE, simulated=True)
    return loaded


def _phases(session: Session, sim: SimulatedOutcomes) -> int:
    made = 0
    for borough, change in sim.changes.items():
        if change is None:
            continue
        spec = rollout.PhaseSpec(
            borough=borough,
            name=f"Simulated roll-out {change:%Y-%m}",
            starts_on=change,
            target_date=change,
            cameras_to_issue=0,
            officers_to_train=0,
            notes="simulated (bwv demo / tests): dates the change for the evaluation",
        )
        try:
            rollout.add_phase(session, LOADER, spec)
            made += 1
        except FleetConflict:
            pass  # already there from an earlier run
    return made


def _complaints(session: Session, run: str, borough: str, month: date, cell: Cell) -> int:
    for n in range(cell.allegations):
        when = _noon(month, n)
        spec = complaints.ComplaintSpec(
            reference=f"SIM/{run}/{borough[-3:]}/{month:%Y%m}/{n}",
            received_on=(when + timedelta(days=1)).date(),
            allegations=["oppressive_behaviour" if n % 3 else "use_of_force"],
            borough=borough,
            occurred_from=when,
            occurred_to=when + timedelta(minutes=20),
            summary="Simulated complaint.",
            simulated=True,
        )
        complaints.create_complaint(session, LOADER, spec)
    return cell.allegations


def _cases(session: Session, run: str, borough: str, month: date, cell: Cell) -> int:
    made = 0
    for n in range(cell.court_outcomes):
        outcome = "early_guilty_plea" if n < cell.early_pleas else LOSING[n % len(LOSING)]
        case = _case(session, run, borough, month, "C", n)
        cases.set_outcome(
            session,
            LOADER,
            case,
            outcome,
            decided_at=_noon(month, n),
            domestic_abuse=False,
            source_ip=None,
        )
        made += 1
    for n in range(cell.da_decisions):
        case = _case(session, run, borough, month, "D", n)
        when = _noon(month, n)
        if n < cell.da_charged:
            cases.set_outcome(
                session,
                LOADER,
                case,
                "charged",
                decided_at=when,
                domestic_abuse=True,
                source_ip=None,
            )
        else:
            cases.set_outcome(
                session, LOADER, case, None, decided_at=None, domestic_abuse=True, source_ip=None
            )
            cases.set_stage(
                session, LOADER, case, "no_further_action", decided_at=when, source_ip=None
            )
        made += 1
    return made


def _case(session: Session, run: str, borough: str, month: date, kind: str, n: int) -> Any:
    return cases.create_case(
        session,
        LOADER,
        crime_reference=f"SIM-{run}-{borough[-3:]}-{month:%y%m}-{kind}{n}",
        title="Simulated case",
        cad_number=None,
        borough=borough,
        source_ip=None,
    )
