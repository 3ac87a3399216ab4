"""Maps for evidence pages, drawn with `web.maps`: the whole of London for drawing a search area,
and a GPS track over the borough outlines (with the points the player's dot moves between).

Both use one projection of all London (computed once per process, so a page pays nothing for the
outlines); a track map is the same drawing with its viewBox zoomed to the track. The browser
turns a click back into longitude/latitude with the numbers in `inverse` (the exact inverse of
`maps.project` for the same box and size)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from starlette.requests import Request

from openbwv import geo
from openbwv.timeutil import parse_rfc3339
from openbwv.web import maps

WIDTH, HEIGHT = 800.0, 620.0
LABEL_SIZE = 12.0  # map units: about 10 px where the search's map is drawn 700 px wide
TRACK_MARGIN = 6.0  # map units (about 400 m) around a track
MIN_TRACK_SPAN = 24.0  # a track map shows at least this many units (about 1.7 km) across
TRACK_ASPECT = 1.5


@dataclass(frozen=True)
class MapView:
    width: float
    height: float
    bbox: maps.BBox
    boroughs: list[maps.BoroughPath]
    labels: list[maps.Label]
    attribution: str

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width:.0f} {self.height:.0f}"

    @property
    def inverse(self) -> dict[str, str]:
        """data-* attributes for the browser: the box and size `maps.project` was given."""
        min_lon, min_lat, max_lon, max_lat = self.bbox
        return {
            "data-bbox": f"{min_lon:.6f},{min_lat:.6f},{max_lon:.6f},{max_lat:.6f}",
            "data-width": f"{self.width:.0f}",
            "data-height": f"{self.height:.0f}",
        }

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return maps.project(lon, lat, self.bbox, self.width, self.height)

    def points(self, lonlats: Sequence[geo.Point]) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in (self.xy(lo, la) for lo, la in lonlats))


@dataclass(frozen=True)
class TrackMap:
    view: MapView
    view_box: str  # zoomed to the track
    scale: float  # map units per screen-sized unit at this zoom (for radii and label sizes)
    line: str  # SVG polyline points
    start: tuple[float, float]
    end: tuple[float, float]
    timed: list[list[float]]  # [offset seconds, x, y]: where the dot is at each fix
    fixes: int


@cache
def area_map() -> MapView:
    """All of London: for drawing a search area, and (zoomed) under every track."""
    bbox = maps.london_bbox()
    paths = maps.borough_paths(WIDTH, HEIGHT, bbox)
    labels = maps.borough_labels(paths, LABEL_SIZE)
    return MapView(WIDTH, HEIGHT, bbox, paths, labels, maps.attribution())


@dataclass(frozen=True)
class TileLayer:
    tiles: list[maps.Tile]
    attribution: str


def tile_layer(request: Request, view_box: str | None = None) -> TileLayer | None:
    """Tiles for the area map (or, zoomed, a track map's `view_box`) from the deployment's own
    tile server; None without BWV_MAP_TILE_URL. The server and the Content-Security-Policy that
    allows it both come from `web.views.install`, so a page never asks for what is blocked."""
    template, attribution = getattr(request.app.state, "map_tiles", (None, ""))
    if not template:
        return None
    view = area_map()
    box = view_box or view.view_box
    x, y, width, height = (float(part) for part in box.split())
    tiles = maps.tiles(template, view.bbox, (view.width, view.height), (x, y, width, height))
    return TileLayer(tiles, attribution)


def _zoom(points: Sequence[tuple[float, float]]) -> tuple[str, float]:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    width = max(max(xs) - min(xs) + 2 * TRACK_MARGIN, MIN_TRACK_SPAN)
    height = max(max(ys) - min(ys) + 2 * TRACK_MARGIN, MIN_TRACK_SPAN / TRACK_ASPECT)
    width, height = max(width, height * TRACK_ASPECT), max(height, width / TRACK_ASPECT)
    left, top = (max(xs) + min(xs) - width) / 2, (max(ys) + min(ys) - height) / 2
    return f"{left:.2f} {top:.2f} {width:.2f} {height:.2f}", width / 640


def _offset(when: Any, start: datetime | None, index: int) -> float:
    if start is not None and isinstance(when, str):
        try:
            return max(0.0, (parse_rfc3339(when) - start).total_seconds())
        except ValueError:
            pass
    return float(index)


def track_map(track: list[Any] | None, recorded_start: datetime | None) -> TrackMap | None:
    """The item's track over the boroughs around it; None without a usable track."""
    points = geo.track_points(track)
    if not points:
        return None
    view = area_map()
    projected = [view.xy(lon, lat) for lon, lat in points]
    view_box, scale = _zoom(projected)
    timed = []
    for index, entry in enumerate(track or ()):
        if isinstance(entry, list | tuple) and len(entry) >= 3:
            try:
                x, y = view.xy(float(entry[2]), float(entry[1]))
            except (TypeError, ValueError):
                continue
            timed.append([round(_offset(entry[0], recorded_start, index), 2), round(x, 2)])
            timed[-1].append(round(y, 2))
    timed.sort(key=lambda row: row[0])
    return TrackMap(
        view=view,
        view_box=view_box,
        scale=scale,
        line=" ".join(f"{x:.2f},{y:.2f}" for x, y in projected),
        start=projected[0],
        end=projected[-1],
        timed=timed,
        fixes=len(points),
    )
