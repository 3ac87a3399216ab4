"""Annotation tables: notes (append-only), tags and markers.

Notes are append-only: a correction is a new note, so what was written, by whom and when stays as
it was (the audit log records each one too). Tags are free labels, stored in lower case, that
people add to find items again; unlike categories they drive neither retention nor access.
A marker is a point (or span) of interest on an item's timeline, placed by an offset into the
item, an absolute time, or both. `source` says where it came from (e.g. "axis" for a camera
bookmark, "user" for someone reviewing) and `source_ref` names the thing it was made from, so a
repeated import adds nothing twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from openbwv.db.base import Base, IdMixin
from openbwv.evidence.annotations.errors import AnnotationError
from openbwv.timeutil import utcnow

MAX_TAG_CHARS = 40


class Note(IdMixin, Base):
    __tablename__ = "evidence_notes"

    evidence_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evidence_items.id", ondelete="CASCADE")
    )
    author_id: Mapped[uuid.UUID | None] = mapped_column()
    author_name: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_evidence_notes_evidence_created", "evidence_id", "created_at"),)


class Tag(Base):
    __tablename__ = "evidence_tags"

    evidence_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evidence_items.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(MAX_TAG_CHARS), primary_key=True)
    added_by: Mapped[uuid.UUID | None] = mapped_column()
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_evidence_tags_tag", "tag"),)


def _refuse_change(_mapper: Mapper[Note], _connection: object, target: Note) -> None:
    raise AnnotationError(f"notes are append-only: note {target.id} cannot be changed")


event.listen(Note, "before_update", _refuse_change)
event.listen(Note, "before_delete", _refuse_change)


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
