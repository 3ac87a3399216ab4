"""API shapes for notes, markers, tags and titles."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from openbwv.evidence.annotations.service import (
    MAX_MARKER_LABEL,
    MAX_NOTE_CHARS,
    MAX_TAGS,
    MAX_TITLE,
)


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_NOTE_CHARS)


class NoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    author_name: str
    text: str
    created_at: datetime


class MarkerIn(BaseModel):
    label: str = Field(min_length=1, max_length=MAX_MARKER_LABEL)
    offset_seconds: float = Field(ge=0, le=7 * 24 * 3600)


class MarkerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    label: str
    offset_seconds: float | None
    end_offset_seconds: float | None
    at: datetime | None
    source: str
    created_at: datetime


class TagsIn(BaseModel):
    tags: list[str] = Field(max_length=MAX_TAGS)


class TitleIn(BaseModel):
    title: str = Field(max_length=MAX_TITLE)
