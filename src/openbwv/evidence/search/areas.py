"""Searching by where the GPS track went: how the database narrows an area search to
candidates (by the tracks' bounding boxes), and the exact test of each candidate's track.

Every item keeps its track's box in indexed columns (`EvidenceItem._track_box`); PostgreSQL also
has a GiST index of the box (migration 0006)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, text
from sqlalchemy.orm import Session

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


def area_plan(session: Session, areas: list[geo.Area]) -> str:
    """How the database narrows an area search (the exact test of each track runs in Python):
    SQLite by the box columns; PostgreSQL from the GiST index when the areas' boxes hold few
    tracks in all (a count on the index that stops at AREA_MAX_SCAN), otherwise not at all,
    walking each branch newest first as any search does, the tracks tested as they come. The
    planner cannot tell these apart (it takes a box overlap to match a fixed share of rows) and
    at 10 M items the wrong plan costs seconds: every track of a borough fetched and sorted
    when it is searched by its own outline, or a whole borough walked for one street."""
    if session.get_bind().dialect.name != "postgresql":
        return "columns"
    for area in areas:
        inside = select(EvidenceItem.id).where(or_(*(overlap(box) for box in area.boxes())))
        held = select(func.count()).select_from(inside.limit(AREA_MAX_SCAN + 1).subquery())
        if _count_without_bitmaps(session, held) <= AREA_MAX_SCAN:
            return "index"
    return "walk"


def _count_without_bitmaps(session: Session, count: Select[int]) -> int:
    """`count` run with PostgreSQL's bitmap scans off for this statement only. A bitmap scan cannot
    stop at the LIMIT: it collects every match of the box first (332,000 index entries for a
    borough's box at 10 M items: 250–500 ms), where a plain index scan stops at the 5,001st
    (about 25 ms). The planner picks the bitmap because it takes any box overlap to match a
    fixed share of the rows."""
    previous = session.scalar(text("SELECT current_setting('enable_bitmapscan')"))
    session.execute(text("SELECT set_config('enable_bitmapscan', 'off', true)"))
    try:
        return session.scalar(count) or 0
    finally:
        session.execute(
            text("SELECT set_config('enable_bitmapscan', :previous, true)"),
            {"previous": previous},
        )


def in_areas(item: EvidenceItem, areas: list[geo.Area]) -> bool:
    """The track passes through every area given (drawn, borough, place)."""
    points = geo.track_points(item.gps_track)
    return all(area.holds(points) for area in areas)
