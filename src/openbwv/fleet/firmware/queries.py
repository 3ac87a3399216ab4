"""Reading firmware: versions in use, plans and their progress, and what a camera is due.

(How plans and stages work: the package's docstring.)
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openbwv.fleet.errors import FleetNotFound
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


def get_plan(session: Session, plan_id: str | uuid.UUID) -> FirmwarePlan:
    try:
        parsed = plan_id if isinstance(plan_id, uuid.UUID) else uuid.UUID(str(plan_id))
    except ValueError:
        raise FleetNotFound("no such firmware plan") from None
    plan = session.get(FirmwarePlan, parsed)
    if plan is None:
        raise FleetNotFound("no such firmware plan")
    return plan


def plan_target(
    session: Session, plan: FirmwarePlan, camera_serial: str
) -> tuple[Camera, FirmwareTarget]:
    """A camera of the plan, by serial, and its target row."""
    camera = session.scalar(select(Camera).where(Camera.serial == camera_serial))
    if camera is None:
        raise FleetNotFound(f"no camera with serial {camera_serial!r}")
    target = session.get(FirmwareTarget, (plan.id, camera.id))
    if target is None:
        raise FleetNotFound(f"camera {camera.serial} is not in plan {plan.name!r}")
    return camera, target


def plans(session: Session) -> list[FirmwarePlan]:
    """Every plan, newest first."""
    return list(session.scalars(select(FirmwarePlan).order_by(FirmwarePlan.created_at.desc())))


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
