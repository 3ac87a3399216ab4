"""API shapes for retention."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

HoldType = Literal[
    "complaint",
    "death_or_serious_injury",
    "subject_access_request",
    "civil_claim",
    "appeal_or_ccrc",
    "litigation",
    "manual",
]
HoldScope = Literal["items", "case", "officer", "area"]


class RetentionOut(BaseModel):
    state: Literal["kept", "held", "queued", "review", "disposed"]
    until: datetime | None  # RFC 3339, UTC; null: no date (held, kept by an open case, ...)
    reasons: list[str]


class ScopeIn(BaseModel):
    scope: HoldScope
    items: list[uuid.UUID] = Field(default_factory=list, max_length=1000)
    case: str | None = Field(default=None, max_length=32, description="crime reference")
    officer: str | None = Field(default=None, max_length=64, description="warrant number")
    borough: str | None = Field(default=None, max_length=16, description="GSS code")
    start: AwareDatetime | None = Field(default=None, alias="from")
    end: AwareDatetime | None = Field(default=None, alias="to")

    model_config = ConfigDict(populate_by_name=True)


class HoldIn(ScopeIn):
    type: HoldType
    reference: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=5, max_length=2000)


class HoldOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    type: str
    reference: str
    reason: str
    scope: str
    case_reference: str | None
    officer: str | None
    borough: str | None
    window_start: datetime | None
    window_end: datetime | None
    placed_by: str
    placed_at: datetime
    released_at: datetime | None
    released_by: str | None
    release_reason: str | None


class ReasonIn(BaseModel):
    reason: str = Field(min_length=5, max_length=2000)


class PreviewOut(BaseModel):
    items: list[uuid.UUID]
    count: int
    limited: bool  # true: there may be more than the ones listed


class QueueOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    evidence_id: uuid.UUID
    queued_at: datetime
    dispose_after: datetime
    rule: str
    reasons: list[str]
    authorised_by: str


class RestoreOut(BaseModel):
    evidence_id: uuid.UUID
    until: datetime


class ReviewOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    evidence_id: uuid.UUID
    until: datetime | None  # when the review fell due
    rule: str
    reason: str


class ReviewIn(BaseModel):
    decision: Literal["keep", "dispose"]
    reason: str = Field(min_length=5, max_length=2000)
    next_review: AwareDatetime | None = None


class RuleOut(BaseModel):
    key: str
    value: int
    configured: int | None  # null: the default from BWV_RETENTION_* is in force
    unit: str
    label: str
    source: str


class PolicyIn(BaseModel):
    values: dict[str, int | None] = Field(max_length=20)


class ForecastOut(BaseModel):
    borough: str | None
    category: str | None
    days: int
    items: int
    bytes: int


class GrowthOut(BaseModel):
    """Storage growth a month (30 days): the ingest measured over `window_days`, less what the
    rules take out in the next 30 days."""

    model_config = ConfigDict(from_attributes=True)

    window_days: int
    items_in: int
    bytes_in: int
    items_per_month: int
    bytes_per_month: int
    items_leaving: int
    bytes_leaving: int
    net_items_per_month: int
    net_bytes_per_month: int


class WarningItem(BaseModel):
    evidence_id: uuid.UUID
    until: datetime
    reason: str


class WarningsOut(BaseModel):
    days: int
    count: int
    message: str | None  # "12 recordings will be deleted on Friday unless categorised"
    items: list[WarningItem]
