"""The GNSS track object: `{"CoordinateEntries": [{"LocationWKT": "POINT(lon lat)",
"SecondsFromStart": 64.0, "Timestamp": "2022-08-23T11:48:10Z"}, …]}` → `[[iso time, lat, lon]]`."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta

from openbwv.timeutil import isoformat_z, parse_rfc3339

MAX_POINTS = 1_000_000
_POINT = re.compile(
    r"^\s*POINT\s*\(\s*([-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s+"
    r"([-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*\)\s*$",
    re.IGNORECASE,
)

Point = tuple[datetime, float, float]


class GnssError(ValueError):
    """A GNSS track that is not the specification's JSON."""


def _when(entry: dict[str, object], recording_start: datetime) -> datetime:
    stamp = entry.get("Timestamp")
    if isinstance(stamp, str) and stamp:
        try:
            return parse_rfc3339(stamp)
        except ValueError:
            raise GnssError(f"Timestamp {stamp!r} is not an RFC 3339 time") from None
    offset = entry.get("SecondsFromStart")
    if isinstance(offset, int | float) and not isinstance(offset, bool) and math.isfinite(offset):
        return recording_start + timedelta(seconds=float(offset))
    raise GnssError("each coordinate entry needs a Timestamp or SecondsFromStart")


def _point(entry: object, recording_start: datetime) -> Point:
    if not isinstance(entry, dict):
        raise GnssError("each coordinate entry must be an object")
    wkt = entry.get("LocationWKT")
    match = _POINT.match(wkt) if isinstance(wkt, str) else None
    if match is None:
        raise GnssError(f"LocationWKT {wkt!r} is not a WKT POINT(longitude latitude)")
    lon, lat = float(match.group(1)), float(match.group(2))
    if not (math.isfinite(lat) and -90 <= lat <= 90 and math.isfinite(lon) and -180 <= lon <= 180):
        raise GnssError(f"{wkt} is outside latitude/longitude bounds")
    return _when(entry, recording_start), lat, lon


def parse_track(data: bytes, recording_start: datetime | None) -> list[Point]:
    """The points of a track, in time order. Entries that give only SecondsFromStart can be
    checked for form without `recording_start` (pass None): their times are then not needed."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise GnssError("the GNSS track is not JSON") from None
    entries = document.get("CoordinateEntries") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise GnssError("the GNSS track has no CoordinateEntries list")
    if len(entries) > MAX_POINTS:
        raise GnssError(f"the GNSS track has more than {MAX_POINTS} points")
    fallback = recording_start or datetime(2000, 1, 1, tzinfo=UTC)
    points = [_point(entry, fallback) for entry in entries]
    return sorted(points, key=lambda p: p[0])


def as_track(points: list[Point]) -> list[list[object]]:
    """The evidence item's `gps_track`: [[iso time, lat, lon], …]."""
    return [[isoformat_z(when), lat, lon] for when, lat, lon in points]
