"""Redactions, tracks and ranges as the API presents them (pure: rows in, models out)."""

from __future__ import annotations

from openbwv.redaction import queries
from openbwv.redaction.models import Redaction, RedactionTrack
from openbwv.redaction.schemas import RedactionOut, RenderStatus, TrackOut

API = "/api/v1/evidence"


def base_url(redaction: Redaction) -> str:
    return f"{API}/{redaction.evidence_id}/redactions/{redaction.id}"


def redaction_out(redaction: Redaction) -> RedactionOut:
    out = RedactionOut.model_validate(redaction, from_attributes=True)
    out.track_count = len(redaction.tracks)
    out.undecided_count = len(queries.undecided(redaction))
    base = base_url(redaction)
    out.links = {
        "self": base,
        "tracks": f"{base}/tracks",
        "decisions": f"{base}/decisions",
        "audio": f"{base}/audio",
        "waveform": f"{base}/waveform",
        "options": f"{base}/options",
        "render": f"{base}/render",
        "video": f"{base}/video",
        "log": f"{base}/log",
        "editor": f"/evidence/{redaction.evidence_id}/redactions/{redaction.id}",
    }
    return out


def track_out(track: RedactionTrack, boxes: bool = True) -> TrackOut:
    out = TrackOut.model_validate(track, from_attributes=True)
    out.thumbnail = f"data:image/jpeg;base64,{track.thumbnail}" if track.thumbnail else None
    out.boxes = track.boxes if boxes else None
    return out


def render_status(redaction: Redaction) -> RenderStatus:
    return RenderStatus(
        status=redaction.status,
        progress=redaction.progress,
        render_revision=redaction.render_revision,
        rendered_revision=redaction.rendered_revision,
        render_sha256=redaction.render_sha256,
        error=redaction.error,
    )
