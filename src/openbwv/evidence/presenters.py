"""What the evidence pages show about items: the shapes (`evidence.queries.cards` fills them in
bulk, so a page of results costs a fixed number of queries) and plain formatting."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from openbwv.access.policy import roles
from openbwv.access.principal import Principal
from openbwv.evidence.annotations.models import Marker
from openbwv.evidence.models import DerivativeKind, DerivativeStatus, EvidenceItem
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


def clip_seconds(item: EvidenceItem) -> float:
    """A clip's length: as probed, else as the device said (its recorded start to end)."""
    if item.duration_seconds is not None:
        return item.duration_seconds
    if item.recorded_start and item.recorded_end:
        return max((item.recorded_end - item.recorded_start).total_seconds(), 0.0)
    return 0.0


@dataclass
class RecordingGroup:
    """A recording on a list: its clips (those the person may see, in recording order).

    Its length is the sum of its clips' lengths, not the span from its first start to its last
    end: the span would count the time between clips (a camera's file boundaries, or a clip the
    person may not see) as footage there is to watch."""

    cards: list[ItemCard]
    key: str | None = None

    @property
    def first(self) -> ItemCard:
        return self.cards[0]

    @property
    def id(self) -> uuid.UUID:
        return self.first.id

    @property
    def heading(self) -> str:
        titled = next((card for card in self.cards if card.item.title), self.first)
        return titled.heading

    @property
    def several(self) -> bool:
        return len(self.cards) > 1

    @property
    def total_seconds(self) -> float:
        return sum(clip_seconds(card.item) for card in self.cards)

    @property
    def uncategorised(self) -> bool:
        return any(card.uncategorised for card in self.cards)

    @property
    def categories(self) -> list[CategoryView]:
        seen = {c.name: c for card in self.cards for c in card.categories}
        return sorted(seen.values(), key=lambda c: c.label)

    @property
    def notes(self) -> int:
        return sum(card.notes for card in self.cards)

    @property
    def markers(self) -> int:
        return sum(card.markers for card in self.cards)


def group_cards(
    recordings: list[tuple[str | None, list[uuid.UUID]]], cards: list[ItemCard]
) -> list[RecordingGroup]:
    """The cards of a page's recordings, grouped as the recordings are ((key, clip ids) each)."""
    by_id = {card.id: card for card in cards}
    return [
        RecordingGroup([by_id[i] for i in ids if i in by_id], key)
        for key, ids in recordings
        if any(i in by_id for i in ids)
    ]


def heading(item: EvidenceItem) -> str:
    """A title for the item: its own, else what and when it was recorded."""
    if item.title:
        return item.title
    camera = item.camera_serial or "unknown camera"
    return f"Recording on {camera}, {london(item.occurred_at, '%d %b %Y %H:%M')}"


@dataclass(frozen=True)
class Person:
    display_name: str
    shoulder_number: str | None
    warrant_number: str | None


def person_label(user: Person | None, claimed: str | None) -> str:
    if user is None:
        return claimed or "Unknown officer"
    number = user.shoulder_number or user.warrant_number
    return f"{user.display_name} ({number})" if number else user.display_name


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


def abilities(principal: Principal) -> dict[str, bool]:
    """What the controls offer. An item the person may view is in their reach for every action
    (scope and restrictions do not depend on the action), so the role decides; each change is
    still authorised again by the policy when it arrives."""
    return {
        "play": principal.can(roles.PLAY),
        "download": principal.can(roles.DOWNLOAD),
        "edit": principal.can(roles.EDIT),
        "categorise": principal.can(roles.CATEGORISE),
        "link": principal.can(roles.LINK),
        "redact": principal.can(roles.REDACT),
    }


def playable(item: EvidenceItem) -> bool:
    return any(
        d.kind == DerivativeKind.PLAYBACK
        and d.status in (DerivativeStatus.READY, DerivativeStatus.NOT_NEEDED)
        for d in item.derivatives
    )


def strip_tiles(item: EvidenceItem) -> dict[str, Any] | None:
    strip = item.derivative(DerivativeKind.STRIP)
    if strip is None or not strip.info.get("timestamps"):
        return None
    return {
        "times": [float(t) for t in strip.info["timestamps"]],
        "tile_width": int(strip.info.get("tile_width") or 160),
        "tile_height": int(strip.info.get("tile_height") or 90),
    }


def _offset(marker: Marker, item: EvidenceItem) -> float | None:
    if marker.offset_seconds is not None:
        return marker.offset_seconds
    if marker.at is not None and item.recorded_start is not None:
        return max(0.0, (marker.at - item.recorded_start).total_seconds())
    return None


def marker_rows(item: EvidenceItem, markers: list[Marker]) -> list[dict[str, Any]]:
    """The item's markers placed on its timeline (x in thousandths of the duration)."""
    duration = item.duration_seconds or 0
    rows = []
    for marker in markers:
        offset = _offset(marker, item)
        rows.append(
            {
                "marker": marker,
                "offset": offset,
                "x": None if offset is None or not duration else round(1000 * offset / duration, 1),
                "kind": "Camera bookmark" if marker.source == "axis" else "Marker",
                "by": marker.details.get("by") if isinstance(marker.details, dict) else None,
            }
        )
    return rows
