"""Boxes and tracks as plain data: what the detectors find, the tracker links and the renderer
obscures. A track's boxes are per frame (detected, interpolated between detections or carried
past the last one), so the renderer needs no knowledge of how they were made."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Box:
    """Pixels: top-left corner, width and height; `score` is the detector's (None: not detected
    in this frame, but interpolated, carried or placed by hand)."""

    x: float
    y: float
    w: float
    h: float
    score: float | None = None

    def padded(self, fraction: float, width: int, height: int) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) grown by `fraction` of its size on every side, clipped to the frame."""
        dx, dy = self.w * fraction, self.h * fraction
        x0 = max(0, int(self.x - dx))
        y0 = max(0, int(self.y - dy))
        x1 = min(width, round(self.x + self.w + dx))
        y1 = min(height, round(self.y + self.h + dy))
        return x0, y0, x1, y1

    def iou(self, other: Box) -> float:
        x0, y0 = max(self.x, other.x), max(self.y, other.y)
        x1 = min(self.x + self.w, other.x + other.w)
        y1 = min(self.y + self.h, other.y + other.h)
        inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
        union = self.w * self.h + other.w * other.h - inter
        return inter / union if union > 0 else 0.0


@dataclass
class Track:
    """One object across frames: `boxes` maps a frame index to its box."""

    kind: str  # "face", "plate" or "manual"
    boxes: dict[int, Box] = field(default_factory=dict)
    label: str | None = None  # e.g. the plate's text as read

    @property
    def first(self) -> int:
        return min(self.boxes)

    @property
    def last(self) -> int:
        return max(self.boxes)

    def detected_frames(self) -> list[int]:
        return sorted(f for f, b in self.boxes.items() if b.score is not None)

    def to_rows(self) -> list[list[Any]]:
        """[[frame, x, y, w, h, score or None], ...] in frame order (the stored form)."""
        return [
            [f, round(b.x, 1), round(b.y, 1), round(b.w, 1), round(b.h, 1), _score(b.score)]
            for f, b in sorted(self.boxes.items())
        ]

    @classmethod
    def from_rows(cls, kind: str, rows: list[list[Any]], label: str | None = None) -> Track:
        return cls(kind, {int(r[0]): Box(r[1], r[2], r[3], r[4], r[5]) for r in rows}, label)


def _score(value: float | None) -> float | None:
    return None if value is None else round(float(value), 3)


def interpolate_keyframes(keyframes: list[tuple[int, Box]], last_frame: int | None = None) -> Track:
    """A hand-drawn track from keyframes: boxes linearly interpolated between them, held from the
    last keyframe to `last_frame` when given."""
    ordered = sorted(keyframes, key=lambda pair: pair[0])
    track = Track("manual")
    for (f0, b0), (f1, b1) in itertools.pairwise(ordered):
        for frame in range(f0, f1):
            t = (frame - f0) / (f1 - f0)
            track.boxes[frame] = _mix(b0, b1, t)
    end_frame, end_box = ordered[-1]
    for frame in range(end_frame, max(end_frame, last_frame or end_frame) + 1):
        track.boxes[frame] = Box(end_box.x, end_box.y, end_box.w, end_box.h)
    return track


def _mix(a: Box, b: Box, t: float) -> Box:
    return Box(
        a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t, a.w + (b.w - a.w) * t, a.h + (b.h - a.h) * t
    )


def fill_gaps(detections: dict[int, Box], carry: int, last_frame: int) -> dict[int, Box]:
    """Per-frame boxes from sparse detections: interpolated between them, carried `carry` frames
    past the last one (never past `last_frame`) and as many before the first (a face turning
    towards the camera is seen a little before the detector is sure of it)."""
    frames = sorted(detections)
    boxes: dict[int, Box] = dict(detections)
    for f0, f1 in itertools.pairwise(frames):
        for frame in range(f0 + 1, f1):
            mixed = _mix(detections[f0], detections[f1], (frame - f0) / (f1 - f0))
            boxes[frame] = Box(mixed.x, mixed.y, mixed.w, mixed.h)
    first, last = detections[frames[0]], detections[frames[-1]]
    for frame in range(max(0, frames[0] - carry), frames[0]):
        boxes[frame] = Box(first.x, first.y, first.w, first.h)
    for frame in range(frames[-1] + 1, min(last_frame, frames[-1] + carry) + 1):
        boxes[frame] = Box(last.x, last.y, last.w, last.h)
    return boxes
