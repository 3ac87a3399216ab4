"""A case's timeline: every linked recording the person may view, from every camera, on one time
axis (London time on screen), one lane per officer and camera — the same incident seen from
several officers side by side, and the offsets the synchronised player starts each video at.

Idle time is compressed: where more than `GAP_SECONDS` pass with no recording, the axis shows a
narrow gap marked with its real length, and the synchronised player jumps over it. Offsets stay
in real seconds from the timeline's start (London times are right on both sides of a gap); only
the drawing (x) is compressed."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from openbwv.evidence.presenters import ItemCard, RecordingGroup
from openbwv.web.render import london

AXIS_WIDTH = 1000.0
GAP_SECONDS = 60.0  # idle time longer than this is drawn compressed and skipped in playback
GAP_WIDTH = 60.0  # axis units a compressed gap takes (less when there are many)
GAP_SHARE = 0.25  # all the gaps together take at most this share of the axis
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
    part: int = 1  # its place among the clips of its recording (those on this timeline)
    parts: int = 1
    recording: str = ""  # the recording's title, when it has several clips

    @property
    def label(self) -> str:
        """Its recording's title, and which clip of it this is when there are several."""
        if self.parts < 2:
            return self.card.heading
        return f"{self.recording or self.card.heading}, clip {self.part} of {self.parts}"


@dataclass(frozen=True)
class Segment:
    """A stretch of the axis drawn to scale: real seconds `begin`–`end` at x `x`–`x + width`."""

    begin: float
    end: float
    x: float
    width: float


@dataclass(frozen=True)
class Gap:
    """Idle time between two segments, drawn compressed and skipped by the player."""

    start: datetime
    end: datetime
    begin: float  # real seconds from the timeline's start
    x: float
    width: float

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    @property
    def label(self) -> str:
        """Its real length, short: "59 min", "1 h 5 min", "2 min 30 s"."""
        total = round(self.seconds)
        hours, rest = divmod(total, 3600)
        minutes, seconds = divmod(rest, 60)
        if hours:
            return f"{hours} h {minutes} min" if minutes else f"{hours} h"
        if minutes >= 10 or not seconds:
            return f"{minutes} min"
        return f"{minutes} min {seconds} s"


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
    segments: list[Segment] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    recordings: list[RecordingGroup] = field(default_factory=list)

    @property
    def span(self) -> float:
        return max((self.end - self.start).total_seconds(), 1.0)

    @property
    def segment_data(self) -> str:
        """The segments for the player: "begin,end,x,x_end" separated by ";"."""
        return ";".join(f"{s.begin},{s.end},{s.x},{round(s.x + s.width, 1)}" for s in self.segments)

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


def _segments(intervals: list[tuple[float, float]], span: float) -> list[Segment]:
    """The busy stretches of the axis (recordings no more than GAP_SECONDS apart), laid out so
    that each gap between them takes a fixed narrow width and the rest is to scale."""
    clusters: list[list[float]] = []
    for begin, end in sorted(intervals):
        if clusters and begin - clusters[-1][1] <= GAP_SECONDS:
            clusters[-1][1] = max(clusters[-1][1], end)
        else:
            clusters.append([begin, end])
    clusters[-1][1] = max(clusters[-1][1], span)
    gaps = len(clusters) - 1
    gap_width = min(GAP_WIDTH, AXIS_WIDTH * GAP_SHARE / gaps) if gaps else 0.0
    busy = sum(end - begin for begin, end in clusters) or 1.0
    scale = (AXIS_WIDTH - gaps * gap_width) / busy
    segments, x = [], 0.0
    for begin, end in clusters:
        width = (end - begin) * scale
        segments.append(Segment(begin, end, round(x, 1), round(width, 1)))
        x += width + gap_width
    return segments


def _x(segments: list[Segment], offset: float) -> float:
    """Where real second `offset` is drawn (inside a gap: spread across the gap's width)."""
    for segment, following in zip(segments, [*segments[1:], None], strict=True):
        if offset <= segment.end or following is None:
            if offset < segment.begin:
                return segment.x
            fraction = (offset - segment.begin) / max(segment.end - segment.begin, 1e-9)
            return segment.x + min(fraction, 1.0) * segment.width
        if offset < following.begin:
            fraction = (offset - segment.end) / (following.begin - segment.end)
            gap_x = segment.x + segment.width
            return gap_x + fraction * (following.x - gap_x)
    return AXIS_WIDTH


def _ticks(start: datetime, segments: list[Segment]) -> list[tuple[float, str]]:
    """London time ticks in each segment, about eight across the whole axis."""
    ticks = []
    for segment in segments:
        length = max(segment.end - segment.begin, 1.0)
        room = max(1, round(8 * segment.width / AXIS_WIDTH))
        step = next((s for s in NICE_STEPS if length / s <= room), NICE_STEPS[-1])
        fmt = "%H:%M:%S" if step < 60 else "%H:%M"
        origin = start.timestamp()
        moment = (origin + segment.begin) // step * step + step
        while moment < origin + segment.begin + length:
            when = datetime.fromtimestamp(moment, tz=start.tzinfo)
            ticks.append((round(_x(segments, moment - origin), 1), london(when, fmt)))
            moment += step
    return ticks


def recordings_of(cards: list[ItemCard]) -> list[RecordingGroup]:
    """The cards grouped by recording (an item without a recording key is one of its own), each
    group's clips in recording order, the groups in order of their first clip."""
    groups: dict[Any, list[ItemCard]] = {}
    for card in sorted(cards, key=lambda c: (c.item.occurred_at, c.id)):
        groups.setdefault(card.item.recording_key or card.id, []).append(card)
    return [RecordingGroup(group, group[0].item.recording_key) for group in groups.values()]


def _number(lanes: list[Lane], recordings: list[RecordingGroup]) -> None:
    place = {
        card.id: (n, len(group.cards), group.heading)
        for group in recordings
        for n, card in enumerate(group.cards, 1)
    }
    for clip in (clip for lane in lanes for clip in lane.clips):
        clip.part, clip.parts, clip.recording = place.get(clip.card.id, (1, 1, ""))


def build(cards: list[ItemCard], playable: set[Any], posters: set[Any]) -> Timeline | None:
    """The timeline of `cards` (already limited to what the person may view)."""
    dated = [(card, bounds) for card in cards if (bounds := _bounds(card)) is not None]
    undated = [card for card in cards if _bounds(card) is None]
    if not dated:
        return None
    start = min(bounds[0] for _, bounds in dated)
    end = max(bounds[1] for _, bounds in dated)
    span = max((end - start).total_seconds(), 1.0)
    intervals = [((a - start).total_seconds(), (b - start).total_seconds()) for _, (a, b) in dated]
    segments = _segments(intervals, span)
    lanes: dict[tuple[str, str], Lane] = {}
    for card, (clip_start, clip_end) in sorted(dated, key=lambda pair: pair[1][0]):
        camera = card.item.camera_serial or "unknown camera"
        key = (card.officer_name, camera)
        lane = lanes.setdefault(key, Lane(f"{card.officer_name} · {camera}"))
        offset = (clip_start - start).total_seconds()
        length = (clip_end - clip_start).total_seconds()
        x = _x(segments, offset)
        lane.clips.append(
            Clip(
                card=card,
                start=clip_start,
                end=clip_end,
                offset=round(offset, 3),
                length=round(length, 3),
                x=round(x, 1),
                width=max(round(_x(segments, offset + length) - x, 1), 2.0),
                playable=card.id in playable,
                poster=card.id in posters,
            )
        )
    gaps = [
        Gap(
            start + timedelta(seconds=before.end),
            start + timedelta(seconds=after.begin),
            round(before.end, 3),
            round(before.x + before.width, 1),
            round(after.x - before.x - before.width, 1),
        )
        for before, after in itertools.pairwise(segments)
    ]
    ticks = _ticks(start, segments)
    recordings = recordings_of(cards)
    _number(list(lanes.values()), recordings)
    return Timeline(start, end, list(lanes.values()), ticks, undated, segments, gaps, recordings)


def x_at(timeline: Timeline, when: datetime) -> float:
    """Where a moment falls on the drawn axis (clamped to its ends): for marking other times,
    such as a CAD incident's dispatch, arrival and clearing, over the recordings."""
    offset = (when - timeline.start).total_seconds()
    if offset <= 0:
        return 0.0
    if offset >= timeline.span:
        return AXIS_WIDTH
    return round(_x(timeline.segments, offset), 1)
