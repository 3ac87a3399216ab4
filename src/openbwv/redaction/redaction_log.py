"""The redaction log: one JSON document beside every redacted copy (and into evidence
packages with it) saying who decided what, for which frames, and why; the original's SHA-256;
the models that found the tracks. Pure: it is built from rows the render job has read."""

from __future__ import annotations

import json
from typing import Any

from openbwv.redaction.models import Redaction, RedactionTrack

FORMAT = "openbwv-redaction-log/1"


def _seconds(frame: int, fps: float) -> float:
    return round(frame / fps, 3) if fps else 0.0


def _track(track: RedactionTrack, fps: float) -> dict[str, Any]:
    return {
        "track": track.number,
        "kind": track.kind,
        "source": track.source,
        "decision": track.decision,
        "style": track.style if track.decision == "redact" else None,
        "reason": track.reason,
        "reason_text": track.reason_text,
        "decided_by": track.decided_by,
        "decided_at": track.decided_at.isoformat() if track.decided_at else None,
        "frames": [track.first_frame, track.last_frame],
        "seconds": [_seconds(track.first_frame, fps), _seconds(track.last_frame + 1, fps)],
        "detected_frames": sum(1 for box in track.boxes if box[5] is not None),
        "keyframes": track.keyframes,
    }


def document(
    redaction: Redaction,
    revision: int,
    rendered: dict[str, Any],
    requested_by: str | None,
) -> dict[str, Any]:
    video = redaction.video or {}
    fps = float(video.get("fps") or 0)
    return {
        "format": FORMAT,
        "evidence_id": str(redaction.evidence_id),
        "original_sha256": redaction.source_sha256,
        "redaction": {"id": str(redaction.id), "version": redaction.version, "revision": revision},
        "requested_by": requested_by,
        "detection": {
            "started_by": redaction.created_by,
            "started_at": redaction.created_at.isoformat(),
            "settings": redaction.options,
            "models": redaction.provenance,
            "tracks_sha256": redaction.tracks_sha256,
        },
        "video": video,
        "whole_frame_blur": redaction.whole_frame,
        "audio_removed": redaction.remove_audio,
        "whole_frame_or_audio_reason": redaction.quick_reason,
        "whole_frame_or_audio_reason_text": redaction.quick_reason_text,
        "tracks": [_track(track, fps) for track in redaction.tracks],
        "audio_ranges": [
            {
                "start_seconds": span.start_seconds,
                "end_seconds": span.end_seconds,
                "mode": span.mode,
                "reason": span.reason,
                "reason_text": span.reason_text,
                "source": span.source,
                "words": span.words,
                "by": span.created_by,
                "at": span.created_at.isoformat(),
            }
            for span in redaction.audio_ranges
        ],
        "rendered": rendered,
    }


def to_bytes(doc: dict[str, Any]) -> bytes:
    return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode()
