"""Redaction endpoints: start detection and tracking on an item; its redactions, tracks,
decisions, hand-drawn boxes, audio ranges, quick-release options, render, the rendered copy
(with ranges, like the playback copy) and the redaction log. Every one needs `evidence.redact`
on the item through the policy; reads of tracks, waveform, log and copy are audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from openbwv.access.deps import require_principal
from openbwv.access.principal import Principal
from openbwv.api.context import Client
from openbwv.api.ranges import object_response
from openbwv.api.session import Db
from openbwv.db.session import unit_of_work
from openbwv.evidence.streams import recheck_bytes
from openbwv.redaction import presenters, queries, service
from openbwv.redaction.errors import NotRendered
from openbwv.redaction.schemas import (
    AudioRangeIn,
    AudioRangeOut,
    BulkDecisionIn,
    DecisionIn,
    ManualTrackIn,
    OptionsIn,
    RedactionOut,
    RenderStatus,
    StartIn,
    TrackOut,
)
from openbwv.storage.factory import derivatives

router = APIRouter(prefix="/api/v1/evidence/{evidence_id}/redactions", tags=["redaction"])
Authed = Annotated[Principal, Depends(require_principal)]
ONE = "/{redaction_id}"


@router.post("", status_code=202, response_model=RedactionOut, summary="Find faces and plates")
def start(
    evidence_id: str, body: StartIn, db: Db, client: Client, principal: Authed
) -> RedactionOut:
    """A new version of the item's redaction: detection and tracking run as a job (queue `ml`);
    poll the redaction until its status is `ready`."""
    redaction = service.start(db, principal, evidence_id, body, client.ip)
    return presenters.redaction_out(redaction)


@router.get("", response_model=list[RedactionOut], summary="The item's redactions, newest first")
def list_redactions(evidence_id: str, db: Db, principal: Authed) -> list[RedactionOut]:
    item = service.authorise(db, principal, evidence_id)
    return [presenters.redaction_out(r) for r in queries.redactions_of(db, item.id)]


@router.get(ONE, response_model=RedactionOut, summary="A redaction: status, progress, counts")
def get_redaction(evidence_id: str, redaction_id: str, db: Db, principal: Authed) -> RedactionOut:
    return presenters.redaction_out(
        service.open_redaction(db, principal, evidence_id, redaction_id)
    )


@router.get(f"{ONE}/tracks", response_model=list[TrackOut], summary="Tracks with per-frame boxes")
def tracks(
    evidence_id: str,
    redaction_id: str,
    db: Db,
    client: Client,
    principal: Authed,
    boxes: bool = True,
) -> list[TrackOut]:
    redaction = service.open_redaction(
        db, principal, evidence_id, redaction_id, client.ip, read="tracks"
    )
    return [presenters.track_out(t, boxes) for t in redaction.tracks]


@router.post(f"{ONE}/tracks", status_code=201, response_model=TrackOut, summary="Draw a box")
def add_track(
    evidence_id: str,
    redaction_id: str,
    body: ManualTrackIn,
    db: Db,
    client: Client,
    principal: Authed,
) -> TrackOut:
    """A box drawn by hand, redacted: one keyframe holds still to `last_frame`; several are
    interpolated frame by frame."""
    track = service.add_manual_track(db, principal, evidence_id, redaction_id, body, client.ip)
    return presenters.track_out(track)


@router.put(f"{ONE}/tracks/{{track_id}}", response_model=TrackOut, summary="Redact or keep")
def decide(
    evidence_id: str,
    redaction_id: str,
    track_id: str,
    body: DecisionIn,
    db: Db,
    client: Client,
    principal: Authed,
) -> TrackOut:
    """The decision for one track, its style, and its reason (required); optionally its
    extent (first and last frame)."""
    track = service.decide(db, principal, evidence_id, redaction_id, track_id, body, client.ip)
    return presenters.track_out(track, boxes=False)


@router.post(f"{ONE}/decisions", response_model=list[TrackOut], summary="Decide many tracks")
def decide_many(
    evidence_id: str,
    redaction_id: str,
    body: BulkDecisionIn,
    db: Db,
    client: Client,
    principal: Authed,
) -> list[TrackOut]:
    chosen = service.decide_many(db, principal, evidence_id, redaction_id, body, client.ip)
    return [presenters.track_out(t, boxes=False) for t in chosen]


@router.get(f"{ONE}/audio", response_model=list[AudioRangeOut], summary="Audio ranges")
def audio_ranges(
    evidence_id: str, redaction_id: str, db: Db, principal: Authed
) -> list[AudioRangeOut]:
    redaction = service.open_redaction(db, principal, evidence_id, redaction_id)
    return [AudioRangeOut.model_validate(a) for a in redaction.audio_ranges]


@router.post(f"{ONE}/audio", status_code=201, response_model=AudioRangeOut, summary="Mute a range")
def add_audio_range(
    evidence_id: str,
    redaction_id: str,
    body: AudioRangeIn,
    db: Db,
    client: Client,
    principal: Authed,
) -> AudioRangeOut:
    span = service.add_audio_range(db, principal, evidence_id, redaction_id, body, client.ip)
    return AudioRangeOut.model_validate(span)


@router.delete(f"{ONE}/audio/{{range_id}}", status_code=204, summary="Remove an audio range")
def remove_audio_range(
    evidence_id: str,
    redaction_id: str,
    range_id: str,
    db: Db,
    client: Client,
    principal: Authed,
) -> Response:
    service.remove_audio_range(db, principal, evidence_id, redaction_id, range_id, client.ip)
    return Response(status_code=204)


@router.get(f"{ONE}/waveform", summary="Audio peaks for drawing a waveform")
def waveform(
    evidence_id: str, redaction_id: str, db: Db, client: Client, principal: Authed
) -> dict[str, Any]:
    redaction = service.open_redaction(
        db, principal, evidence_id, redaction_id, client.ip, read="waveform"
    )
    return redaction.waveform or {"per_second": 20, "peaks": []}


@router.put(f"{ONE}/options", response_model=RedactionOut, summary="Whole-frame blur, no audio")
def set_options(
    evidence_id: str,
    redaction_id: str,
    body: OptionsIn,
    db: Db,
    client: Client,
    principal: Authed,
) -> RedactionOut:
    redaction = service.set_options(db, principal, evidence_id, redaction_id, body, client.ip)
    return presenters.redaction_out(redaction)


@router.post(f"{ONE}/render", status_code=202, response_model=RenderStatus, summary="Render")
def render(
    evidence_id: str, redaction_id: str, db: Db, client: Client, principal: Authed
) -> RenderStatus:
    """Render the current decisions to a redacted H.264/AAC MP4 (a job with progress); every
    track must be decided first (409 names those that are not)."""
    redaction = service.request_render(db, principal, evidence_id, redaction_id, client.ip)
    return presenters.render_status(redaction)


@router.get(f"{ONE}/render", response_model=RenderStatus, summary="Render status and progress")
def render_status(evidence_id: str, redaction_id: str, db: Db, principal: Authed) -> RenderStatus:
    redaction = service.open_redaction(db, principal, evidence_id, redaction_id)
    return presenters.render_status(redaction)


@router.get(f"{ONE}/video", summary="The redacted copy (MP4, with range requests)")
@router.head(f"{ONE}/video", include_in_schema=False)
def video(
    evidence_id: str, redaction_id: str, request: Request, client: Client, principal: Authed
) -> Response:
    with unit_of_work() as session:
        redaction = service.open_redaction(
            session, principal, evidence_id, redaction_id, client.ip, read="copy"
        )
        key, size = redaction.render_key, redaction.render_size or 0
    if key is None:
        raise NotRendered("this redaction has not been rendered yet")
    return object_response(
        request, derivatives(), key, size, "video/mp4", recheck_bytes=recheck_bytes()
    )


@router.get(f"{ONE}/log", summary="The redaction log (JSON) of the latest render")
def log(evidence_id: str, redaction_id: str, db: Db, client: Client, principal: Authed) -> Response:
    redaction = service.open_redaction(
        db, principal, evidence_id, redaction_id, client.ip, read="log"
    )
    if redaction.log_key is None:
        raise NotRendered("this redaction has not been rendered yet: its log comes with the copy")
    return Response(derivatives().read_all(redaction.log_key), media_type="application/json")
