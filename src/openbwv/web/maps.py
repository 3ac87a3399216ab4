"""London's boroughs as SVG: outlines from `organisation/data/london_boroughs.geojson`, projected
from longitude/latitude to page coordinates on the server, so maps need no script and no tiles.

Generic on purpose (the fleet dashboard and the evidence pages both draw on it): `project` turns
one lon/lat into x/y inside a box, `borough_paths` gives every borough's SVG path and a label
point, `borough_labels` places their names so they do not overlap, `tiles` lays a deployment's
own tile server (BWV_MAP_TILE_URL) under them, and `attribution` is the licence text that must
be shown wherever the map is drawn.
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
    min_lon, _, _, max_lat = bbox
    squeeze, scale, offset_x, offset_y = _fit(bbox, width, height)
    x = offset_x + (lon - min_lon) * squeeze * scale
    y = offset_y + (max_lat - lat) * scale
    return x, y


def _fit(bbox: BBox, width: float, height: float) -> tuple[float, float, float, float]:
    """How `bbox` sits in width × height: the longitude squeeze, the scale and the offsets."""
    min_lon, min_lat, max_lon, max_lat = bbox
    squeeze = math.cos(math.radians((min_lat + max_lat) / 2))
    span_x = max((max_lon - min_lon) * squeeze, 1e-12)
    span_y = max(max_lat - min_lat, 1e-12)
    scale = min(width / span_x, height / span_y)
    return squeeze, scale, (width - span_x * scale) / 2, (height - span_y * scale) / 2


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


@dataclass(frozen=True)
class Label:
    lines: tuple[str, ...]
    x: float
    y: float  # the first line's middle
    size: float

    @property
    def rows(self) -> list[tuple[str, float]]:
        """Each line with its y."""
        step = LINE_HEIGHT * self.size
        return [(line, round(self.y + i * step, 1)) for i, line in enumerate(self.lines)]


LINE_HEIGHT = 1.1  # em
CHAR_WIDTH = 0.56  # em, an average sans-serif letter


def _label_lines(name: str) -> tuple[str, ...]:
    """A name in one line, or two of about equal length when it is long."""
    name = name.replace(" and ", " & ")
    words = name.split()
    if len(name) <= 12 or len(words) < 2:
        return (name,)
    split = min(
        range(1, len(words)),
        key=lambda i: abs(len(" ".join(words[:i])) - len(" ".join(words[i:]))),
    )
    return (" ".join(words[:split]), " ".join(words[split:]))


def _overlap(a: BBox, b: BBox) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return width * height if width > 0 and height > 0 else 0.0


def _moves(width: float, height: float) -> list[tuple[float, float]]:
    """Where a label may go instead of its point, nearest first."""
    steps = [(0.0, 0.0)]
    for k in (0.5, 1.0, 1.5):
        steps += [(0.0, -k * height), (0.0, k * height)]
        steps += [(-k * width / 2, 0.0), (k * width / 2, 0.0)]
        steps += [(dx * k * width / 2, dy * k * height) for dx in (-1, 1) for dy in (-1, 1)]
    return steps


def borough_labels(paths: Sequence[BoroughPath], size: float = 11.0) -> list[Label]:
    """Each borough's name at its label point, or moved a little (up, down, sideways) where it
    would cover a name already placed: inner London is crowded. Where every move covers
    something, the one covering least is taken. Small boroughs are placed first, as they have
    the least room."""
    placed: list[BBox] = []
    labels: dict[str, Label] = {}
    for path in sorted(paths, key=lambda p: len(p.d)):  # fewer path points: a smaller borough
        lines = _label_lines(path.name)
        width = max(len(line) for line in lines) * CHAR_WIDTH * size
        height = len(lines) * LINE_HEIGHT * size
        best: tuple[float, BBox] | None = None
        for dx, dy in _moves(width, height):
            cx, cy = path.label_x + dx, path.label_y + dy
            box = (cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)
            covered = sum(_overlap(box, other) for other in placed)
            if best is None or covered < best[0]:
                best = (covered, box)
            if covered == 0:
                break
        assert best is not None
        box = best[1]
        placed.append(box)
        first = box[1] + LINE_HEIGHT * size / 2
        labels[path.gss_code] = Label(lines, round((box[0] + box[2]) / 2, 1), round(first, 1), size)
    return [labels[path.gss_code] for path in paths]


# --- tiles from the deployment's own server (BWV_MAP_TILE_URL) ---------------------------------

TILE_PIXELS = 256
MAX_TILES = 48
MAX_ZOOM = 19
MERCATOR_LIMIT = 85.0511


@dataclass(frozen=True)
class Tile:
    href: str
    x: float
    y: float
    width: float
    height: float


def unproject(x: float, y: float, bbox: BBox, width: float, height: float) -> tuple[float, float]:
    """The lon/lat `project` put at page coordinates x, y (its exact inverse)."""
    min_lon, _, _, max_lat = bbox
    squeeze, scale, offset_x, offset_y = _fit(bbox, width, height)
    return min_lon + (x - offset_x) / (squeeze * scale), max_lat - (y - offset_y) / scale


def _tile_x(lon: float, zoom: int) -> float:
    return (lon + 180) / 360 * 2**zoom


def _tile_y(lat: float, zoom: int) -> float:
    lat = max(-MERCATOR_LIMIT, min(MERCATOR_LIMIT, lat))
    return (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**zoom


def _tile_lon(x: int, zoom: int) -> float:
    return x / 2**zoom * 360 - 180


def _tile_lat(y: int, zoom: int) -> float:
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / 2**zoom))))


def tiles(
    template: str,
    bbox: BBox,
    size: tuple[float, float],
    view: tuple[float, float, float, float],
    screen_width: float = 700,
) -> list[Tile]:
    """The web-Mercator tiles (the usual z/x/y scheme) covering `view` (x, y, width, height in
    page units) of a map of `bbox` drawn at `size`, at the zoom where one tile is about a tile's
    width on a screen `screen_width` pixels wide. Each tile is stretched to its own corners'
    projected positions, so the outlines stay on the streets they follow."""
    width, height = size
    vx, vy, vw, vh = view
    west, north = unproject(vx, vy, bbox, width, height)
    east, south = unproject(vx + vw, vy + vh, bbox, width, height)
    degrees_per_tile = (east - west) * TILE_PIXELS / screen_width
    zoom = max(0, min(MAX_ZOOM, round(math.log2(360 / max(degrees_per_tile, 1e-9)))))
    while True:
        columns = range(int(_tile_x(west, zoom)), int(_tile_x(east, zoom)) + 1)
        rows = range(int(_tile_y(north, zoom)), int(_tile_y(south, zoom)) + 1)
        if len(columns) * len(rows) <= MAX_TILES or zoom == 0:
            break
        zoom -= 1
    found = []
    for tx in columns:
        for ty in rows:
            x0, y0 = project(_tile_lon(tx, zoom), _tile_lat(ty, zoom), bbox, width, height)
            x1, y1 = project(_tile_lon(tx + 1, zoom), _tile_lat(ty + 1, zoom), bbox, width, height)
            href = template.replace("{z}", str(zoom)).replace("{x}", str(tx))
            found.append(Tile(href.replace("{y}", str(ty)), x0, y0, x1 - x0, y1 - y0))
    return found


@cache
def attribution() -> str:
    """The attribution the data's licence asks for, as written in its NOTICE."""
    text = NOTICE.read_text()
    found = re.search(r'Attribution[^"]*"([^"]+)"', text)
    if found is None:
        raise RuntimeError(f"no attribution found in {NOTICE}")
    return " ".join(found.group(1).split())
