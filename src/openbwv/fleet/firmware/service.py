"""Changing firmware: registering versions, creating and cancelling staged update plans, and
what cameras report (installed, failed).

(How plans and stages work: the package's docstring.)
"""

from __future__ import annotations

import hashlib
import math
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from openbwv.access.principal import Principal
from openbwv.audit.events import record
from openbwv.fleet.errors import FleetConflict, FleetError
from openbwv.fleet.firmware import queries
from openbwv.fleet.models import (
    Camera,
    CameraStatus,
    FirmwarePlan,
    FirmwareStage,
    FirmwareTarget,
    FirmwareTargetStatus,
    FirmwareVersion,
)
from openbwv.organisation.queries import resolve_borough
from openbwv.timeutil import utcnow

T = FirmwareTargetStatus
OUT_OF_SERVICE = (CameraStatus.RETIRED, CameraStatus.LOST)


def register_version(
    session: Session,
    actor: Principal,
    *,
    model: str,
    version: str,
    released_on: date | None = None,
    notes: str | None = None,
) -> FirmwareVersion:
    exists = session.scalar(
        select(FirmwareVersion.id).where(
            FirmwareVersion.model == model, FirmwareVersion.version == version
        )
    )
    if exists:
        raise FleetConflict(f"firmware {version} for {model} is already registered")
    row = FirmwareVersion(model=model, version=version, released_on=released_on, notes=notes)
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        "fleet.firmware.register",
        target_type="firmware",
        target_id=f"{model}/{version}"[:128],
        details={"released_on": released_on.isoformat() if released_on else None},
    )
    return row


@dataclass
class StageSpec:
    percent: int
    scheduled_at: datetime
    borough: str | None = None  # GSS code or name; None: the whole force


def _order_key(plan_name: str, serial: str) -> str:
    return hashlib.sha256(f"{plan_name}\x00{serial}".encode()).hexdigest()


def _validate_stages(stages: list[StageSpec]) -> None:
    if not stages:
        raise FleetError("a plan needs at least one stage")
    last: dict[str | None, tuple[int, datetime]] = {}
    for index, stage in enumerate(stages, start=1):
        if not 0 < stage.percent <= 100:
            raise FleetError(f"stage {index}: percent must be between 1 and 100")
        if stage.scheduled_at.tzinfo is None:
            raise FleetError(f"stage {index}: scheduled_at needs a UTC offset")
        previous = last.get(stage.borough)
        if previous and (stage.percent < previous[0] or stage.scheduled_at < previous[1]):
            raise FleetError(
                f"stage {index}: percentages are cumulative per scope and stages run in order"
            )
        last[stage.borough] = (stage.percent, stage.scheduled_at)


def _check_new_plan(session: Session, name: str, model: str, target_version: str) -> None:
    if session.scalar(select(FirmwarePlan.id).where(FirmwarePlan.name == name)):
        raise FleetConflict(f"a firmware plan named {name!r} already exists")
    if not session.scalar(
        select(FirmwareVersion.id).where(
            FirmwareVersion.model == model, FirmwareVersion.version == target_version
        )
    ):
        raise FleetError(f"firmware {target_version} for {model} is not registered")


def _eligible(session: Session, plan: FirmwarePlan) -> list[Row[uuid.UUID, str, str | None]]:
    """The plan's model's cameras in service not yet on its version, in the plan's stable order."""
    eligible = list(
        session.execute(
            select(Camera.id, Camera.serial, Camera.home_borough).where(
                Camera.model == plan.model,
                Camera.status.not_in(list(OUT_OF_SERVICE)),
                func.coalesce(Camera.firmware_version, "") != plan.target_version,
            )
        )
    )
    eligible.sort(key=lambda row: _order_key(plan.name, row.serial))
    return eligible


def _add_stages(session: Session, plan: FirmwarePlan, stages: list[StageSpec]) -> int:
    """Each stage with its share of the cameras in its scope; returns how many are targeted."""
    eligible = _eligible(session, plan)
    chosen: set[uuid.UUID] = set()
    for ordinal, spec in enumerate(stages, start=1):
        stage = FirmwareStage(
            plan_id=plan.id,
            ordinal=ordinal,
            borough=spec.borough,
            percent=spec.percent,
            scheduled_at=spec.scheduled_at,
        )
        session.add(stage)
        session.flush()
        scope = [r for r in eligible if spec.borough is None or r.home_borough == spec.borough]
        wanted = math.ceil(len(scope) * spec.percent / 100) - sum(r.id in chosen for r in scope)
        for row in [r for r in scope if r.id not in chosen][: max(wanted, 0)]:
            chosen.add(row.id)
            session.add(FirmwareTarget(plan_id=plan.id, camera_id=row.id, stage_id=stage.id))
    session.flush()
    return len(chosen)


def create_plan(
    session: Session,
    actor: Principal,
    *,
    name: str,
    model: str,
    target_version: str,
    stages: list[StageSpec],
) -> FirmwarePlan:
    _check_new_plan(session, name, model, target_version)
    stages = [
        StageSpec(
            s.percent,
            s.scheduled_at,
            resolve_borough(session, s.borough).gss_code if s.borough else None,
        )
        for s in stages
    ]
    _validate_stages(stages)
    plan = FirmwarePlan(
        name=name, model=model, target_version=target_version, created_by=actor.name[:128]
    )
    session.add(plan)
    session.flush()
    targets = _add_stages(session, plan, stages)
    record(
        session,
        actor,
        "fleet.firmware.plan",
        target_type="firmware_plan",
        target_id=str(plan.id),
        details={
            "name": name,
            "model": model,
            "version": target_version,
            "stages": len(stages),
            "cameras": targets,
        },
    )
    return plan


def cancel_plan(session: Session, actor: Principal, plan: FirmwarePlan) -> None:
    if plan.cancelled_at is not None:
        raise FleetConflict("this plan is already cancelled")
    plan.cancelled_at = utcnow()
    for target in session.scalars(
        select(FirmwareTarget).where(
            FirmwareTarget.plan_id == plan.id, FirmwareTarget.status == T.PENDING
        )
    ):
        target.status = T.SKIPPED
        target.detail = "plan cancelled"
        target.updated_at = plan.cancelled_at
    record(
        session, actor, "fleet.firmware.cancel", target_type="firmware_plan", target_id=str(plan.id)
    )


def mark_installed(session: Session, camera: Camera, version: str) -> int:
    """Targets of live plans for this version become installed; returns how many."""
    now = utcnow()
    changed = 0
    for target in session.scalars(
        select(FirmwareTarget)
        .join(FirmwarePlan, FirmwarePlan.id == FirmwareTarget.plan_id)
        .where(
            FirmwareTarget.camera_id == camera.id,
            FirmwareTarget.status.in_([T.PENDING, T.FAILED]),
            FirmwarePlan.target_version == version,
            FirmwarePlan.cancelled_at.is_(None),
        )
    ):
        target.status = T.INSTALLED
        target.updated_at = now
        target.detail = None
        changed += 1
    return changed


def report_failure(
    session: Session, actor: Principal, plan: FirmwarePlan, camera_serial: str, detail: str
) -> None:
    """A dock reports that a camera in the plan failed to install its version."""
    camera, target = queries.plan_target(session, plan, camera_serial)
    target.status = T.FAILED
    target.detail = detail[:255]
    target.updated_at = utcnow()
    record(
        session,
        actor,
        "fleet.firmware.failed",
        target_type="camera",
        target_id=camera.serial,
        details={"plan": str(plan.id), "detail": detail[:255]},
    )
