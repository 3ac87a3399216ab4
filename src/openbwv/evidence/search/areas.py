"""Searching by where the GPS track went: how the database narrows an area search to
candidates (by the tracks' bounding boxes), and the exact test of each candidate's track.

Every item keeps its track's box in indexed columns (`EvidenceItem._track_box`); PostgreSQL also
has a GiST index of the box (migration 0006)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_

from openbwv import geo
from openbwv.evidence.models import EvidenceItem

AREA_MAX_SCAN = 5000  # candidates an area search tests per page before it says it stopped


def area_clause(area: geo.Area, indexed: bool) -> ColumnElement[bool]:
    """Tracks whose box overlaps the box of one of the area's polygons (a place's boroughs each
    have their own box: one box around all of them would let most of London through)."""
    return or_(*(_box_clause(box, indexed) for box in area.boxes()))


def _item_box() -> ColumnElement[Any]:
    return func.box(
        func.point(EvidenceItem.track_min_lon, EvidenceItem.track_min_lat),
        func.point(EvidenceItem.track_max_lon, EvidenceItem.track_max_lat),
    )


def overlap(box: geo.Box) -> ColumnElement[bool]:
    """PostgreSQL: the box test on the GiST index of the box expression (see migration 0006)."""
    area_box = func.box(func.point(box.min_lon, box.min_lat), func.point(box.max_lon, box.max_lat))
    return _item_box().op("&&")(area_box)


def _box_clause(box: geo.Box, indexed: bool) -> ColumnElement[bool]:
    overlaps = and_(
        EvidenceItem.track_min_lat <= box.max_lat,
        EvidenceItem.track_max_lat >= box.min_lat,
        EvidenceItem.track_min_lon <= box.max_lon,
        EvidenceItem.track_max_lon >= box.min_lon,
    )
    return and_(overlap(box), overlaps) if indexed else overlaps


def in_areas(item: EvidenceItem, areas: list[geo.Area]) -> bool:
    """The item's track passes through every area given (drawn, borough, place)."""
    return track_in_areas(item.gps_track, areas)


def track_in_areas(track: Any, areas: list[geo.Area]) -> bool:
    """The track (an item's `gps_track`) passes through every area given."""
    points = geo.track_points(track)
    return all(area.holds(points) for area in areas)
