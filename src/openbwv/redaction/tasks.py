"""The redaction jobs, each two-phase (jobs.registry): detection and tracking on queue `ml`
(decode, detect, track, waveform; then record the tracks), and rendering on queue `media`
(decode, obscure, encode the redacted copy and write its log; then record them). The original
is only read, and its hash is checked before and after."""

from __future__ import annotations

import base64
import hashlib
import json
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from openbwv.access.principal import SYSTEM
from openbwv.db.session import unit_of_work
from openbwv.jobs.models import Job
from openbwv.jobs.registry import register
from openbwv.media.redaction import detectors, render, tracking, video
from openbwv.media.redaction.boxes import Box, Track
from openbwv.redaction import queries, redaction_log
from openbwv.redaction.models import Redaction, RedactionStatus, RedactionTrack
from openbwv.redaction.service import DETECT, RENDER, audit_event
from openbwv.storage.factory import derivatives, originals
from openbwv.timeutil import utcnow

Finish = Callable[[Session], dict[str, Any] | None]
PROGRESS_EVERY_SECONDS = 1.0


@cache
def face_detector(tiles: int) -> detectors.Detector:
    found = detectors.face_detector()
    return detectors.Tiled(found, grid=tiles) if tiles >= 2 else found


@cache
def plate_detector() -> detectors.Detector:
    return detectors.OcrPlates()


def _redaction(session: Session, job: Job) -> Redaction:
    found = queries.by_id(session, uuid.UUID(str(job.params["redaction"])))
    if found is None:
        raise LookupError(f"redaction {job.params['redaction']} no longer exists")
    return found


@contextmanager
def _source(sha256: str, key: str | None) -> Iterator[Path]:
    if key is not None:
        with derivatives().local_copy(key) as path:
            yield path
    else:
        with originals().local_copy(sha256) as path:
            yield path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class _Progress:
    """Writes a job's progress (0–1) at most once a second, each in its own short transaction."""

    def __init__(self, redaction_id: uuid.UUID, total: int = 0) -> None:
        self.redaction_id, self.total, self.last = redaction_id, total, 0.0

    def __call__(self, value: float) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY_SECONDS and value < 1.0:
            return
        self.last = now
        with unit_of_work() as session:
            session.execute(
                update(Redaction)
                .where(Redaction.id == self.redaction_id)
                .values(progress=round(min(1.0, value), 3), updated_at=Redaction.updated_at)
            )

    def frame(self, index: int) -> None:
        if self.total:
            self(min(0.99, (index + 1) / self.total))


def _detectors(options: dict[str, Any]) -> list[tuple[detectors.Detector, tracking.Settings]]:
    carry = int(options.get("carry_frames", 12))
    chosen = []
    if options.get("faces", True):
        every = int(options.get("detect_every", 2))
        chosen.append(
            (face_detector(int(options.get("tiles", 0))), tracking.Settings(every, carry))
        )
    if options.get("plates", True):
        every = int(options.get("plate_every", 6))
        chosen.append((plate_detector(), tracking.Settings(every, max(carry, every * 2))))
    return chosen


def mark_failed(session: Session, job: Job) -> None:
    found = queries.by_id(session, uuid.UUID(str(job.params["redaction"])))
    if found is not None:
        found.status = RedactionStatus.FAILED
        found.error = (job.last_error or "failed")[:2000]


@register(DETECT, queue="ml", give_up=mark_failed)
def detect_and_track(job: Job) -> Finish:
    with unit_of_work() as session:
        redaction = _redaction(session, job)
        rid, options = redaction.id, dict(redaction.options)
        sha256, key = redaction.source_sha256, redaction.source_key
    with _source(sha256, key) as path:
        shape = video.info(path)
        expected = round((shape.duration_seconds or 0) * shape.fps)
        chosen = _detectors(options)
        progress = _Progress(rid, expected)
        result = tracking.track_frames(video.frames(path), chosen, on_frame=progress.frame)
        peaks = video.waveform(path) if shape.has_audio else {"per_second": 20, "peaks": []}
    provenance = [{"kind": d.kind, **d.provenance().to_dict()} for d, _ in chosen]
    described = {**shape.to_dict(), "frames": result.frames}
    document = {
        "format": "openbwv-redaction-tracks/1",
        "evidence_id": str(job.evidence_id),
        "original_sha256": sha256,
        "settings": options,
        "models": provenance,
        "video": described,
        "tracks": [{"kind": t.kind, "boxes": t.to_rows()} for t in result.tracks],
    }
    stored = derivatives().put_bytes(json.dumps(document, sort_keys=True).encode())

    def finish(session: Session) -> dict[str, Any]:
        redaction = _redaction(session, job)
        if redaction.tracks_key is not None:  # recorded already (a repeated finish)
            return {"tracks": len(redaction.tracks)}
        for number, (track, thumb) in enumerate(
            zip(result.tracks, result.thumbnails, strict=True), start=1
        ):
            session.add(_track_row(redaction, number, track, thumb))
        redaction.video, redaction.provenance, redaction.waveform = described, provenance, peaks
        redaction.tracks_key, redaction.tracks_sha256 = stored.key, stored.sha256
        redaction.status, redaction.progress = RedactionStatus.READY, 1.0
        summary = {"tracks": len(result.tracks), "frames": result.frames}
        audit_event(session, SYSTEM, "redaction.detected", redaction, None, summary)
        return summary

    return finish


def _track_row(
    redaction: Redaction, number: int, track: Track, thumb: bytes | None
) -> RedactionTrack:
    scores = [box.score for box in track.boxes.values() if box.score is not None]
    return RedactionTrack(
        redaction_id=redaction.id,
        number=number,
        kind=track.kind,
        source="detected",
        boxes=track.to_rows(),
        first_frame=track.first,
        last_frame=track.last,
        best_score=round(max(scores), 3) if scores else None,
        thumbnail=base64.b64encode(thumb).decode() if thumb else None,
    )


def mark_render_failed(session: Session, job: Job) -> None:
    found = queries.by_id(session, uuid.UUID(str(job.params["redaction"])))
    if found is not None and found.render_revision == job.params.get("revision"):
        found.status = (
            RedactionStatus.READY if found.render_key is None else RedactionStatus.RENDERED
        )
        found.error = f"render failed: {(job.last_error or 'failed')[:2000]}"


def _spec(redaction: Redaction) -> render.Spec:
    regions = []
    for row in redaction.tracks:
        if row.decision != "redact":
            continue
        track = Track.from_rows(row.kind, row.boxes)
        track.boxes = {
            f: b for f, b in track.boxes.items() if row.first_frame <= f <= row.last_frame
        }
        _widen(track, row)
        regions.append(render.Region(track, row.style))  # type: ignore[arg-type]
    audio = [
        render.AudioRange(a.start_seconds, a.end_seconds, a.mode)  # type: ignore[arg-type]
        for a in redaction.audio_ranges
    ]
    padding = float(redaction.options.get("padding", 0.15))
    return render.Spec(regions, padding, redaction.whole_frame, audio, redaction.remove_audio)


def _widen(track: Track, row: RedactionTrack) -> None:
    """An extent widened past the boxes holds the nearest box."""
    if not track.boxes:
        return
    first, last = track.first, track.last
    for frame in range(row.first_frame, first):
        track.boxes[frame] = _still(track.boxes[first])
    for frame in range(last + 1, row.last_frame + 1):
        track.boxes[frame] = _still(track.boxes[last])


def _still(box: Box) -> Box:
    return Box(box.x, box.y, box.w, box.h)


@register(RENDER, queue="media", give_up=mark_render_failed)
def render_copy(job: Job) -> Finish:
    revision = int(job.params["revision"])
    with unit_of_work() as session:
        redaction = _redaction(session, job)
        if redaction.render_revision != revision:
            return lambda _session: {"superseded": revision}
        rid, spec, stamp = redaction.id, _spec(redaction), redaction.updated_at
        sha256, key = redaction.source_sha256, redaction.source_key
        log = redaction_log.document(redaction, revision, {}, job.params.get("by"))
    with _source(sha256, key) as path, tempfile.TemporaryDirectory(prefix="bwv-redact-") as tmp:
        before = _sha256(path)
        target = Path(tmp) / "redacted.mp4"
        done = render.render(path, target, spec, _Progress(rid))
        after = _sha256(path)
        if before != after or (key is None and before != sha256):
            raise RuntimeError("the original's bytes changed while rendering: nothing recorded")
        digest, size = _sha256(target), target.stat().st_size
        copy = derivatives().put_file(target, digest, consume=True)
    log["rendered"] = {
        "sha256": copy.sha256,
        "size": size,
        "format": "MP4 (H.264 video, AAC audio)" if not spec.remove_audio else "MP4 (H.264)",
        "frames": done.frames,
        "obscured_frames": done.obscured_frames,
        "seconds": round(done.seconds, 3),
        "render_seconds": round(done.elapsed, 3),
        "at": utcnow().isoformat(),
        "original_sha256_checked": after,
    }
    log_stored = derivatives().put_bytes(redaction_log.to_bytes(log))

    def finish(session: Session) -> dict[str, Any]:
        redaction = _redaction(session, job)
        if redaction.render_revision != revision:
            return {"superseded": revision}
        redaction.render_key, redaction.render_sha256 = copy.key, copy.sha256
        redaction.render_size, redaction.rendered_revision = size, revision
        redaction.log_key, redaction.log_sha256 = log_stored.key, log_stored.sha256
        redaction.log_size = log_stored.size
        redaction.rendered_at = utcnow()
        redaction.changed_since_render = redaction.updated_at != stamp
        redaction.status, redaction.progress = RedactionStatus.RENDERED, 1.0
        summary = {"revision": revision, "sha256": copy.sha256, "frames": done.frames}
        audit_event(session, SYSTEM, "redaction.rendered", redaction, None, summary)
        return summary

    return finish


KINDS = (DETECT, RENDER)
