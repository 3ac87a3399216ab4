"""Request and response models of the sharing API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from openbwv.timeutil import Timestamp


class ShareIn(BaseModel):
    """Exactly one recipient: an external user (`username`), an organisation (`organisation`)
    or a link (`link_label`, for someone without an account)."""

    username: str | None = Field(default=None, max_length=64)
    organisation: str | None = Field(default=None, max_length=128)
    link_label: str | None = Field(default=None, max_length=100)
    reason: str = Field(min_length=1, max_length=2000)
    download: bool = False
    evidence_ids: list[uuid.UUID] | None = Field(default=None, max_length=500)
    include_later: bool = False
    days: int | None = Field(default=None, ge=1, le=1095)
    expires_at: Timestamp | None = None
    passphrase: bool = False
    max_downloads: int | None = Field(default=None, ge=1, le=10_000)

    @model_validator(mode="after")
    def _one_recipient(self) -> ShareIn:
        named = [v for v in (self.username, self.organisation, self.link_label) if v]
        if len(named) != 1:
            raise ValueError("name exactly one of username, organisation, link_label")
        return self


class ShareOut(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    recipient: str
    recipient_kind: str
    download: bool
    reason: str
    include_later: bool
    created_by: str
    created_at: Timestamp
    expires_at: Timestamp
    revoked_at: Timestamp | None
    status: Literal["active", "expired", "revoked"]
    items: list[uuid.UUID]
    max_downloads: int | None = None
    downloads: int = 0


class ShareMade(ShareOut):
    """Shown once: a link's URL and passphrase are never stored in the clear."""

    link: str | None = None
    passphrase: str | None = None
    withheld: dict[str, str] = Field(default_factory=dict)


class ExtendIn(BaseModel):
    expires_at: Timestamp


class RevokeIn(BaseModel):
    reason: str = Field(default="", max_length=2000)


class FlagIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class DecisionIn(BaseModel):
    state: Literal["undecided", "unused", "sensitive", "not_relevant"]
    reason: str | None = Field(default=None, max_length=2000)


class OrganisationIn(BaseModel):
    name: str = Field(min_length=1, max_length=128)
    kind: Literal["cps", "defence", "iopc", "court", "other"]


class OrganisationOut(BaseModel):
    id: uuid.UUID
    name: str
    kind: str


class MemberIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)


class ReceiptOut(BaseModel):
    share_id: uuid.UUID
    recipient: str
    actor: str
    action: str
    evidence_id: uuid.UUID | None
    at: Timestamp


class Warning(BaseModel):
    share_id: uuid.UUID
    case_id: uuid.UUID
    recipient: str
    expires_at: Timestamp
    days_left: int
    you_are: Literal["sharer", "recipient"]


class ScheduleRow(BaseModel):
    evidence_id: uuid.UUID
    description: str
    recorded_at: datetime | None
    officer: str | None
    sha256: str
    state: str
    reason: str | None
    disclosed: dict[str, Timestamp]
    do_not_disclose: bool
