"""The fleet: cameras, docks, assignments, firmware and the roll-out plan (boroughs, stations and
teams are the organisation's).

The rule that matters most is enforced by the database itself, not only by the service: an
officer holds at most one camera and a camera is held by at most one officer at a time (two
partial unique indexes over the open assignments, `ended_at IS NULL`, which SQLite and PostgreSQL
both support). Closed assignments are kept for ever: they say who wore a camera at any moment.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from openbwv.db.base import Base, IdMixin, TimestampMixin


class CameraStatus(enum.StrEnum):
    IN_STOCK = "in_stock"  # in a store room, not with anyone
    ISSUED = "issued"  # with an officer (permanently or checked out for a shift)
    DOCKED = "docked"  # in a dock: charging and uploading (may still be assigned)
    FAULTY = "faulty"
    LOST = "lost"
    RETIRED = "retired"  # end of life: terminal


class AssignmentKind(enum.StrEnum):
    PERMANENT = "permanent"  # personal issue: the officer keeps the camera between shifts
    POOL = "pool"  # checked out of a station's pool for one shift


def _in(column: str, values: type[enum.StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Camera(IdMixin, TimestampMixin, Base):
    __tablename__ = "cameras"

    serial: Mapped[str] = mapped_column(String(64), unique=True)
    model: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=CameraStatus.IN_STOCK)
    firmware_version: Mapped[str | None] = mapped_column(String(32))
    home_borough: Mapped[str | None] = mapped_column(ForeignKey("boroughs.gss_code"))
    station_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("stations.id"))
    pool: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    status_changed_at: Mapped[datetime | None] = mapped_column()
    first_issued_at: Mapped[datetime | None] = mapped_column()  # the roll-out counts these
    last_seen_at: Mapped[datetime | None] = mapped_column()
    last_dock_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("docks.id"))

    __table_args__ = (
        CheckConstraint(_in("status", CameraStatus), name="status"),
        Index("ix_cameras_borough_status", "home_borough", "status"),
        Index("ix_cameras_first_issued", "first_issued_at"),
    )


class Dock(IdMixin, TimestampMixin, Base):
    """A multi-port dock at a station: cameras charge and upload through it."""

    __tablename__ = "docks"

    serial: Mapped[str] = mapped_column(String(64), unique=True)
    station_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("stations.id"))
    ports: Mapped[int] = mapped_column(default=8)
    model: Mapped[str | None] = mapped_column(String(64))
    last_seen_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (CheckConstraint("ports > 0 AND ports <= 256", name="ports"),)


OPEN = text("ended_at IS NULL")


class Assignment(IdMixin, Base):
    """Who held a camera, from `started_at` (inclusive) to `ended_at` (exclusive; NULL: still)."""

    __tablename__ = "camera_assignments"

    camera_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cameras.id"))
    officer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16), default=AssignmentKind.PERMANENT)
    started_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    started_by: Mapped[str | None] = mapped_column(String(128))  # actor name, for the record
    ended_by: Mapped[str | None] = mapped_column(String(128))
    end_reason: Mapped[str | None] = mapped_column(String(255))

    __table_args__ = (
        # The invariant: one open assignment per camera and per officer, whatever the code does.
        Index(
            "uq_assignment_open_camera",
            "camera_id",
            unique=True,
            sqlite_where=OPEN,
            postgresql_where=OPEN,
        ),
        Index(
            "uq_assignment_open_officer",
            "officer_id",
            unique=True,
            sqlite_where=OPEN,
            postgresql_where=OPEN,
        ),
        Index("ix_assignment_camera_started", "camera_id", "started_at"),
        Index("ix_assignment_officer_started", "officer_id", "started_at"),
        CheckConstraint("ended_at IS NULL OR ended_at > started_at", name="interval"),
        CheckConstraint(_in("kind", AssignmentKind), name="kind"),
    )


class FirmwareVersion(IdMixin, TimestampMixin, Base):
    __tablename__ = "firmware_versions"

    model: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(32))
    released_on: Mapped[date | None] = mapped_column()
    notes: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("model", "version"),)


class FirmwarePlan(IdMixin, TimestampMixin, Base):
    """A staged firmware update of one camera model to one version."""

    __tablename__ = "firmware_plans"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    model: Mapped[str] = mapped_column(String(64))
    target_version: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str | None] = mapped_column(String(128))
    cancelled_at: Mapped[datetime | None] = mapped_column()


class FirmwareStage(IdMixin, Base):
    """One step of a plan: from `scheduled_at`, `percent` of the cameras in scope (the borough's,
    or the force's when no borough) are due; percentages are cumulative within a scope."""

    __tablename__ = "firmware_stages"

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("firmware_plans.id", ondelete="CASCADE"))
    ordinal: Mapped[int] = mapped_column()
    borough: Mapped[str | None] = mapped_column(ForeignKey("boroughs.gss_code"))
    percent: Mapped[int] = mapped_column()
    scheduled_at: Mapped[datetime] = mapped_column()

    __table_args__ = (
        UniqueConstraint("plan_id", "ordinal"),
        CheckConstraint("percent > 0 AND percent <= 100", name="percent"),
    )


class FirmwareTargetStatus(enum.StrEnum):
    PENDING = "pending"
    INSTALLED = "installed"
    FAILED = "failed"
    SKIPPED = "skipped"  # retired, lost or moved to another version meanwhile


class FirmwareTarget(Base):
    """A camera in a plan: its stage and what became of it."""

    __tablename__ = "firmware_targets"

    plan_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("firmware_plans.id", ondelete="CASCADE"), primary_key=True
    )
    camera_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cameras.id"), primary_key=True)
    stage_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("firmware_stages.id", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(String(16), default=FirmwareTargetStatus.PENDING)
    updated_at: Mapped[datetime | None] = mapped_column()
    detail: Mapped[str | None] = mapped_column(String(255))

    __table_args__ = (
        CheckConstraint(_in("status", FirmwareTargetStatus), name="status"),
        Index("ix_firmware_targets_camera", "camera_id"),
    )


class RolloutPhase(IdMixin, TimestampMixin, Base):
    """One phase of a borough's roll-out: by `target_date`, so many cameras issued and officers
    trained (the borough's target is the sum over its phases)."""

    __tablename__ = "rollout_phases"

    borough: Mapped[str] = mapped_column(ForeignKey("boroughs.gss_code"))
    name: Mapped[str] = mapped_column(String(100))
    starts_on: Mapped[date] = mapped_column()
    target_date: Mapped[date] = mapped_column()
    cameras_to_issue: Mapped[int] = mapped_column()
    officers_to_train: Mapped[int] = mapped_column()
    notes: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("borough", "name"),
        CheckConstraint("target_date >= starts_on", name="dates"),
        CheckConstraint("cameras_to_issue >= 0 AND officers_to_train >= 0", name="targets"),
    )


class OfficerTraining(Base):
    """When an officer completed body worn video training (one row per officer)."""

    __tablename__ = "officer_training"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    trained_on: Mapped[date] = mapped_column()
    recorded_by: Mapped[str | None] = mapped_column(String(128))
