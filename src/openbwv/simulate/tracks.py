"""GNSS tracks inside a borough: an officer on foot or in a car, one fix every few seconds.

The borough outlines are the organisation's `london_boroughs.geojson` (polygons with holes, some
multi-part). A start is sampled uniformly inside the outline (rejection sampling in its bounding
box); each step moves at walking or driving speed on a slowly turning heading, and a step that
would leave the borough turns the officer round instead, so every fix lies inside it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from openbwv.geo import point_in_polygon
from openbwv.web.maps import borough_shapes

METRES_PER_DEGREE_LAT = 111_320.0
WALK_SPEED = (1.0, 1.8)  # m/s
DRIVE_SPEED = (6.0, 13.0)  # m/s: urban traffic, 13–30 mph
Fix = tuple[datetime, float, float]  # (time, lat, lon), as the Axis client takes them


class UnknownBorough(ValueError):
    pass


@dataclass(frozen=True)
class Outline:
    gss_code: str
    name: str
    polygons: tuple[tuple[tuple[tuple[float, float], ...], ...], ...]  # (lon, lat) rings
    box: tuple[float, float, float, float]  # min lon, min lat, max lon, max lat

    def contains(self, lat: float, lon: float) -> bool:
        point = (lon, lat)
        for outer, *holes in self.polygons:
            if point_in_polygon(point, outer) and not any(
                point_in_polygon(point, hole) for hole in holes
            ):
                return True
        return False

    def random_point(self, rng: random.Random) -> tuple[float, float]:
        """(lat, lon) uniformly inside the borough."""
        min_lon, min_lat, max_lon, max_lat = self.box
        for _ in range(10_000):
            lat, lon = rng.uniform(min_lat, max_lat), rng.uniform(min_lon, max_lon)
            if self.contains(lat, lon):
                return lat, lon
        raise AssertionError(f"no point found inside {self.name}")  # pragma: no cover


@cache
def outlines() -> dict[str, Outline]:
    found: dict[str, Outline] = {}
    for shape in borough_shapes():
        points = [p for polygon in shape.polygons for ring in polygon[:1] for p in ring]
        lons, lats = [p[0] for p in points], [p[1] for p in points]
        box = (min(lons), min(lats), max(lons), max(lats))
        found[shape.gss_code] = Outline(shape.gss_code, shape.name, shape.polygons, box)
    return found


def outline(reference: str) -> Outline:
    """A borough by GSS code or name (any case)."""
    shapes = outlines()
    if reference.upper() in shapes:
        return shapes[reference.upper()]
    for shape in shapes.values():
        if shape.name.lower() == reference.strip().lower():
            return shape
    raise UnknownBorough(f"unknown borough {reference!r}: use a GSS code (E09000007) or a name")


def track(
    borough: Outline,
    rng: random.Random,
    start: datetime,
    seconds: float,
    *,
    driving: bool = False,
    interval: tuple[int, int] = (2, 6),
) -> list[Fix]:
    """Fixes from `start` for `seconds`, every `interval` whole seconds (irregular, as a
    receiver among buildings reports), all inside `borough`."""
    lat, lon = borough.random_point(rng)
    heading = rng.uniform(0, 2 * math.pi)
    low, high = DRIVE_SPEED if driving else WALK_SPEED
    fixes: list[Fix] = [(start, round(lat, 6), round(lon, 6))]
    elapsed = 0
    while True:
        step = rng.randint(*interval)
        if elapsed + step > seconds:
            break
        elapsed += step
        heading += rng.gauss(0, 0.35)
        lat, lon, heading = _move(borough, rng, lat, lon, heading, rng.uniform(low, high) * step)
        fixes.append((start + timedelta(seconds=elapsed), round(lat, 6), round(lon, 6)))
    return fixes


def _move(
    borough: Outline, rng: random.Random, lat: float, lon: float, heading: float, metres: float
) -> tuple[float, float, float]:
    for attempt in range(12):
        north, east = metres * math.cos(heading), metres * math.sin(heading)
        new_lat = lat + north / METRES_PER_DEGREE_LAT
        new_lon = lon + east / (METRES_PER_DEGREE_LAT * math.cos(math.radians(lat)))
        if borough.contains(round(new_lat, 6), round(new_lon, 6)):
            return new_lat, new_lon, heading
        # The boundary: turn round (a little more each time) and try again.
        heading += math.pi * (0.5 + rng.random()) if attempt else math.pi
    return lat, lon, heading  # hemmed in: stand still for this fix


def all_inside(borough: Outline, fixes: Sequence[tuple[float, float]]) -> bool:
    """Whether every (lat, lon) lies inside the borough."""
    return all(borough.contains(lat, lon) for lat, lon in fixes)
