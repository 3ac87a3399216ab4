"""Markers: points (or spans) of interest on an item's timeline, from a device or a person.

A marker is placed by an offset into the item, an absolute time, or both. `source` says where it
came from (e.g. "axis" for a camera bookmark, "user" for someone reviewing) and `source_ref` names
the thing it was made from, so a repeated import adds nothing twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from openbwv.db.base import Base, IdMixin
from openbwv.timeutil import utcnow


class Marker(IdMixin, Base):
    __tablename__ = "evidence_markers"

    evidence_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evidence_items.id", ondelete="CASCADE")
    )
    offset_seconds: Mapped[float | None] = mapped_column()  # from the start of the item
    end_offset_seconds: Mapped[float | None] = mapped_column()
    at: Mapped[datetime | None] = mapped_column()  # absolute time, as claimed by its source
    end_at: Mapped[datetime | None] = mapped_column()
    label: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[Any]] = mapped_column(default=list)
    source: Mapped[str] = mapped_column(String(16))
    source_ref: Mapped[str | None] = mapped_column(String(255))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("evidence_id", "source", "source_ref"),
        Index("ix_evidence_markers_evidence_offset", "evidence_id", "offset_seconds"),
    )


@dataclass
class NewMarker:
    evidence_id: uuid.UUID
    source: str
    label: str = ""
    offset_seconds: float | None = None
    end_offset_seconds: float | None = None
    at: datetime | None = None
    end_at: datetime | None = None
    tags: list[str] = field(default_factory=list)
    source_ref: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    created_by: uuid.UUID | None = None


def add_marker(session: Session, new: NewMarker) -> tuple[Marker, bool]:
    """The marker, created unless one from the same source and reference exists: (marker, new)."""
    if new.source_ref is not None:
        existing = session.scalar(
            select(Marker).where(
                Marker.evidence_id == new.evidence_id,
                Marker.source == new.source,
                Marker.source_ref == new.source_ref,
            )
        )
        if existing is not None:
            return existing, False
    marker = Marker(
        evidence_id=new.evidence_id,
        offset_seconds=new.offset_seconds,
        end_offset_seconds=new.end_offset_seconds,
        at=new.at,
        end_at=new.end_at,
        label=new.label,
        tags=list(new.tags),
        source=new.source,
        source_ref=new.source_ref,
        details=dict(new.details),
        created_by=new.created_by,
    )
    session.add(marker)
    session.flush()
    return marker, True


def markers_for(session: Session, evidence_id: uuid.UUID) -> list[Marker]:
    return list(
        session.scalars(
            select(Marker)
            .where(Marker.evidence_id == evidence_id)
            .order_by(Marker.offset_seconds, Marker.at, Marker.created_at)
        )
    )
