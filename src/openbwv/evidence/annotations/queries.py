"""Reading an item's notes, tags and markers."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwv.evidence.annotations.models import Marker, Note, Tag

MAX_NOTES = 1000  # shown on one page


def notes_for(session: Session, evidence_id: uuid.UUID) -> list[Note]:
    return list(
        session.scalars(
            select(Note)
            .where(Note.evidence_id == evidence_id)
            .order_by(Note.created_at, Note.id)
            .limit(MAX_NOTES)
        )
    )


def tags_for(session: Session, evidence_id: uuid.UUID) -> list[str]:
    return list(
        session.scalars(select(Tag.tag).where(Tag.evidence_id == evidence_id).order_by(Tag.tag))
    )


def markers_for(session: Session, evidence_id: uuid.UUID) -> list[Marker]:
    return list(
        session.scalars(
            select(Marker)
            .where(Marker.evidence_id == evidence_id)
            .order_by(Marker.offset_seconds, Marker.at, Marker.created_at)
        )
    )


def find_marker(
    session: Session, evidence_id: uuid.UUID, source: str, source_ref: str
) -> Marker | None:
    """The marker made from `source_ref` by `source`, if there is one."""
    return session.scalar(
        select(Marker).where(
            Marker.evidence_id == evidence_id,
            Marker.source == source,
            Marker.source_ref == source_ref,
        )
    )
