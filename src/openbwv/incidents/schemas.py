"""Request and response models of the incidents API (the CAD contract in docs/incidents.md)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class CadRowIn(BaseModel):
    """One attending officer of an incident, as in the CSV contract (times ISO 8601 with their
    offsets; checked by the same code as a CSV row, so problems name the same columns)."""

    incident_number: str | None = None
    incident_type: str | None = None
    priority: str | int | None = None
    latitude: float | str | None = None
    longitude: float | str | None = None
    opened_at: str | None = None
    officer_warrant: str | None = None
    dispatched_at: str | None = None
    arrived_at: str | None = None
    cleared_at: str | None = None
    closing_code: str | None = None
    address: str | None = None


class PushIn(BaseModel):
    rows: list[CadRowIn] = Field(max_length=5000)
    partial: bool = False


class ProblemOut(BaseModel):
    row: int
    column: str
    message: str


class ImportOut(BaseModel):
    applied: int
    rejected: int
    incidents: int
    changed: int
    problems: list[ProblemOut]


class OfficerOut(BaseModel):
    warrant: str
    name: str
    dispatched_at: datetime
    arrived_at: datetime | None
    cleared_at: datetime
    recordings: list[uuid.UUID]
    recorded: bool | None
    late_start_s: int | None
    early_stop_s: int | None
    coverage: float | None


class IncidentOut(BaseModel):
    number: str
    type: str
    priority: str | None
    latitude: float | None
    longitude: float | None
    address: str | None
    opened_at: datetime
    closing_code: str | None
    borough: str | None
    suggested_category: str | None
    case_id: uuid.UUID | None
    officers: list[OfficerOut]


class DecideIn(BaseModel):
    incident_number: str | None = Field(
        default=None, max_length=32, description="None: the recording belongs to no incident."
    )


class CaseIn(BaseModel):
    crime_reference: str = Field(max_length=32)
    title: str | None = Field(default=None, max_length=255)


class CaseOut(BaseModel):
    case_id: uuid.UUID
    linked: int


class QueueItemOut(BaseModel):
    evidence_id: uuid.UUID
    reason: str
    incidents: list[str]


class QueueOut(BaseModel):
    items: list[QueueItemOut]
