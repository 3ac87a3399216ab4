"""Annotating an item — notes, markers, tags, title, categories — each change recorded in the
audit log in the same transaction. The API and the pages both call these after authorising."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from openbwv.access.models import User
from openbwv.access.principal import Principal
from openbwv.audit.events import record
from openbwv.evidence import categorising, notes
from openbwv.evidence.markers import Marker, NewMarker, add_marker
from openbwv.evidence.models import EvidenceItem
from openbwv.evidence.notes import AnnotationError, Note

MAX_TITLE = 255
MAX_MARKER_LABEL = 500
_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$")


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


def add_note(
    session: Session, principal: Principal, item: EvidenceItem, text: str, source_ip: str | None
) -> Note:
    author = session.get(User, principal.user_id) if principal.user_id else None
    name = f"{author.display_name} ({author.username})" if author else principal.name
    note = notes.add_note(session, principal, item.id, text, name)
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


def add_user_marker(
    session: Session,
    principal: Principal,
    item: EvidenceItem,
    label: str,
    offset_seconds: float,
    source_ip: str | None,
) -> Marker:
    label = " ".join(label.split())
    if not label:
        raise AnnotationError("give the marker a label")
    if len(label) > MAX_MARKER_LABEL:
        raise AnnotationError(f"a marker label is at most {MAX_MARKER_LABEL} characters")
    if offset_seconds < 0:
        raise AnnotationError("a marker cannot be before the start of the recording")
    if item.duration_seconds is not None and offset_seconds > item.duration_seconds + 0.5:
        raise AnnotationError("a marker cannot be after the end of the recording")
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


def set_tags(
    session: Session,
    principal: Principal,
    item: EvidenceItem,
    tags: list[str],
    source_ip: str | None,
) -> list[str]:
    before, after = notes.set_tags(session, principal, item.id, tags)
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


def set_categories(
    session: Session,
    principal: Principal,
    item: EvidenceItem,
    wanted: list[str],
    source_ip: str | None,
) -> list[str]:
    """Raises categorising.UnknownCategory for a name that is not a category."""
    before, after = categorising.set_categories(session, principal, item, wanted)
    record(
        session,
        principal,
        "evidence.categorise",
        evidence_id=item.id,
        source_ip=source_ip,
        details={"before": before, "after": after},
    )
    return after
