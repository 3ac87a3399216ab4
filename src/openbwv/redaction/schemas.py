"""Request and response models of the redaction API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ReasonName = Literal["third_party", "victim", "vulnerable_person", "ongoing_operation", "other"]
StyleName = Literal["blur", "pixelate", "solid"]


class Reasoned(BaseModel):
    """A reason is required; "other" needs its text."""

    reason: ReasonName
    reason_text: str | None = Field(None, max_length=2000)

    @model_validator(mode="after")
    def _other_needs_text(self) -> Reasoned:
        if self.reason == "other" and not (self.reason_text or "").strip():
            raise ValueError("reason 'other' needs reason_text")
        return self


class StartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    faces: bool = True
    plates: bool = True
    detect_every: int = Field(2, ge=1, le=30, description="detect on every Nth frame")
    plate_every: int = Field(6, ge=1, le=60, description="read plates on every Nth frame")
    carry_frames: int = Field(12, ge=0, le=250, description="frames covered past a detection")
    padding: float = Field(0.15, ge=0, le=1, description="of a box's size, on every side")
    tiles: int = Field(0, ge=0, le=4, description="tile grid for small faces (0: none)")


class DecisionIn(Reasoned):
    """Redact or keep one track. Keeping needs a reason too (e.g. the requester's own face)."""

    model_config = ConfigDict(extra="forbid")

    decision: Literal["redact", "keep"]
    style: StyleName = "blur"
    first_frame: int | None = Field(None, ge=0)
    last_frame: int | None = Field(None, ge=0)


class BulkDecisionIn(Reasoned):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["redact", "keep"]
    style: StyleName = "blur"
    track_ids: list[uuid.UUID] | None = Field(None, description="none given: every undecided")
    kind: Literal["face", "plate", "manual"] | None = None


class Keyframe(BaseModel):
    frame: int = Field(ge=0)
    x: float = Field(ge=0)
    y: float = Field(ge=0)
    w: float = Field(gt=0)
    h: float = Field(gt=0)


class ManualTrackIn(Reasoned):
    """A box drawn by hand: one keyframe holds still to `last_frame`; several are interpolated."""

    model_config = ConfigDict(extra="forbid")

    keyframes: list[Keyframe] = Field(min_length=1, max_length=500)
    last_frame: int | None = Field(None, ge=0)
    style: StyleName = "blur"


class AudioRangeIn(Reasoned):
    model_config = ConfigDict(extra="forbid")

    start_seconds: float = Field(ge=0)
    end_seconds: float = Field(gt=0)
    mode: Literal["mute", "tone"] = "mute"
    source: Literal["waveform", "words"] = "waveform"
    words: list[str] | None = Field(None, max_length=10000)

    @model_validator(mode="after")
    def _ordered(self) -> AudioRangeIn:
        if self.end_seconds <= self.start_seconds:
            raise ValueError("end_seconds must be after start_seconds")
        return self


class OptionsIn(BaseModel):
    """The quick release: the whole frame blurred and/or the audio removed (with a reason)."""

    model_config = ConfigDict(extra="forbid")

    whole_frame: bool
    remove_audio: bool
    reason: ReasonName | None = None
    reason_text: str | None = Field(None, max_length=2000)


class TrackOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    number: int
    kind: str
    source: str
    first_frame: int
    last_frame: int
    best_score: float | None
    decision: str | None
    style: str
    reason: str | None
    reason_text: str | None
    decided_by: str | None
    decided_at: datetime | None
    thumbnail: str | None = None  # a data: URL
    boxes: list[Any] | None = None
    keyframes: list[Any] | None = None


class AudioRangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    start_seconds: float
    end_seconds: float
    mode: str
    reason: str
    reason_text: str | None
    source: str
    words: list[Any] | None
    created_by: str
    created_at: datetime


class RedactionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    evidence_id: uuid.UUID
    version: int
    status: str
    options: dict[str, Any]
    video: dict[str, Any] | None
    provenance: list[Any]
    whole_frame: bool
    remove_audio: bool
    error: str | None
    progress: float
    render_revision: int
    rendered_revision: int | None
    render_sha256: str | None
    rendered_at: datetime | None
    changed_since_render: bool
    created_by: str
    created_at: datetime
    track_count: int = 0
    undecided_count: int = 0
    links: dict[str, str] = Field(default_factory=dict)


class RenderStatus(BaseModel):
    status: str
    progress: float
    render_revision: int
    rendered_revision: int | None
    render_sha256: str | None
    error: str | None
