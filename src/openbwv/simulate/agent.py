"""A docked camera's recordings, from plan to upload: the clips are encoded (in encoder
processes), the recording is handed to the Axis client as the station's system controller
would, and what was sent is written in the ledger — the evidence the run can later be checked
against: each clip's SHA-256 as sent (the ciphertext, when encrypted), its camera, officer and
borough, its markers and track, and when it was docked, sent and stored.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from openbwv.ingest.axis.client import AxisClient, BookmarkSpec, ClipSpec, RecordingSpec, Upload
from openbwv.simulate.config import SimConfig
from openbwv.simulate.footage import FootageSpec, render
from openbwv.simulate.shifts import PlannedRecording
from openbwv.simulate.systems import BodyWornSystem


@dataclass
class SentClip:
    container: str
    name: str
    sha256: str  # of the bytes sent: what the platform must hold as the original
    plain_sha256: str  # of the clip before encryption (equal when not encrypted)
    size: int
    serial: str
    officer: str  # the Axis UserID: the officer's warrant number
    borough: str
    encrypted: bool
    start: datetime
    stop: datetime
    marker_texts: list[str] = field(default_factory=list)  # text bookmarks that fall in it
    categories: list[str] = field(default_factory=list)  # category ids of the recording
    track_points: int = 0  # fixes within the clip's time
    docked_at: float = 0.0  # wall clock (time.time()): the camera went into the dock
    sent_at: float = 0.0  # its recording's upload began
    stored_at: float | None = None  # its recording's upload finished (Complete answered)
    evidence_id: str | None = None


class Ledger:
    """Every clip sent in a run (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.clips: list[SentClip] = []

    def add(self, clips: list[SentClip]) -> None:
        with self._lock:
            self.clips.extend(clips)

    def stored(self) -> list[SentClip]:
        with self._lock:
            return [c for c in self.clips if c.stored_at is not None]


def footage_specs(recording: PlannedRecording, config: SimConfig, container: str) -> list:
    return [
        FootageSpec(
            serial=recording.wearer.serial,
            start=clip.start,
            seconds=(clip.stop - clip.start).total_seconds(),
            seed=clip.seed,
            width=config.width,
            height=config.height,
            fps=config.fps,
            bitrate=config.bitrate,
            container=container,  # type: ignore[arg-type]
        )
        for clip in recording.clips
    ]


def encode(specs: list[FootageSpec], comment: str) -> list[bytes]:
    """Runs in an encoder process."""
    return [render(spec, comment) for spec in specs]


def recording_spec(
    recording: PlannedRecording, system: BodyWornSystem, bodies: list[bytes]
) -> RecordingSpec:
    wearer = recording.wearer
    clips = [
        ClipSpec(body, clip.start, clip.stop, system.container_type)
        for clip, body in zip(recording.clips, bodies, strict=True)
    ]
    bookmarks = [
        BookmarkSpec(
            start=mark.at,
            text=mark.text,
            tags=mark.tags,
            category_id=mark.category[0] if mark.category else None,
            category_name=mark.category[1] if mark.category else None,
        )
        for mark in recording.bookmarks
    ]
    return RecordingSpec(
        user=wearer.user_uuid,
        serial=wearer.serial,
        clips=clips,
        trigger_on=recording.trigger_on,
        trigger_off=recording.trigger_off,
        bookmarks=bookmarks,
        track=list(recording.track),
        recording_id=recording.recording_id,
        model=wearer.model,
        firmware=wearer.firmware,
        scu_serial=system.scu_serial,
    )


def ledger_entries(
    recording: PlannedRecording, spec: RecordingSpec, client: AxisClient, encrypted: bool
) -> list[SentClip]:
    """What the platform must end up holding for this recording, one entry per clip."""
    bodies = {name: body for name, _meta, body in client.prepare(spec)}
    categories = [m.category[0] for m in recording.bookmarks if m.category]
    entries = []
    for planned, clip in zip(recording.clips, spec.clips, strict=True):
        name = spec.clip_name(clip)
        sent = bodies[name]
        texts = [
            m.text for m in recording.bookmarks if m.text and _holder(recording, m.at) is planned
        ]
        entries.append(
            SentClip(
                container=spec.container,
                name=name,
                sha256=hashlib.sha256(sent).hexdigest(),
                plain_sha256=hashlib.sha256(clip.data).hexdigest(),
                size=len(sent),
                serial=recording.wearer.serial,
                officer=recording.wearer.warrant,
                borough=recording.wearer.borough,
                encrypted=encrypted,
                start=planned.start,
                stop=planned.stop,
                marker_texts=texts,
                categories=categories,
                track_points=sum(
                    1 for f in recording.track if planned.start <= f[0] <= planned.stop
                ),
            )
        )
    return entries


def _holder(recording: PlannedRecording, when: datetime) -> object:
    """The clip a bookmark's marker belongs on: the first whose span holds it, ends included
    (the destination's rule: at a boundary, the clip that ends there)."""
    for clip in recording.clips:
        if clip.start <= when <= clip.stop:
            return clip
    return recording.clips[-1] if when > recording.clips[-1].stop else recording.clips[0]


def upload(client: AxisClient, spec: RecordingSpec, entries: list[SentClip]) -> Upload:
    """One attempt at the whole recording; raises if it did not get through."""
    started = time.time()
    for entry in entries:
        entry.sent_at = entry.sent_at or started
    result = client.upload_recording(spec)
    if result.rejected_to is not None:
        raise RejectedError(f"{spec.container}: refused, sent to {result.rejected_to}")
    finished = time.time()
    for entry in entries:
        entry.stored_at = finished
        entry.evidence_id = result.evidence_ids.get(entry.name)
    return result


class RejectedError(Exception):
    """The destination refused (400) part of a recording: it went to rejected content."""
