"""API shapes for evidence."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class DerivativeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    status: str
    media_type: str | None
    size_bytes: int | None
    sha256: str | None
    info: dict[str, Any]


class EvidenceLinks(BaseModel):
    self: str
    original: str
    playback: str
    thumbnail: str
    strip: str


class RecordingOut(BaseModel):
    """The recording an item is a clip of, as far as the caller may see it: clips the caller may
    not view are neither counted nor numbered."""

    key: str = Field(description="shared by every clip of one recording")
    clip: int = Field(description="this clip's place among them, from 1, in recording order")
    clips: int = Field(description="how many clips of the recording the caller may view")
    clip_ids: list[uuid.UUID] = Field(description="those clips, in recording order")
    total_seconds: float = Field(description="their lengths added up")


class EvidenceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    sha256: str
    size_bytes: int
    media_type: str
    original_filename: str | None
    source: str
    camera_serial: str | None
    officer: str | None
    borough: str | None
    recorded_start: datetime | None
    recorded_end: datetime | None
    occurred_at: datetime
    duration_seconds: float | None
    gps_track: list[Any] | None
    status: str
    flags: list[str]
    extra_metadata: dict[str, Any]
    probe: dict[str, Any] | None
    ingested_at: datetime
    derivatives: list[DerivativeOut]
    # A tombstone's account (status "disposed"): when, the rule, the reasons, who authorised it
    # and the categories it had.
    disposed_at: datetime | None = None
    disposal: dict[str, Any] | None = None
    links: EvidenceLinks | None = None
    recording_key: str | None = Field(
        None, description="the recording it is a clip of; null: a recording of its own"
    )
    recording: RecordingOut | None = None


class EvidencePage(BaseModel):
    items: list[EvidenceOut]
    limit: int
    next_cursor: str | None


class CategoriesIn(BaseModel):
    categories: list[str] = Field(max_length=20)


REASON_MIN, REASON_MAX = 10, 2000  # a break-glass reason's length (the API and the page)


class BreakGlassIn(BaseModel):
    reason: str = Field(
        min_length=REASON_MIN,
        max_length=REASON_MAX,
        description="Why you need this item; shown to supervisors.",
    )
