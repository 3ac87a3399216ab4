"""Resumable uploads (tus): the durable state of each upload between requests."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from openbwv.db.base import Base, IdMixin, TimestampMixin


class UploadState(enum.StrEnum):
    OPEN = "open"  # accepting bytes
    COMPLETE = "complete"  # every byte landed; the evidence item exists
    REJECTED = "rejected"  # whole-file checksum mismatch: nothing stored as evidence
    TERMINATED = "terminated"  # the client deleted it
    EXPIRED = "expired"  # not finished in time; bytes discarded


class Upload(IdMixin, TimestampMixin, Base):
    __tablename__ = "uploads"

    state: Mapped[str] = mapped_column(String(16), default=UploadState.OPEN)
    length: Mapped[int] = mapped_column(BigInteger)
    offset: Mapped[int] = mapped_column(BigInteger, default=0)
    upload_metadata: Mapped[dict[str, Any]] = mapped_column(default=dict)
    raw_metadata: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID | None] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    evidence_id: Mapped[uuid.UUID | None] = mapped_column()
    sha256: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_uploads_state_expires", "state", "expires_at"),)
