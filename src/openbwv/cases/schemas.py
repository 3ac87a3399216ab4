"""API shapes for cases."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class CaseIn(BaseModel):
    crime_reference: str = Field(min_length=3, max_length=32)
    title: str = Field(min_length=1, max_length=200)
    cad_number: str | None = Field(default=None, max_length=64)  # the service checks its form
    borough: str | None = Field(default=None, max_length=64)  # a GSS code or a name


class CaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    crime_reference: str
    cad_number: str | None
    title: str
    borough: str | None
    status: str  # open | closed
    closed_at: datetime | None
    created_at: datetime
    stage: str  # CPIA: under_investigation, no_further_action, charged, convicted, ...
    stage_at: datetime | None
    sentence: str | None
    expected_release_at: datetime | None
    outcome: str | None = None  # charged, early_guilty_plea, ... (None: none recorded)
    outcome_at: datetime | None = None
    domestic_abuse: bool = False


class OutcomeIn(BaseModel):
    """How a charged case ended (None: not charged, or cleared) and its domestic abuse flag."""

    outcome: str | None = Field(
        default=None,
        pattern="^(charged|early_guilty_plea|guilty_plea_at_trial|convicted_after_trial|"
        "acquitted|discontinued)$",
    )
    decided_at: AwareDatetime | None = None  # None: now
    domestic_abuse: bool = False


class StageIn(BaseModel):
    stage: str = Field(
        pattern="^(under_investigation|no_further_action|charged|convicted|acquitted|"
        "discontinued|appeal_pending)$"
    )
    # When it was decided (with a time zone); needed for no further action, a verdict or a
    # discontinuance. None: now.
    decided_at: AwareDatetime | None = None
    sentence: str | None = Field(default=None, max_length=200)
    expected_release_at: AwareDatetime | None = None


class MemberIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    role: str = Field(default="member", pattern="^(oic|member|external)$")
    # When the membership ends (with a time zone; none: it lasts until the member is removed).
    expires_at: AwareDatetime | None = None


class LinkIn(BaseModel):
    evidence_id: uuid.UUID
