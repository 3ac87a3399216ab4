"""API shapes for the fleet (reports that are dataclasses are served as they are)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from openbwv.fleet.models import AssignmentKind, CameraStatus

Serial = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
Reference = Annotated[str, Field(min_length=1, max_length=64)]  # warrant number or username
Short = Annotated[str, Field(min_length=1, max_length=100)]


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("needs a UTC offset (RFC 3339)")
    return value


class OfficerOut(BaseModel):
    """An officer's personal fields: only served to holders of fleet.read."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    username: str
    display_name: str
    warrant_number: str | None
    shoulder_number: str | None
    borough: str | None
    team: str | None = None
    active: bool
    camera: str | None = None  # serial of the camera held now
    trained_on: date | None = None


class AssignmentOut(BaseModel):
    id: uuid.UUID
    camera: str
    officer: OfficerOut
    kind: str
    started_at: datetime
    ended_at: datetime | None
    started_by: str | None
    ended_by: str | None
    end_reason: str | None


class CameraOut(BaseModel):
    serial: str
    model: str | None
    firmware_version: str | None
    status: str
    home_borough: str | None
    station: str | None
    pool: bool
    status_changed_at: datetime | None
    first_issued_at: datetime | None
    last_seen_at: datetime | None
    last_dock: str | None
    holder: AssignmentOut | None = None


class CameraDetail(CameraOut):
    history: list[AssignmentOut] = []
    firmware_due: str | None = None
    allowed_status: list[str] = []


class CameraPage(BaseModel):
    items: list[CameraOut]
    next_after: str | None


class OfficerPage(BaseModel):
    items: list[OfficerOut]
    next_after: str | None


class CameraCreate(BaseModel):
    serial: Serial
    model: Short
    firmware_version: Annotated[str, Field(max_length=32)] | None = None
    borough: Annotated[str, Field(max_length=64)] | None = None
    station: Short | None = None
    pool: bool = False
    status: CameraStatus = CameraStatus.IN_STOCK


class StatusChange(BaseModel):
    status: CameraStatus
    reason: Annotated[str, Field(max_length=500)] | None = None
    dock: Serial | None = None
    at: datetime | None = None

    _at = field_validator("at")(_aware)


class FirmwareReportIn(BaseModel):
    version: Annotated[str, Field(min_length=1, max_length=32)]


class DockCreate(BaseModel):
    serial: Serial
    station: Short | None = None
    ports: Annotated[int, Field(ge=1, le=256)] = 8
    model: Annotated[str, Field(max_length=64)] | None = None


class DockOut(BaseModel):
    serial: str
    station: str | None
    ports: int
    model: str | None
    last_seen_at: datetime | None
    cameras_docked: int = 0


class AssignmentCreate(BaseModel):
    camera: Serial
    officer: Reference
    kind: AssignmentKind = AssignmentKind.PERMANENT
    started_at: datetime | None = None

    _at = field_validator("started_at")(_aware)


class AssignmentEnd(BaseModel):
    ended_at: datetime | None = None
    reason: Annotated[str, Field(max_length=255)] | None = None
    status: CameraStatus = CameraStatus.IN_STOCK

    _at = field_validator("ended_at")(_aware)


class CheckoutIn(BaseModel):
    officer: Reference
    camera: Serial | None = None
    station: Short | None = None


class CheckinIn(BaseModel):
    camera: Serial
    dock: Serial | None = None


class WearerOut(BaseModel):
    camera: str
    at: datetime
    officer: OfficerOut | None
    assignment: uuid.UUID | None


class FirmwareVersionIn(BaseModel):
    model: Short
    version: Annotated[str, Field(min_length=1, max_length=32)]
    released_on: date | None = None
    notes: Annotated[str, Field(max_length=2000)] | None = None


class StageIn(BaseModel):
    percent: Annotated[int, Field(ge=1, le=100)]
    scheduled_at: datetime
    borough: Annotated[str, Field(max_length=64)] | None = None

    _at = field_validator("scheduled_at")(_aware)


class PlanCreate(BaseModel):
    name: Short
    model: Short
    target_version: Annotated[str, Field(min_length=1, max_length=32)]
    stages: Annotated[list[StageIn], Field(min_length=1, max_length=100)]


class FirmwareFailureIn(BaseModel):
    camera: Serial
    detail: Annotated[str, Field(min_length=1, max_length=255)]


class PhaseIn(BaseModel):
    borough: Annotated[str, Field(min_length=1, max_length=64)]
    name: Short
    starts_on: date
    target_date: date
    cameras_to_issue: Annotated[int, Field(ge=0, le=1_000_000)]
    officers_to_train: Annotated[int, Field(ge=0, le=1_000_000)]
    notes: Annotated[str, Field(max_length=2000)] | None = None


class PhaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    borough: str
    name: str
    starts_on: date
    target_date: date
    cameras_to_issue: int
    officers_to_train: int
    notes: str | None


class TrainingIn(BaseModel):
    trained_on: date


class RowErrorOut(BaseModel):
    row: int
    column: str | None
    message: str


class ImportOut(BaseModel):
    kind: str
    ok: bool
    applied: bool
    dry_run: bool
    strict: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    errors: list[RowErrorOut]
    warnings: list[str]
