"""The transcript as JSON (`text`, `segments[].start/end/text/words[].start/end/word/
probability`, `model`), its versions, corrections and PII proposals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class WordOut(BaseModel):
    start: float
    end: float
    word: str
    probability: float
    low_confidence: bool = Field(description="probability under 0.5: for a person to check")
    corrected: bool = False


class SegmentOut(BaseModel):
    start: float
    end: float
    text: str
    words: list[WordOut]


class GapOut(BaseModel):
    start: float
    end: float
    reason: str = Field(description="silence (no voice: silence, noise or music), unintelligible")


class ModelOut(BaseModel):
    name: str
    version: str
    licence: str
    sha256: str
    engine: str
    engine_version: str
    packages: list[str] = []


class TranscriptOut(BaseModel):
    evidence_id: str
    version: int
    current_version: int
    kind: str = Field(description="machine (version 1) or correction")
    author: str
    created_at: datetime
    language: str
    text: str
    segments: list[SegmentOut]
    not_transcribed: list[GapOut]
    duration_seconds: float
    speech_seconds: float
    model: ModelOut
    settings: dict[str, Any]
    speakers: str = Field(
        default="unlabelled",
        description="speaker turns are not labelled: no maintained offline library does it here",
    )


class VersionOut(BaseModel):
    version: int
    kind: str
    author: str
    created_at: datetime
    note: str | None
    words_changed: int
    changes: list[dict[str, Any]]


class VersionsOut(BaseModel):
    evidence_id: str
    current_version: int
    versions: list[VersionOut]


class ChangeIn(BaseModel):
    segment: int = Field(ge=0)
    word: int = Field(ge=0, description="index of the word within its segment")
    text: str = Field(min_length=1, max_length=100)


class CorrectionIn(BaseModel):
    base_version: int = Field(ge=1, description="the version corrected (must be the current one)")
    changes: list[ChangeIn] = Field(min_length=1, max_length=2000)
    note: str | None = Field(default=None, max_length=2000)


class RequestOut(BaseModel):
    state: str = Field(description="ready, pending, running or failed")
    seconds_done: float = 0.0
    current_version: int | None = None


class ProposalOut(BaseModel):
    entity: str
    score: float
    text: str
    words: list[int] = Field(description="indexes into the version's words, across segments")
    start: float
    end: float


class ProposalsOut(BaseModel):
    evidence_id: str
    version: int
    detector: dict[str, str]
    proposals: list[ProposalOut]
