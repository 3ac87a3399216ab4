"""Annotating an item — notes, markers, tags, its title — each change recorded in the audit log in
the same transaction. The API and the pages both call these after authorising the item; device
bookmarks arrive through `add_marker` (ingest records those itself)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from openbwv.access.models import User
from openbwv.access.principal import Principal
from openbwv.audit.events import record
from openbwv.evidence.annotations import queries
from openbwv.evidence.annotations.errors import AnnotationError
from openbwv.evidence.annotations.models import MAX_TAG_CHARS, Marker, Note, Tag
from openbwv.evidence.models import EvidenceItem

MAX_NOTE_CHARS = 10_000
MAX_TAGS = 20
MAX_TITLE = 255
MAX_MARKER_LABEL = 500
_SPACES = re.compile(r"\s+")
_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$")


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


# --- notes ------------------------------------------------------------------------------------


def clean_note(text: str) -> str:
    cleaned = text.replace("\r\n", "\n").strip()
    if not cleaned:
        raise AnnotationError("write something in the note")
    if len(cleaned) > MAX_NOTE_CHARS:
        raise AnnotationError(f"a note is at most {MAX_NOTE_CHARS:,} characters")
    return cleaned


def add_note(
    session: Session, principal: Principal, item: EvidenceItem, text: str, source_ip: str | None
) -> Note:
    """A note by the person, signed with their name and username (notes are append-only)."""
    author = session.get(User, principal.user_id) if principal.user_id else None
    name = f"{author.display_name} ({author.username})" if author else principal.name
    note = Note(
        evidence_id=item.id,
        author_id=principal.user_id or principal.id,
        author_name=name[:128],
        text=clean_note(text),
    )
    session.add(note)
    session.flush()
    record(
        session,
        principal,
        "evidence.note",
        evidence_id=item.id,
        target_type="note",
        target_id=str(note.id),
        source_ip=source_ip,
        details={"characters": len(note.text)},
    )
    return note


# --- markers ----------------------------------------------------------------------------------


def parse_offset(text: str) -> float:
    """Seconds from the start, typed as '75', '75.5', '1:15' or '0:01:15.5'."""
    value = text.strip()
    match = _CLOCK.match(value)
    try:
        if match:
            hours, minutes, seconds = match.groups()
            return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
        number = float(value)
    except ValueError:
        number = float("nan")
    if number != number or number in (float("inf"), float("-inf")):  # NaN or infinite
        raise AnnotationError("enter the time as seconds (75) or minutes:seconds (1:15)")
    return number


def add_marker(session: Session, new: NewMarker) -> tuple[Marker, bool]:
    """The marker, created unless one from the same source and reference exists: (marker, new)."""
    if new.source_ref is not None:
        existing = queries.find_marker(session, new.evidence_id, new.source, new.source_ref)
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


def _check_marker(item: EvidenceItem, label: str, offset_seconds: float) -> None:
    if not label:
        raise AnnotationError("give the marker a label")
    if len(label) > MAX_MARKER_LABEL:
        raise AnnotationError(f"a marker label is at most {MAX_MARKER_LABEL} characters")
    if offset_seconds < 0:
        raise AnnotationError("a marker cannot be before the start of the recording")
    if item.duration_seconds is not None and offset_seconds > item.duration_seconds + 0.5:
        raise AnnotationError("a marker cannot be after the end of the recording")


def add_user_marker(
    session: Session,
    principal: Principal,
    item: EvidenceItem,
    label: str,
    offset_seconds: float,
    source_ip: str | None,
) -> Marker:
    label = " ".join(label.split())
    _check_marker(item, label, offset_seconds)
    marker, _ = add_marker(
        session,
        NewMarker(
            evidence_id=item.id,
            source="user",
            label=label,
            offset_seconds=round(offset_seconds, 3),
            created_by=principal.user_id or principal.id,
            details={"by": principal.name},
        ),
    )
    record(
        session,
        principal,
        "evidence.marker",
        evidence_id=item.id,
        target_type="marker",
        target_id=str(marker.id),
        source_ip=source_ip,
        details={"offset_ms": round(offset_seconds * 1000)},
    )
    return marker


# --- tags and title ---------------------------------------------------------------------------


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


def set_tags(
    session: Session,
    principal: Principal,
    item: EvidenceItem,
    tags: list[str],
    source_ip: str | None,
) -> list[str]:
    """Replace the item's tags (recorded when they change); the tags now, sorted."""
    wanted = clean_tags(tags)
    before = queries.tags_for(session, item.id)
    session.execute(delete(Tag).where(Tag.evidence_id == item.id))
    for tag in wanted:
        session.add(Tag(evidence_id=item.id, tag=tag, added_by=principal.user_id))
    session.flush()
    after = sorted(wanted)
    if before != after:
        record(
            session,
            principal,
            "evidence.tag",
            evidence_id=item.id,
            source_ip=source_ip,
            details={"before": before, "after": after},
        )
    return after


def set_title(
    session: Session, principal: Principal, item: EvidenceItem, title: str, source_ip: str | None
) -> str | None:
    cleaned = " ".join(title.split()) or None
    if cleaned is not None and len(cleaned) > MAX_TITLE:
        raise AnnotationError(f"a title is at most {MAX_TITLE} characters")
    before = item.title
    if before != cleaned:
        item.title = cleaned
        record(
            session,
            principal,
            "evidence.edit",
            evidence_id=item.id,
            source_ip=source_ip,
            details={"field": "title", "before": before, "after": cleaned},
        )
    return cleaned
