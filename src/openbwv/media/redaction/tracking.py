"""Linking detections across frames with norfair (a maintained multi-object tracker: a Kalman
filter per object and IoU matching), then making every frame of a track covered: boxes
interpolated between detections and carried `carry` frames past the last one, so a face the
detector misses for a few frames stays hidden. Detection may run on every Nth frame only; the
tracker is told the period, and the frames between are interpolated."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import cv2
import numpy as np

from openbwv.media.redaction.boxes import Box, Track, fill_gaps
from openbwv.media.redaction.detectors import Detector, Frame

THUMB_SIDE = 96


@dataclass(frozen=True)
class Settings:
    every: int = 1  # detect on every Nth frame
    carry: int = 12  # frames a track survives (and stays covered) past its last detection
    min_iou: float = 0.1  # how much a detection must overlap a track's prediction to join it


@dataclass
class _Open:
    kind: str
    detections: dict[int, Box] = field(default_factory=dict)
    best: float = -1.0
    thumbnail: bytes | None = None


@dataclass
class TrackResult:
    tracks: list[Track]
    thumbnails: list[bytes | None]
    frames: int


class _KindTracker:
    def __init__(self, detector: Detector, settings: Settings) -> None:
        from norfair import Tracker  # scipy.stats: seconds of start-up, paid only by workers

        self.detector, self.settings = detector, settings
        self.tracker = Tracker(
            distance_function="iou",
            distance_threshold=1.0 - settings.min_iou,
            hit_counter_max=max(1, settings.carry),
            initialization_delay=0,
        )
        self.open: dict[object, _Open] = {}

    def step(self, index: int, frame: Frame) -> None:
        from norfair import Detection

        boxes = self.detector.detect(frame)
        detections = [
            Detection(
                np.array([[b.x, b.y], [b.x + b.w, b.y + b.h]]),
                scores=np.array([b.score or 1.0, b.score or 1.0]),
                data=(index, b),
            )
            for b in boxes
        ]
        for obj in self.tracker.update(detections, period=self.settings.every):
            seen_at, box = obj.last_detection.data
            if seen_at != index:
                continue
            track = self.open.setdefault(obj, _Open(self.detector.kind))  # by identity
            track.detections[index] = box
            if (box.score or 0.0) > track.best:
                track.best, track.thumbnail = box.score or 0.0, _thumbnail(frame, box)


def track_frames(
    frames: Iterable[Frame],
    detectors: list[tuple[Detector, Settings]],
    on_frame: Callable[[int], None] | None = None,
) -> TrackResult:
    """Run the detectors (each on its own every Nth frame) and link what they find."""
    trackers = [_KindTracker(detector, settings) for detector, settings in detectors]
    count = 0
    for index, frame in enumerate(frames):
        for kind_tracker in trackers:
            if index % kind_tracker.settings.every == 0:
                kind_tracker.step(index, frame)
        count = index + 1
        if on_frame is not None:
            on_frame(index)
    tracks: list[Track] = []
    thumbs: list[bytes | None] = []
    for kind_tracker in trackers:
        carry = kind_tracker.settings.carry
        for opened in kind_tracker.open.values():
            boxes = fill_gaps(opened.detections, carry, count - 1)
            tracks.append(Track(opened.kind, boxes))
            thumbs.append(opened.thumbnail)
    order = sorted(range(len(tracks)), key=lambda i: (tracks[i].first, tracks[i].kind))
    return TrackResult([tracks[i] for i in order], [thumbs[i] for i in order], count)


def _thumbnail(frame: Frame, box: Box) -> bytes | None:
    height, width = frame.shape[:2]
    x0, y0, x1, y1 = box.padded(0.2, width, height)
    if x1 <= x0 or y1 <= y0:
        return None
    crop = frame[y0:y1, x0:x1]
    scale = THUMB_SIDE / max(crop.shape[:2])
    crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ok, encoded = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, 80])
    return bytes(encoded) if ok else None
