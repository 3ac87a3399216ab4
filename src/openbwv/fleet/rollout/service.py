"""Planning the roll-out: phases per borough, and officers' training."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwv.access.models import User
from openbwv.access.principal import Principal
from openbwv.audit.events import record
from openbwv.fleet.errors import FleetConflict, FleetError, FleetNotFound
from openbwv.fleet.models import OfficerTraining, RolloutPhase
from openbwv.organisation.queries import resolve_borough
from openbwv.timeutil import utcnow


@dataclass
class PhaseSpec:
    borough: str  # GSS code or name
    name: str
    starts_on: date
    target_date: date
    cameras_to_issue: int
    officers_to_train: int
    notes: str | None = None


def add_phase(session: Session, actor: Principal, spec: PhaseSpec) -> RolloutPhase:
    borough = resolve_borough(session, spec.borough).gss_code
    if spec.target_date < spec.starts_on:
        raise FleetError("a phase's target date cannot be before its start")
    if spec.cameras_to_issue < 0 or spec.officers_to_train < 0:
        raise FleetError("targets cannot be negative")
    if not spec.name.strip() or len(spec.name) > 100:
        raise FleetError("a phase needs a name of 1–100 characters")
    if session.scalar(
        select(RolloutPhase.id).where(
            RolloutPhase.borough == borough, RolloutPhase.name == spec.name
        )
    ):
        raise FleetConflict(f"{borough} already has a phase named {spec.name!r}")
    phase = RolloutPhase(
        borough=borough,
        name=spec.name,
        starts_on=spec.starts_on,
        target_date=spec.target_date,
        cameras_to_issue=spec.cameras_to_issue,
        officers_to_train=spec.officers_to_train,
        notes=spec.notes,
    )
    session.add(phase)
    session.flush()
    record(
        session,
        actor,
        "fleet.rollout.phase",
        target_type="rollout_phase",
        target_id=str(phase.id),
        details={
            "borough": borough,
            "name": spec.name,
            "target": spec.target_date.isoformat(),
            "cameras": spec.cameras_to_issue,
            "officers": spec.officers_to_train,
        },
    )
    return phase


def delete_phase(session: Session, actor: Principal, phase_id: object) -> None:
    phase = session.get(RolloutPhase, phase_id)
    if phase is None:
        raise FleetNotFound("no such roll-out phase")
    record(
        session,
        actor,
        "fleet.rollout.phase_delete",
        target_type="rollout_phase",
        target_id=str(phase.id),
        details={"borough": phase.borough, "name": phase.name},
    )
    session.delete(phase)


def record_training(
    session: Session, actor: Principal, officer: User, trained_on: date
) -> OfficerTraining:
    if trained_on > utcnow().date():
        raise FleetError("training cannot be recorded for a future date")
    row = session.get(OfficerTraining, officer.id)
    if row is None:
        row = OfficerTraining(user_id=officer.id, trained_on=trained_on)
        session.add(row)
    row.trained_on = trained_on
    row.recorded_by = actor.name[:128]
    record(
        session,
        actor,
        "fleet.officer.trained",
        target_type="user",
        target_id=str(officer.id),
        details={"trained_on": trained_on.isoformat()},
    )
    return row
