"""The search form as typed, the criteria it is validated into, and a page of results."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from pydantic import Field as PydanticField

from openbwv import geo
from openbwv.evidence.models import EvidenceItem
from openbwv.evidence.schemas import EvidencePage

LONDON = ZoneInfo("Europe/London")


@dataclass
class SearchForm:
    """The search form exactly as typed (strings), so it can be shown again and saved."""

    text: str = ""
    officer: str = ""
    camera: str = ""
    borough: str = ""
    start: str = ""  # London wall time, YYYY-MM-DDTHH:MM
    end: str = ""
    category: str = ""
    case: str = ""  # crime reference
    tag: str = ""
    has_notes: str = ""
    has_markers: str = ""
    area: str = ""  # corners drawn or typed: "lon,lat; lon,lat; ..."
    area_borough: str = ""  # a borough the track passes through (name or GSS code)
    place: str = ""  # a name from the place list (evidence.search.places)
    view: str = "grid"

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> SearchForm:
        values = {}
        for item in fields(cls):
            raw = params.get(item.name)
            if isinstance(raw, str):
                values[item.name] = raw.strip()[:4000]
        form = cls(**values)
        if form.view not in ("grid", "table"):
            form.view = "grid"
        return form

    def pairs(self, *, with_view: bool = True) -> list[tuple[str, str]]:
        return [
            (item.name, getattr(self, item.name))
            for item in fields(self)
            if getattr(self, item.name) and (with_view or item.name != "view")
        ]

    def query_string(self, **extra: str) -> str:
        return urlencode([*self.pairs(), *((k, v) for k, v in extra.items() if v)])

    def as_details(self) -> dict[str, str]:
        """The criteria for the audit log (who searched for what)."""
        return {name: value[:500] for name, value in self.pairs(with_view=False)}


@dataclass
class Criteria:
    """A validated search: what the query filters on."""

    text: str | None = None
    officer: str | None = None
    officer_ids: list[uuid.UUID] = field(default_factory=list)
    camera: str | None = None
    borough: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    category: str | None = None
    case_id: uuid.UUID | None = None
    item_ids: list[uuid.UUID] | None = None  # only these items (another domain's selection)
    tag: str | None = None
    has_notes: bool = False
    has_markers: bool = False
    # Drawn area, borough and place: the track must pass through each one given.
    areas: list[geo.Area] = field(default_factory=list)


@dataclass
class Results:
    items: list[EvidenceItem]
    next_cursor: str | None
    count: int | None  # None: not counted (an area search counts as it goes)
    count_capped: bool
    scanned_out: bool = False  # an area search stopped looking before the page was full
    # The page's recordings in order: (recording key or None, the ids of its clips in `items`).
    recordings: list[tuple[str | None, list[uuid.UUID]]] = field(default_factory=list)


def london_to_utc(value: str) -> datetime:
    """'2026-11-24T10:30' read as Europe/London wall time, returned in UTC."""
    parsed = datetime.fromisoformat(value)
    try:
        if parsed.tzinfo is not None:
            return parsed.astimezone(UTC)
        return parsed.replace(tzinfo=LONDON).astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+14:00 is before the first UTC instant
        raise ValueError(f"{value!r} is outside the calendar") from None


class TextHitOut(BaseModel):
    seconds: float = PydanticField(description="where the words are said: seek the player here")
    snippet: str
    source: str = PydanticField(description="what matched, e.g. transcript")


class SearchPage(EvidencePage):
    """A page of the JSON search: `count` is exact up to `count_cap` (more: `count_capped`) and
    absent for an area search, which counts as it goes; `scanned_out` says an area search
    stopped looking before the page was full (the next page goes on from there); `hits` gives,
    by item id, where the search words are said in it (a transcript), to jump to."""

    count: int | None
    count_capped: bool
    scanned_out: bool
    hits: dict[str, list[TextHitOut]] = PydanticField(default_factory=dict)


class PlaceBorough(BaseModel):
    gss_code: str
    name: str


class PlaceOut(BaseModel):
    name: str
    kind: str = PydanticField(description="borough, bcu, london (inner/outer) or station")
    label: str
    boroughs: list[PlaceBorough]
