"""API shapes for complaints and the roll-out evaluation."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class ComplaintIn(BaseModel):
    reference: str = Field(min_length=3, max_length=64, description="e.g. CO/2026/0042")
    received_on: date
    allegations: list[str] = Field(min_length=1, max_length=20, description="IOPC categories")
    officers: list[str] = Field(default_factory=list, max_length=20, description="warrants")
    borough: str | None = Field(default=None, max_length=64, description="GSS code or name")
    incident_number: str | None = Field(default=None, max_length=32, description="CAD number")
    start: AwareDatetime | None = Field(default=None, alias="from")
    end: AwareDatetime | None = Field(default=None, alias="to")
    place: str | None = Field(default=None, max_length=200)
    summary: str = Field(default="", max_length=4000)

    model_config = ConfigDict(populate_by_name=True)


class OfficerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    warrant: str
    user_id: uuid.UUID | None
    team_id: uuid.UUID | None
    borough: str | None


class ComplaintOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    reference: str
    received_on: date
    borough: str | None
    incident_number: str | None
    occurred_from: datetime | None
    occurred_to: datetime | None
    place: str | None
    allegations: list[str]
    summary: str
    outcome: str
    outcome_on: date | None
    hold_ids: list[str]
    simulated: bool
    officers: list[OfficerOut] = Field(default_factory=list)
    items: list[uuid.UUID] = Field(default_factory=list, description="linked, that you may view")


class FootageItem(BaseModel):
    id: uuid.UUID
    occurred_at: datetime
    officer: str | None  # as the camera or uploader gave it
    borough: str | None
    found_by: list[str]


class FootageOut(BaseModel):
    items: list[FootageItem]
    window: tuple[datetime, datetime] | None
    limited: bool


class ItemsIn(BaseModel):
    items: list[uuid.UUID] = Field(min_length=1, max_length=1000)


class HoldIn(BaseModel):
    items: list[uuid.UUID] | None = Field(
        default=None, max_length=1000, description="default: every item the search finds"
    )


class HoldsOut(BaseModel):
    holds: list[uuid.UUID]


class LinkedOut(BaseModel):
    linked: int


class OutcomeIn(BaseModel):
    outcome: str = Field(max_length=32)
    decided_on: date | None = None


class RateOut(BaseModel):
    key: str
    name: str
    month: date
    complaints: int
    officers: int | None
    per_1000: float | None


class EffectOut(BaseModel):
    measure: str
    label: str
    kind: Literal["rate", "share"]
    source: str
    estimate: float | None
    low: float | None
    high: float | None
    unit: str
    p_value: float | None
    baseline: float | None
    boroughs: int | None
    boroughs_with_cameras: int | None
    months: int | None
    method: str | None
    note: str


class EvaluationOut(BaseModel):
    start: date
    end: date
    simulated: bool
    changes: dict[str, date | None]
    effects: list[EffectOut]
    trial: EffectOut | None = None  # the trial design (teams), when the force runs one


class ImportOut(BaseModel):
    applied: int
    rejected: list[dict[str, object]]
