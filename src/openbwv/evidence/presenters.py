"""What the evidence pages show about items, looked up in bulk (a page of results costs a fixed
number of queries, not one per item)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openbwv.access.models import User
from openbwv.evidence.markers import Marker
from openbwv.evidence.models import Category, EvidenceCategory, EvidenceItem
from openbwv.evidence.notes import Note, Tag
from openbwv.organisation.models import Borough
from openbwv.web.render import london

FLAG_TEXT = {
    "unknown_camera": "Unknown camera: the serial is not in the fleet register",
    "unknown_officer": "Unknown officer: the device named someone who is not a user",
    "unknown_category": "Unknown category from the device",
    "unreadable": "Unreadable: kept as received, but it does not decode as video",
    "time_out_of_bounds": "Recorded time out of bounds: the device clock looks wrong",
}


@dataclass(frozen=True)
class CategoryView:
    name: str
    label: str
    restricted: bool
    known: bool = True


@dataclass
class ItemCard:
    item: EvidenceItem
    heading: str
    officer_name: str
    borough_name: str
    categories: list[CategoryView] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    notes: int = 0
    markers: int = 0

    @property
    def id(self) -> uuid.UUID:
        return self.item.id

    @property
    def uncategorised(self) -> bool:
        return not self.categories


def heading(item: EvidenceItem) -> str:
    """A title for the item: its own, else what and when it was recorded."""
    if item.title:
        return item.title
    camera = item.camera_serial or "unknown camera"
    return f"Recording on {camera}, {london(item.occurred_at, '%d %b %Y %H:%M')}"


_boroughs: dict[str, str] | None = None


def category_catalogue(session: Session) -> dict[str, CategoryView]:
    rows = session.execute(
        select(Category.name, Category.label, Category.restricted).order_by(Category.label)
    )
    return {name: CategoryView(name, label, restricted) for name, label, restricted in rows}


def borough_names(session: Session) -> dict[str, str]:
    """Borough names by GSS code (reference data: read once per process)."""
    global _boroughs
    if _boroughs is None:
        _boroughs = dict(session.execute(select(Borough.gss_code, Borough.name)).all())
    return dict(_boroughs)


@dataclass(frozen=True)
class Person:
    display_name: str
    shoulder_number: str | None
    warrant_number: str | None


def people(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, Person]:
    """Names and numbers only (no roles, no secrets): what a page shows about officers."""
    if not ids:
        return {}
    rows = session.execute(
        select(User.id, User.display_name, User.shoulder_number, User.warrant_number).where(
            User.id.in_(ids)
        )
    )
    return {row[0]: Person(row[1], row[2], row[3]) for row in rows}


def person_label(user: Person | None, claimed: str | None) -> str:
    if user is None:
        return claimed or "Unknown officer"
    number = user.shoulder_number or user.warrant_number
    return f"{user.display_name} ({number})" if number else user.display_name


def _counts(session: Session, column: Any, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    query = select(column, func.count()).where(column.in_(ids)).group_by(column)
    return {key: value for key, value in session.execute(query)}


def cards(
    session: Session,
    items: Sequence[EvidenceItem],
    catalogue: dict[str, CategoryView] | None = None,
    boroughs: dict[str, str] | None = None,
) -> list[ItemCard]:
    ids = [item.id for item in items]
    if not ids:
        return []
    catalogue = catalogue if catalogue is not None else category_catalogue(session)
    boroughs = boroughs if boroughs is not None else borough_names(session)
    categories: dict[uuid.UUID, list[CategoryView]] = defaultdict(list)
    for evidence_id, name in session.execute(
        select(EvidenceCategory.evidence_id, EvidenceCategory.category).where(
            EvidenceCategory.evidence_id.in_(ids)
        )
    ):
        unknown = CategoryView(name, name, restricted=False, known=False)
        categories[evidence_id].append(catalogue.get(name) or unknown)
    tags: dict[uuid.UUID, list[str]] = defaultdict(list)
    for evidence_id, tag in session.execute(
        select(Tag.evidence_id, Tag.tag).where(Tag.evidence_id.in_(ids)).order_by(Tag.tag)
    ):
        tags[evidence_id].append(tag)
    note_counts = _counts(session, Note.evidence_id, ids)
    marker_counts = _counts(session, Marker.evidence_id, ids)
    users = people(session, {i.officer_user_id for i in items if i.officer_user_id})
    return [
        ItemCard(
            item=item,
            heading=heading(item),
            officer_name=person_label(
                users.get(item.officer_user_id) if item.officer_user_id else None, item.officer
            ),
            borough_name=boroughs.get(item.borough or "", item.borough or "—"),
            categories=sorted(categories.get(item.id, []), key=lambda c: c.label),
            tags=tags.get(item.id, []),
            notes=note_counts.get(item.id, 0),
            markers=marker_counts.get(item.id, 0),
        )
        for item in items
    ]


def technical(item: EvidenceItem) -> list[tuple[str, str]]:
    """Technical details as (label, value) rows."""
    probe = item.probe or {}
    width, height = probe.get("width"), probe.get("height")
    rate = probe.get("frame_rate")
    rows = [
        ("Evidence ID", str(item.id)),
        ("SHA-256 of the original", item.sha256),
        ("Size", f"{item.size_bytes:,} bytes"),
        ("Media type", item.media_type),
        ("Original file name", item.original_filename or "—"),
        ("Container", probe.get("container_short") or probe.get("container") or "—"),
        ("Video codec", probe.get("video_codec") or "—"),
        ("Audio codec", probe.get("audio_codec") or "—"),
        ("Resolution", f"{width} × {height}" if width and height else "—"),
        ("Frame rate", f"{rate:.2f} frames per second" if rate else "—"),
        ("Source", item.source),
        ("Status", item.status),
    ]
    return rows
