"""Firmware: versions per camera model, which cameras run what, and staged update plans.

A plan updates one model to one version in stages. Each stage names a scope (a borough, or the
whole force) and a cumulative percentage of the cameras in that scope, due from a time: e.g. 5 %
of Camden on Monday, 100 % of Camden on Wednesday, 25 % of the force the week after. The
cameras chosen for a stage are the first ones in an order fixed by hashing the plan's name with
each serial, so the choice is stable, spread across stations and the same if recomputed.
A camera's target is `installed` once it reports the version.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openbwv.access.admin.queries import resolve_borough
from openbwv.access.principal import Principal
from openbwv.audit.events import record
from openbwv.fleet.errors import FleetConflict, FleetError, FleetNotFound
from openbwv.fleet.models import (
    Camera,
    CameraStatus,
    FirmwarePlan,
    FirmwareStage,
    FirmwareTarget,
    FirmwareTargetStatus,
    FirmwareVersion,
)
from openbwv.timeutil import isoformat_z, utcnow

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
class VersionCount:
    model: str
    version: str | None
    released_on: date | None
    registered: bool
    cameras: int


def versions_in_use(session: Session) -> list[VersionCount]:
    """Every registered version and every version cameras report, with how many run each."""
    counts = {
        (model or "", version): n
        for model, version, n in session.execute(
            select(Camera.model, Camera.firmware_version, func.count())
            .where(Camera.status != CameraStatus.RETIRED)
            .group_by(Camera.model, Camera.firmware_version)
        )
    }
    rows: dict[tuple[str, str | None], VersionCount] = {}
    for v in session.scalars(select(FirmwareVersion)):
        rows[(v.model, v.version)] = VersionCount(
            v.model, v.version, v.released_on, True, counts.get((v.model, v.version), 0)
        )
    for (model, version), n in counts.items():
        rows.setdefault((model, version), VersionCount(model, version, None, False, n))
    return sorted(
        rows.values(), key=lambda r: (r.model, r.released_on or date.min, r.version or "")
    )


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


def create_plan(
    session: Session,
    actor: Principal,
    *,
    name: str,
    model: str,
    target_version: str,
    stages: list[StageSpec],
) -> FirmwarePlan:
    if session.scalar(select(FirmwarePlan.id).where(FirmwarePlan.name == name)):
        raise FleetConflict(f"a firmware plan named {name!r} already exists")
    if not session.scalar(
        select(FirmwareVersion.id).where(
            FirmwareVersion.model == model, FirmwareVersion.version == target_version
        )
    ):
        raise FleetError(f"firmware {target_version} for {model} is not registered")
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
    eligible = list(
        session.execute(
            select(Camera.id, Camera.serial, Camera.home_borough).where(
                Camera.model == model,
                Camera.status.not_in(list(OUT_OF_SERVICE)),
                func.coalesce(Camera.firmware_version, "") != target_version,
            )
        )
    )
    eligible.sort(key=lambda row: _order_key(name, row.serial))
    chosen: set[uuid.UUID] = set()
    targets = 0
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
            targets += 1
    session.flush()
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


def get_plan(session: Session, plan_id: str | uuid.UUID) -> FirmwarePlan:
    try:
        parsed = plan_id if isinstance(plan_id, uuid.UUID) else uuid.UUID(str(plan_id))
    except ValueError:
        raise FleetNotFound("no such firmware plan") from None
    plan = session.get(FirmwarePlan, parsed)
    if plan is None:
        raise FleetNotFound("no such firmware plan")
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
    session: Session, actor: Principal, plan: FirmwarePlan, camera: Camera, detail: str
) -> None:
    target = session.get(FirmwareTarget, (plan.id, camera.id))
    if target is None:
        raise FleetNotFound(f"camera {camera.serial} is not in plan {plan.name!r}")
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


def due_version(session: Session, camera: Camera, now: datetime | None = None) -> str | None:
    """The version a dock should install on this camera now, if any stage has come due."""
    now = now or utcnow()
    return session.scalar(
        select(FirmwarePlan.target_version)
        .join(FirmwareTarget, FirmwareTarget.plan_id == FirmwarePlan.id)
        .join(FirmwareStage, FirmwareStage.id == FirmwareTarget.stage_id)
        .where(
            FirmwareTarget.camera_id == camera.id,
            FirmwareTarget.status == T.PENDING,
            FirmwarePlan.cancelled_at.is_(None),
            FirmwareStage.scheduled_at <= now,
        )
        .order_by(FirmwareStage.scheduled_at)
        .limit(1)
    )


@dataclass
class StageReport:
    ordinal: int
    borough: str | None
    percent: int
    scheduled_at: str
    due: bool
    cameras: int
    by_status: dict[str, int] = field(default_factory=dict)


@dataclass
class PlanReport:
    id: str
    name: str
    model: str
    target_version: str
    cancelled: bool
    cameras: int
    by_status: dict[str, int]
    stages: list[StageReport]


def plan_report(session: Session, plan: FirmwarePlan, now: datetime | None = None) -> PlanReport:
    now = now or utcnow()
    counts: dict[uuid.UUID, Counter[str]] = {}
    for stage_id, status, n in session.execute(
        select(FirmwareTarget.stage_id, FirmwareTarget.status, func.count())
        .where(FirmwareTarget.plan_id == plan.id)
        .group_by(FirmwareTarget.stage_id, FirmwareTarget.status)
    ):
        counts.setdefault(stage_id, Counter())[status] = n
    stages = []
    total: Counter[str] = Counter()
    for stage in session.scalars(
        select(FirmwareStage)
        .where(FirmwareStage.plan_id == plan.id)
        .order_by(FirmwareStage.ordinal)
    ):
        c = counts.get(stage.id, Counter())
        total.update(c)
        stages.append(
            StageReport(
                stage.ordinal,
                stage.borough,
                stage.percent,
                isoformat_z(stage.scheduled_at),
                stage.scheduled_at <= now,
                sum(c.values()),
                {s.value: c.get(s.value, 0) for s in T},
            )
        )
    return PlanReport(
        str(plan.id),
        plan.name,
        plan.model,
        plan.target_version,
        plan.cancelled_at is not None,
        sum(total.values()),
        {s.value: total.get(s.value, 0) for s in T},
        stages,
    )
