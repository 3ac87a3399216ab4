"""Redaction's tables: a redaction of an evidence item (versioned per item: each detection run
is a new version), its tracks (per-frame boxes, confidences, the decision and its reason) and
its audio ranges. The original is never touched; the rendered copy and its log are objects in
the derivatives store, named here."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from openbwv.db.base import Base, IdMixin
from openbwv.timeutil import utcnow


class RedactionStatus(enum.StrEnum):
    DETECTING = "detecting"  # the detection and tracking job is queued or running
    READY = "ready"  # tracks found: decisions may be made and a render asked for
    RENDERING = "rendering"
    RENDERED = "rendered"  # a redacted copy exists for the current decisions
    FAILED = "failed"


class Reason(enum.StrEnum):
    THIRD_PARTY = "third_party"
    VICTIM = "victim"
    VULNERABLE_PERSON = "vulnerable_person"
    ONGOING_OPERATION = "ongoing_operation"
    OTHER = "other"  # with a text


REASON_LABELS = {
    Reason.THIRD_PARTY: "Third party",
    Reason.VICTIM: "Victim",
    Reason.VULNERABLE_PERSON: "Vulnerable person",
    Reason.ONGOING_OPERATION: "Ongoing operation",
    Reason.OTHER: "Other",
}


class Redaction(IdMixin, Base):
    __tablename__ = "redactions"

    evidence_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evidence_items.id", ondelete="CASCADE")
    )
    version: Mapped[int] = mapped_column()  # 1, 2, … per item
    status: Mapped[str] = mapped_column(String(16), default=RedactionStatus.DETECTING)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)  # detection settings
    # What was read: the original's digest, and the plaintext's key when it is encrypted.
    source_sha256: Mapped[str] = mapped_column(String(64))
    source_key: Mapped[str | None] = mapped_column(String(64))
    video: Mapped[dict[str, Any] | None] = mapped_column()  # width, height, fps, frames
    provenance: Mapped[list[Any]] = mapped_column(default=list)  # models used
    waveform: Mapped[dict[str, Any] | None] = mapped_column()
    tracks_key: Mapped[str | None] = mapped_column(String(64))  # the detections document
    tracks_sha256: Mapped[str | None] = mapped_column(String(64))
    whole_frame: Mapped[bool] = mapped_column(default=False)
    remove_audio: Mapped[bool] = mapped_column(default=False)
    quick_reason: Mapped[str | None] = mapped_column(String(32))  # why whole frame / no audio
    quick_reason_text: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    # Rendering: each request is a new revision; the latest finished one is the copy.
    render_revision: Mapped[int] = mapped_column(default=0)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    render_key: Mapped[str | None] = mapped_column(String(64))
    render_sha256: Mapped[str | None] = mapped_column(String(64))
    render_size: Mapped[int | None] = mapped_column(BigInteger)
    rendered_revision: Mapped[int | None] = mapped_column()
    log_key: Mapped[str | None] = mapped_column(String(64))
    log_sha256: Mapped[str | None] = mapped_column(String(64))
    log_size: Mapped[int | None] = mapped_column(BigInteger)
    rendered_at: Mapped[datetime | None] = mapped_column()
    changed_since_render: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[str] = mapped_column(String(128))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    tracks: Mapped[list[RedactionTrack]] = relationship(
        back_populates="redaction",
        cascade="all, delete-orphan",
        order_by="RedactionTrack.number",
        lazy="selectin",
    )
    audio_ranges: Mapped[list[AudioRange]] = relationship(
        back_populates="redaction",
        cascade="all, delete-orphan",
        order_by="AudioRange.start_seconds",
        lazy="selectin",
    )

    __table_args__ = (
        UniqueConstraint("evidence_id", "version"),
        Index("ix_redactions_evidence_rendered", "evidence_id", "rendered_at"),
    )


class RedactionTrack(IdMixin, Base):
    """One object across frames. `boxes`: [[frame, x, y, w, h, score or null], …] (null: not
    detected in that frame but interpolated, carried or drawn); `keyframes` for drawn ones."""

    __tablename__ = "redaction_tracks"

    redaction_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("redactions.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()  # 1, 2, … within the redaction
    kind: Mapped[str] = mapped_column(String(16))  # face | plate | manual
    source: Mapped[str] = mapped_column(String(16))  # detected | manual
    boxes: Mapped[list[Any]] = mapped_column(default=list)
    keyframes: Mapped[list[Any] | None] = mapped_column()
    first_frame: Mapped[int] = mapped_column()  # the extent (adjustable)
    last_frame: Mapped[int] = mapped_column()
    best_score: Mapped[float | None] = mapped_column(Float)
    thumbnail: Mapped[str | None] = mapped_column(Text)  # base64 JPEG
    decision: Mapped[str | None] = mapped_column(String(8))  # redact | keep | None: undecided
    style: Mapped[str] = mapped_column(String(16), default="blur")
    reason: Mapped[str | None] = mapped_column(String(32))
    reason_text: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[datetime | None] = mapped_column()

    redaction: Mapped[Redaction] = relationship(back_populates="tracks")

    __table_args__ = (UniqueConstraint("redaction_id", "number"),)


class AudioRange(IdMixin, Base):
    """Audio muted or replaced by a tone from `start_seconds` to `end_seconds`. `source` says
    where it came from: drawn on the waveform, or (later) the words of a transcript, whose ids
    `words` keeps — a range made from words is just a range."""

    __tablename__ = "redaction_audio_ranges"

    redaction_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("redactions.id", ondelete="CASCADE"))
    start_seconds: Mapped[float] = mapped_column(Float)
    end_seconds: Mapped[float] = mapped_column(Float)
    mode: Mapped[str] = mapped_column(String(8))  # mute | tone
    reason: Mapped[str] = mapped_column(String(32))
    reason_text: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16), default="waveform")  # waveform | words
    words: Mapped[list[Any] | None] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    redaction: Mapped[Redaction] = relationship(back_populates="audio_ranges")
