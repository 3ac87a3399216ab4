"""A case's timeline: every linked recording the person may view, from every camera, on one time
axis (London time on screen), one lane per officer and camera — the same incident seen from
several officers side by side, and the offsets the synchronised player starts each video at."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from openbwv.evidence.presenters import ItemCard
from openbwv.web.render import london

AXIS_WIDTH = 1000.0
NICE_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 21600, 43200)


@dataclass
class Clip:
    card: ItemCard
    start: datetime
    end: datetime
    offset: float  # seconds from the timeline's start
    length: float
    x: float = 0.0
    width: float = 0.0
    playable: bool = False
    poster: bool = False


@dataclass
class Lane:
    label: str
    clips: list[Clip] = field(default_factory=list)


@dataclass
class Timeline:
    start: datetime
    end: datetime
    lanes: list[Lane]
    ticks: list[tuple[float, str]]  # x, London time label
    undated: list[ItemCard]

    @property
    def span(self) -> float:
        return max((self.end - self.start).total_seconds(), 1.0)

    @property
    def clips(self) -> list[Clip]:
        return sorted((c for lane in self.lanes for c in lane.clips), key=lambda c: c.offset)


def _bounds(card: ItemCard) -> tuple[datetime, datetime] | None:
    item = card.item
    start = item.recorded_start
    if start is None:
        return None
    end = item.recorded_end
    if item.duration_seconds:
        end = max(end or start, start + timedelta(seconds=item.duration_seconds))
    return start, max(end or start, start + timedelta(seconds=1))


def _ticks(start: datetime, span: float) -> list[tuple[float, str]]:
    step = next((s for s in NICE_STEPS if span / s <= 8), NICE_STEPS[-1])
    first = start.timestamp() // step * step + step
    fmt = "%H:%M:%S" if step < 60 else "%H:%M"
    ticks = []
    moment = first
    while moment < start.timestamp() + span:
        offset = moment - start.timestamp()
        when = datetime.fromtimestamp(moment, tz=start.tzinfo)
        ticks.append((round(AXIS_WIDTH * offset / span, 1), london(when, fmt)))
        moment += step
    return ticks


def build(cards: list[ItemCard], playable: set[Any], posters: set[Any]) -> Timeline | None:
    """The timeline of `cards` (already limited to what the person may view)."""
    dated = [(card, bounds) for card in cards if (bounds := _bounds(card)) is not None]
    undated = [card for card in cards if _bounds(card) is None]
    if not dated:
        return None
    start = min(bounds[0] for _, bounds in dated)
    end = max(bounds[1] for _, bounds in dated)
    span = max((end - start).total_seconds(), 1.0)
    lanes: dict[tuple[str, str], Lane] = {}
    for card, (clip_start, clip_end) in sorted(dated, key=lambda pair: pair[1][0]):
        camera = card.item.camera_serial or "unknown camera"
        key = (card.officer_name, camera)
        lane = lanes.setdefault(key, Lane(f"{card.officer_name} · {camera}"))
        offset = (clip_start - start).total_seconds()
        length = (clip_end - clip_start).total_seconds()
        lane.clips.append(
            Clip(
                card=card,
                start=clip_start,
                end=clip_end,
                offset=round(offset, 3),
                length=round(length, 3),
                x=round(AXIS_WIDTH * offset / span, 1),
                width=max(round(AXIS_WIDTH * length / span, 1), 2.0),
                playable=card.id in playable,
                poster=card.id in posters,
            )
        )
    return Timeline(start, end, list(lanes.values()), _ticks(start, span), undated)
