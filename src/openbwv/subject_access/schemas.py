"""API shapes for subject access requests."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

Outcome = Literal["released_in_full", "released_in_part", "nothing_held", "refused", "withdrawn"]
Restriction = Literal["none", "partial", "withheld"]
RestrictionReason = Literal["inquiry", "crime", "public_security", "national_security", "others"]


class RequestIn(BaseModel):
    requester_name: str = Field(min_length=1, max_length=200)
    requester_contact: str = Field(min_length=1, max_length=400)
    requester_description: str | None = Field(
        default=None,
        max_length=4000,
        description="how the requester describes themselves and the occasion (no photograph: "
        "footage is never searched by face)",
    )
    received_on: date


class IdentityIn(BaseModel):
    method: str = Field(min_length=5, max_length=400, description="e.g. passport seen, in person")


class PauseIn(BaseModel):
    start_on: date
    reason: str = Field(min_length=5, max_length=4000, description="the clarification asked for")


class ResumeIn(BaseModel):
    end_on: date = Field(description="the day the clarification arrived")


class ExtensionIn(BaseModel):
    months: int = Field(ge=1, le=6, description="further months in all (at most the setting)")
    notice_on: date = Field(description="the day the requester was told (within the first month)")
    reason: str = Field(min_length=5, max_length=4000)


class FindIn(BaseModel):
    start: str = Field(default="", max_length=64, description="London time, 2026-06-15T10:30")
    end: str = Field(default="", max_length=64)
    officer: str = Field(default="", max_length=64, description="username, warrant or shoulder")
    place: str = Field(default="", max_length=120, description="a name from the place list")
    area: str = Field(default="", max_length=4000, description="polygon 'lon,lat; lon,lat; …'")
    lat: str = Field(default="", max_length=32)
    lon: str = Field(default="", max_length=32)
    radius: str = Field(default="", max_length=16, description="metres around lat, lon")
    cad: str = Field(
        default="", max_length=32, description="CAD incident number: on a case, or an incident"
    )
    words: str = Field(default="", max_length=200, description="words said (transcripts)")


class ItemsIn(BaseModel):
    evidence_ids: list[uuid.UUID] = Field(min_length=1, max_length=200)
    found_by: dict[str, str] = Field(default_factory=dict, max_length=12)


class RemoveIn(BaseModel):
    reason: str = Field(min_length=5, max_length=4000)


class RestrictionIn(BaseModel):
    restriction: Restriction
    reason: RestrictionReason | None = None
    note: str | None = Field(default=None, max_length=4000)


class ReleaseIn(BaseModel):
    method: str = Field(min_length=3, max_length=200, description="how it is sent to them")


class CloseIn(BaseModel):
    outcome: Outcome
    note: str | None = Field(default=None, max_length=4000, description="a refusal's exemption")
    closed_on: date | None = None


class ClockOut(BaseModel):
    received_on: date
    due_on: date
    first_month_due_on: date
    days_left: int
    overdue: bool
    paused: bool
    paused_days: int
    extension_months: int


class PauseOut(BaseModel):
    start_on: date
    end_on: date | None
    reason: str
    paused_by: str


class ItemOut(BaseModel):
    evidence_id: uuid.UUID
    title: str | None = None  # null: the item is out of the caller's sight now
    occurred_at: datetime | None = None
    held: bool
    restriction: str
    restriction_reason: str | None
    restriction_note: str | None
    redaction_url: str
    found_by: dict[str, str]


class ReleaseOut(BaseModel):
    package_id: str
    released_at: datetime
    released_by: str
    method: str
    copies: str
    items: list[str]
    sha256: str | None
    size_bytes: int | None


class RequestOut(BaseModel):
    id: uuid.UUID
    reference: str
    status: str
    requester_name: str
    requester_contact: str
    requester_description: str | None
    identity_checked_by: str | None
    identity_checked_at: datetime | None
    identity_method: str | None
    extension_notice_on: date | None
    extension_reason: str | None
    outcome: str | None
    outcome_note: str | None
    closed_on: date | None
    case_reference: str | None
    clock: ClockOut
    items: int


class RequestDetail(RequestOut):
    pauses: list[PauseOut]
    item_list: list[ItemOut]
    releases: list[ReleaseOut]


class FoundOut(BaseModel):
    evidence_id: uuid.UUID
    title: str | None
    occurred_at: datetime
    officer: str | None
    camera: str | None
    on_request: bool


class MonthOut(BaseModel):
    month: str  # YYYY-MM, by the day the request closed
    closed: int
    median_days: float | None
    within_deadline: int
    within_deadline_percent: float | None
    extended: int


class ReportOut(BaseModel):
    months: list[MonthOut]
    open: int
    overdue: int
