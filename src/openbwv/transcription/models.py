"""Transcription's tables: an item's transcript, its versions (the machine's first, then each
person's correction: never overwritten) and the blocks of a long recording transcribed so far
(so a crashed job goes on where it stopped)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from openbwv.db.base import Base, IdMixin
from openbwv.timeutil import utcnow

MACHINE = "machine"
CORRECTION = "correction"


class Transcript(IdMixin, Base):
    """One per item: which version is current, the model that made the first one (name,
    version, licence, hash, engine) and the settings it ran with."""

    __tablename__ = "transcripts"

    evidence_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evidence_items.id", ondelete="CASCADE"), unique=True
    )
    language: Mapped[str] = mapped_column(String(16))
    model: Mapped[dict[str, Any]] = mapped_column()
    settings: Mapped[dict[str, Any]] = mapped_column()
    duration_seconds: Mapped[float] = mapped_column()
    speech_seconds: Mapped[float] = mapped_column()
    current_version: Mapped[int] = mapped_column(Integer)
    # The current version's words, lower case, one space apart: what search matches.
    search_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class TranscriptVersion(IdMixin, Base):
    """A whole transcript as it stood: segments (start, end, text, words with start, end,
    probability), what was not transcribed, and — for a correction — who changed which words."""

    __tablename__ = "transcript_versions"
    __table_args__ = (UniqueConstraint("transcript_id", "number"),)

    transcript_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("transcripts.id", ondelete="CASCADE")
    )
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # machine | correction
    author: Mapped[str] = mapped_column(String(128))
    author_id: Mapped[uuid.UUID | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(Text)
    segments: Mapped[list[Any]] = mapped_column()
    not_transcribed: Mapped[list[Any]] = mapped_column()
    changes: Mapped[list[Any]] = mapped_column()
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TranscriptBlock(Base):
    """A block of a recording already transcribed by a job still running (deleted when the
    transcript is made): a job that crashed starts again after the last block here."""

    __tablename__ = "transcript_blocks"
    __table_args__ = (Index("ix_transcript_blocks_job", "job_id", "first_sample"),)

    job_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True
    )
    first_sample: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    end_sample: Mapped[int] = mapped_column(BigInteger)
    result: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
