"""The place list an area search takes instead of a drawn area: every name comes from what the
platform already holds, so no gazetteer, postcode lookup or network is needed.

A place is a set of boroughs, searched through their shipped outlines:

* each of the 33 boroughs (the City of London included), by name;
* each Basic Command Unit ("Central North BCU": Camden and Islington);
* "Inner London" and "Outer London" (the boroughs' own statistical grouping);
* each station the force has registered, standing for its borough ("Holborn station (Camden)"):
  stations carry no coordinates, so a station names its borough, and the list says so.

Pure: the caller reads boroughs and stations (organisation's queries) and passes them in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from openbwv import geo
from openbwv.web import maps


@dataclass(frozen=True)
class BoroughRef:
    gss_code: str
    name: str
    inner_london: bool
    bcu: str | None


@dataclass(frozen=True)
class Place:
    name: str
    kind: str  # borough, bcu, london, station
    boroughs: tuple[BoroughRef, ...]

    @property
    def label(self) -> str:
        if self.kind == "station":
            return f"{self.name} ({self.boroughs[0].name})"
        return self.name


def key(name: str) -> str:
    """Names compare ignoring case and spacing ("central north bcu" finds the BCU)."""
    return " ".join(name.split()).casefold()


def place_list(boroughs: Iterable[BoroughRef], stations: Iterable[tuple[str, str]]) -> list[Place]:
    """Boroughs, BCUs, inner and outer London, then stations (name, GSS code), each by name."""
    by_code = {b.gss_code: b for b in boroughs}
    ordered = sorted(by_code.values(), key=lambda b: b.name)
    places = [Place(b.name, "borough", (b,)) for b in ordered]
    for bcu in sorted({b.bcu for b in ordered if b.bcu}):
        members = tuple(b for b in ordered if b.bcu == bcu)
        places.append(Place(f"{bcu} BCU", "bcu", members))
    places.append(Place("Inner London", "london", tuple(b for b in ordered if b.inner_london)))
    places.append(Place("Outer London", "london", tuple(b for b in ordered if not b.inner_london)))
    taken = {key(p.name) for p in places}
    for name, code in sorted(stations):
        station = name if key(name).endswith("station") else f"{name} station"
        if code in by_code and key(station) not in taken:
            taken.add(key(station))
            places.append(Place(station, "station", (by_code[code],)))
    return places


def find(places: Iterable[Place], name: str) -> Place | None:
    wanted = key(name)
    return next((p for p in places if key(p.name) == wanted or key(p.label) == wanted), None)


def area_of(place: Place) -> geo.Area:
    """The place's boroughs' outlines (their outer rings: the shipped outlines have no holes)."""
    shapes = {shape.gss_code: shape for shape in maps.borough_shapes()}
    polygons = tuple(
        polygon[0]
        for borough in place.boroughs
        if borough.gss_code in shapes
        for polygon in shapes[borough.gss_code].polygons
    )
    return geo.Area(place.label, polygons)
