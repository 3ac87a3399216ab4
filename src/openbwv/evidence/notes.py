"""Notes and tags: what people write about an item.

Notes are append-only: a correction is a new note, so what was written, by whom and when stays as
it was (the audit log records each one too). Tags are free labels, stored in lower case, that
people add to find items again; unlike categories they drive neither retention nor access.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, delete, event, select
from sqlalchemy.orm import Mapped, Mapper, Session, mapped_column

from openbwv.access.principal import Principal
from openbwv.db.base import Base, IdMixin
from openbwv.timeutil import utcnow

MAX_NOTE_CHARS = 10_000
MAX_TAGS = 20
MAX_TAG_CHARS = 40
_SPACES = re.compile(r"\s+")


class AnnotationError(ValueError):
    """Bad input from a person: the message says what to change."""


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


def clean_note(text: str) -> str:
    cleaned = text.replace("\r\n", "\n").strip()
    if not cleaned:
        raise AnnotationError("write something in the note")
    if len(cleaned) > MAX_NOTE_CHARS:
        raise AnnotationError(f"a note is at most {MAX_NOTE_CHARS:,} characters")
    return cleaned


def add_note(
    session: Session,
    principal: Principal,
    evidence_id: uuid.UUID,
    text: str,
    author_name: str | None = None,
) -> Note:
    note = Note(
        evidence_id=evidence_id,
        author_id=principal.user_id or principal.id,
        author_name=(author_name or principal.name)[:128],
        text=clean_note(text),
    )
    session.add(note)
    session.flush()
    return note


def notes_for(session: Session, evidence_id: uuid.UUID) -> list[Note]:
    return list(
        session.scalars(
            select(Note)
            .where(Note.evidence_id == evidence_id)
            .order_by(Note.created_at, Note.id)
            .limit(1000)
        )
    )


def clean_tags(raw: list[str]) -> list[str]:
    """Tags in lower case with single spaces, de-duplicated, in the order given."""
    tags: list[str] = []
    for value in raw:
        tag = _SPACES.sub(" ", value).strip().lower()
        if not tag:
            continue
        if len(tag) > MAX_TAG_CHARS:
            raise AnnotationError(f"a tag is at most {MAX_TAG_CHARS} characters: {tag[:50]!r}")
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise AnnotationError(f"at most {MAX_TAGS} tags on an item")
    return tags


def split_tags(text: str) -> list[str]:
    """Tags typed in one box, separated by commas."""
    return clean_tags(text.split(","))


def tags_for(session: Session, evidence_id: uuid.UUID) -> list[str]:
    return list(
        session.scalars(select(Tag.tag).where(Tag.evidence_id == evidence_id).order_by(Tag.tag))
    )


def set_tags(
    session: Session, principal: Principal, evidence_id: uuid.UUID, tags: list[str]
) -> tuple[list[str], list[str]]:
    """Replace the item's tags; returns (before, after)."""
    wanted = clean_tags(tags)
    before = tags_for(session, evidence_id)
    session.execute(delete(Tag).where(Tag.evidence_id == evidence_id))
    for tag in wanted:
        session.add(Tag(evidence_id=evidence_id, tag=tag, added_by=principal.user_id))
    session.flush()
    return before, sorted(wanted)
