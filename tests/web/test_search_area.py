"""The geometry behind area search: a track passes through an area when a fix lies inside it or
a leg between two fixes crosses its edge; boxes are kept in step with stored tracks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from openbwv import geo

SQUARE = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]
CONCAVE = [(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (2.0, 1.0), (0.0, 4.0)]  # a notch at the top


def test_points_inside_and_outside() -> None:
    assert geo.point_in_polygon((0.5, 0.5), SQUARE)
    assert not geo.point_in_polygon((1.5, 0.5), SQUARE)
    assert geo.point_in_polygon((1.0, 0.5), CONCAVE)
    assert not geo.point_in_polygon((2.0, 3.0), CONCAVE)  # in the notch


def test_a_leg_crossing_the_area_counts_without_a_fix_inside() -> None:
    assert geo.track_passes_through([(-1.0, 0.5), (2.0, 0.5)], SQUARE)
    assert not geo.track_passes_through([(-1.0, 2.0), (2.0, 2.0)], SQUARE)
    # Over the notch of a concave area: the box overlaps, the track does not enter.
    assert not geo.track_passes_through([(1.5, 3.5), (2.5, 3.5)], CONCAVE)
    assert geo.track_passes_through([(1.5, 3.5), (3.5, 0.5)], CONCAVE)
    assert not geo.track_passes_through([], SQUARE)


def test_areas_are_parsed_strictly() -> None:
    assert geo.parse_area("-0.1,51.5; -0.2,51.5; -0.2,51.6; -0.1,51.5") == [
        (-0.1, 51.5),
        (-0.2, 51.5),
        (-0.2, 51.6),
    ]  # a closing corner repeating the first is dropped
    for text, message in (
        ("-0.1,51.5; -0.2,51.5", "at least three corners"),
        ("-0.1,51.5; x,y; 1,2", "not a number"),
        ("-0.1;51.5", "longitude,latitude"),
        ("-0.1,91; 0,0; 1,1", "outside"),
        ("; ".join(f"{i / 1000},{i / 1000}" for i in range(101)), "at most 100 corners"),
    ):
        with pytest.raises(geo.AreaError, match=message):
            geo.parse_area(text)


def test_the_box_follows_the_track() -> None:
    from openbwv.evidence.models import EvidenceItem

    when = datetime(2026, 1, 1, tzinfo=UTC).isoformat()
    item = EvidenceItem(gps_track=[[when, 51.50, -0.13], [when, 51.52, -0.12], ["bad"]])
    assert (item.track_min_lat, item.track_max_lat) == (51.50, 51.52)
    assert (item.track_min_lon, item.track_max_lon) == (-0.13, -0.12)
    item.gps_track = None
    assert item.track_min_lat is None and item.track_max_lon is None
