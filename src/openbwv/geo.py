"""GPS tracks and drawn areas: bounding boxes (indexed in the database) and the exact test of
whether a track passes through a polygon (applied to the candidates the boxes let through).

Coordinates are WGS 84 degrees. Tracks are stored as ``[[iso time, lat, lon], ...]``; areas are
polygons of ``(lon, lat)`` vertices, as GeoJSON orders them. Over a city, treating degrees as a
plane is exact enough for "did this track pass through this area".
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MAX_AREA_VERTICES = 100
# A drawn area is part of a city: all London is 0.9° × 0.45°. Bigger ones are refused rather than
# turned into a scan of everything.
MAX_AREA_SPAN = 1.5
MIN_AREA = 1e-10  # square degrees (about 1 m²): below this the corners are on one line
Point = tuple[float, float]  # (lon, lat)


class AreaError(ValueError):
    """The drawn area cannot be used; the message says why."""


@dataclass(frozen=True)
class Box:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def overlaps(self, other: Box) -> bool:
        return (
            self.min_lon <= other.max_lon
            and self.max_lon >= other.min_lon
            and self.min_lat <= other.max_lat
            and self.max_lat >= other.min_lat
        )


def track_points(track: Sequence[Any] | None) -> list[Point]:
    """The (lon, lat) points of a stored track, skipping malformed entries."""
    points: list[Point] = []
    for entry in track or ():
        if isinstance(entry, list | tuple) and len(entry) >= 3:
            lat, lon = entry[1], entry[2]
            if isinstance(lat, int | float) and isinstance(lon, int | float):
                points.append((float(lon), float(lat)))
    return points


def bounding_box(points: Sequence[Point]) -> Box | None:
    if not points:
        return None
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    return Box(min(lons), min(lats), max(lons), max(lats))


def parse_area(text: str) -> list[Point]:
    """An area typed or drawn as 'lon,lat; lon,lat; ...' (at least three vertices)."""
    vertices: list[Point] = []
    for part in text.replace("\n", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        pieces = part.replace(" ", ",").split(",")
        numbers = [p for p in pieces if p]
        if len(numbers) != 2:
            raise AreaError(f"each corner of the area is 'longitude,latitude', not {part[:40]!r}")
        try:
            lon, lat = float(numbers[0]), float(numbers[1])
        except ValueError:
            raise AreaError(f"not a number in {part[:40]!r}") from None
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise AreaError(f"{part[:40]!r} is outside longitude/latitude bounds")
        if not vertices or vertices[-1] != (lon, lat):  # a double click adds nothing
            vertices.append((lon, lat))
    if len(vertices) > 1 and vertices[0] == vertices[-1]:
        vertices.pop()
    if len(vertices) < 3:
        raise AreaError("an area needs at least three corners")
    if len(vertices) > MAX_AREA_VERTICES:
        raise AreaError(f"an area has at most {MAX_AREA_VERTICES} corners")
    check_polygon(vertices)
    return vertices


def signed_area(polygon: Sequence[Point]) -> float:
    """Shoelace area (positive when the corners run anticlockwise)."""
    total = 0.0
    for (x0, y0), (x1, y1) in zip(polygon, [*polygon[1:], polygon[0]], strict=True):
        total += x0 * y1 - x1 * y0
    return total / 2


def self_intersects(polygon: Sequence[Point]) -> bool:
    """True when two edges that are not neighbours touch or cross (a bow tie, a loop)."""
    count = len(polygon)
    edges = list(zip(polygon, [*polygon[1:], polygon[0]], strict=True))
    for i in range(count):
        for j in range(i + 2, count):
            if i == 0 and j == count - 1:
                continue  # the last edge meets the first at the first corner
            if segments_cross(*edges[i], *edges[j]):
                return True
    return False


def check_polygon(polygon: Sequence[Point]) -> None:
    """Refuse an area that is too big, has no inside, or whose edges cross (its inside would be
    ambiguous): the messages say what to change."""
    box = bounding_box(polygon)
    assert box is not None
    if max(box.max_lon - box.min_lon, box.max_lat - box.min_lat) > MAX_AREA_SPAN:
        raise AreaError(
            f"an area is at most {MAX_AREA_SPAN:g} degrees across (all London is less than one)"
        )
    if self_intersects(polygon):
        raise AreaError("the area's edges cross each other: give its corners in order around it")
    if abs(signed_area(polygon)) < MIN_AREA:
        raise AreaError("the area's corners lie on one line, so it has no inside")


@dataclass(frozen=True)
class Area:
    """Where a search looks: one or more polygons (a drawn area, a borough's outline, or the
    outlines of a place's boroughs). A track is in the area when it passes through any of them."""

    label: str
    polygons: tuple[tuple[Point, ...], ...]

    def boxes(self) -> list[Box]:
        return [box for box in map(bounding_box, self.polygons) if box is not None]

    def holds(self, points: Sequence[Point]) -> bool:
        return any(track_passes_through(points, polygon) for polygon in self.polygons)


def format_area(vertices: Sequence[Point]) -> str:
    return "; ".join(f"{lon:.5f},{lat:.5f}" for lon, lat in vertices)


def point_in_polygon(point: Point, polygon: Sequence[Point]) -> bool:
    """Ray casting (even-odd rule)."""
    x, y = point
    inside = False
    j = len(polygon) - 1
    for i in range(len(polygon)):
        xi, yi = polygon[i]
        xj, yj = polygon[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def _orientation(a: Point, b: Point, c: Point) -> float:
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def _on_segment(a: Point, b: Point, c: Point) -> bool:
    return min(a[0], b[0]) <= c[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= c[1] <= max(a[1], b[1])


def segments_cross(p1: Point, p2: Point, q1: Point, q2: Point) -> bool:
    d1, d2 = _orientation(q1, q2, p1), _orientation(q1, q2, p2)
    d3, d4 = _orientation(p1, p2, q1), _orientation(p1, p2, q2)
    if d1 * d2 < 0 and d3 * d4 < 0:
        return True
    return (
        (d1 == 0 and _on_segment(q1, q2, p1))
        or (d2 == 0 and _on_segment(q1, q2, p2))
        or (d3 == 0 and _on_segment(p1, p2, q1))
        or (d4 == 0 and _on_segment(p1, p2, q2))
    )


def _in_box(point: Point, box: Box) -> bool:
    return box.min_lon <= point[0] <= box.max_lon and box.min_lat <= point[1] <= box.max_lat


def track_passes_through(points: Sequence[Point], polygon: Sequence[Point]) -> bool:
    """True when a point of the track lies in the polygon or a leg of it crosses an edge (a fast
    car between two fixes can pass through a small area without a fix inside it)."""
    if not points or len(polygon) < 3:
        return False
    area_box = bounding_box(polygon)
    track_box = bounding_box(points)
    if area_box is None or track_box is None or not area_box.overlaps(track_box):
        return False
    # Only fixes inside the area's box can be inside it (a borough outline has hundreds of corners).
    if any(point_in_polygon(p, polygon) for p in points if _in_box(p, area_box)):
        return True
    edges = list(zip(polygon, [*polygon[1:], polygon[0]], strict=True))
    for a, b in itertools.pairwise(points):
        leg = bounding_box((a, b))
        assert leg is not None
        if not leg.overlaps(area_box):
            continue
        if any(segments_cross(a, b, e1, e2) for e1, e2 in edges):
            return True
    return False
