"""London's boroughs as SVG: outlines from `organisation/data/london_boroughs.geojson`, projected
from longitude/latitude to page coordinates on the server, so maps need no script and no tiles.

Generic on purpose (the fleet dashboard and the evidence pages both draw on it): `project` turns
one lon/lat into x/y inside a box, `borough_paths` gives every borough's SVG path and a label
point, `attribution` the licence text that must be shown wherever the map is drawn.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "organisation" / "data"
GEOJSON = DATA / "london_boroughs.geojson"
NOTICE = DATA / "NOTICE.md"

BBox = tuple[float, float, float, float]  # min lon, min lat, max lon, max lat
Ring = tuple[tuple[float, float], ...]  # (lon, lat) points


@dataclass(frozen=True)
class BoroughShape:
    gss_code: str
    name: str
    inner_london: bool
    met_policed: bool  # False for the City of London (City of London Police)
    polygons: tuple[tuple[Ring, ...], ...]  # each polygon: outer ring, then holes


@dataclass(frozen=True)
class BoroughPath:
    gss_code: str
    name: str
    inner_london: bool
    met_policed: bool
    d: str  # SVG path data in page coordinates
    label_x: float
    label_y: float


def _polygons(geometry: dict[str, object]) -> tuple[tuple[Ring, ...], ...]:
    coordinates = geometry["coordinates"]
    assert isinstance(coordinates, list)
    polygons = coordinates if geometry["type"] == "MultiPolygon" else [coordinates]
    return tuple(
        tuple(tuple((float(p[0]), float(p[1])) for p in ring) for ring in polygon)
        for polygon in polygons
    )


@cache
def borough_shapes() -> tuple[BoroughShape, ...]:
    """The 33 London local authorities (32 boroughs and the City), sorted by name."""
    features = json.loads(GEOJSON.read_text())["features"]
    shapes = [
        BoroughShape(
            gss_code=f["properties"]["gss_code"],
            name=f["properties"]["name"],
            inner_london=bool(f["properties"].get("inner_london")),
            met_policed=bool(f["properties"].get("met_policed", True)),
            polygons=_polygons(f["geometry"]),
        )
        for f in features
    ]
    return tuple(sorted(shapes, key=lambda s: s.name))


def bounds(points: Iterable[tuple[float, float]]) -> BBox:
    lons, lats = zip(*points, strict=True)
    return min(lons), min(lats), max(lons), max(lats)


@cache
def london_bbox() -> BBox:
    return bounds(
        point
        for shape in borough_shapes()
        for polygon in shape.polygons
        for ring in polygon
        for point in ring
    )


def project(lon: float, lat: float, bbox: BBox, width: float, height: float) -> tuple[float, float]:
    """Page coordinates (x right, y down) of a point, for a map of `bbox` fitted and centred in
    width × height. Equirectangular, with longitudes shortened by cos(mid-latitude): over an
    area the size of London that is within a fraction of a percent of a conformal projection."""
    min_lon, min_lat, max_lon, max_lat = bbox
    squeeze = math.cos(math.radians((min_lat + max_lat) / 2))
    span_x = max((max_lon - min_lon) * squeeze, 1e-12)
    span_y = max(max_lat - min_lat, 1e-12)
    scale = min(width / span_x, height / span_y)
    offset_x = (width - span_x * scale) / 2
    offset_y = (height - span_y * scale) / 2
    x = offset_x + (lon - min_lon) * squeeze * scale
    y = offset_y + (max_lat - lat) * scale
    return x, y


def _ring_path(points: Sequence[tuple[float, float]], min_step: float = 0.75) -> str:
    """A closed SVG path; points closer than `min_step` to the last one drawn add nothing
    visible at this size and are dropped (small maps, e.g. thumbnails, get much lighter)."""
    head, *rest = points
    parts = [f"M{head[0]:.1f} {head[1]:.1f}"]
    last = head
    for x, y in rest:
        if abs(x - last[0]) + abs(y - last[1]) >= min_step:
            parts.append(f"L{x:.1f} {y:.1f}")
            last = (x, y)
    return "".join(parts) + "Z"


def _centroid(points: Sequence[tuple[float, float]]) -> tuple[float, float, float]:
    """Area-weighted centroid and (absolute) area of a closed ring."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(points, [*points[1:], points[0]], strict=True):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(area) < 1e-9:
        xs, ys = zip(*points, strict=True)
        return sum(xs) / len(xs), sum(ys) / len(ys), 0.0
    return cx / (3 * area), cy / (3 * area), abs(area) / 2


def borough_paths(
    width: float = 800, height: float = 600, bbox: BBox | None = None
) -> list[BoroughPath]:
    """Every borough as an SVG path in a width × height map (all London unless `bbox`), with a
    label point at the centroid of its largest part."""
    box = bbox or london_bbox()
    paths = []
    for shape in borough_shapes():
        d, best = [], (0.0, 0.0, -1.0)
        for polygon in shape.polygons:
            for index, ring in enumerate(polygon):
                points = [project(lon, lat, box, width, height) for lon, lat in ring]
                d.append(_ring_path(points))
                if index == 0:
                    centre = _centroid(points)
                    best = centre if centre[2] > best[2] else best
        paths.append(
            BoroughPath(
                gss_code=shape.gss_code,
                name=shape.name,
                inner_london=shape.inner_london,
                met_policed=shape.met_policed,
                d="".join(d),
                label_x=round(best[0], 1),
                label_y=round(best[1], 1),
            )
        )
    return paths


@cache
def attribution() -> str:
    """The attribution the data's licence asks for, as written in its NOTICE."""
    text = NOTICE.read_text()
    found = re.search(r'Attribution[^"]*"([^"]+)"', text)
    if found is None:
        raise RuntimeError(f"no attribution found in {NOTICE}")
    return " ".join(found.group(1).split())
