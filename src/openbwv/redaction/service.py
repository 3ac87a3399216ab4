"""Every write of the redaction domain: it authorises (`evidence.redact` on the item, through
the policy), changes, records the audit event, and never commits. Jobs are enqueued with
`ensure_job` (sent after commit)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from openbwv.access.policy import roles
from openbwv.access.policy.queries import authorize_item
from openbwv.access.principal import Principal
from openbwv.audit.events import record
from openbwv.jobs.service import ensure_job
from openbwv.media.redaction.boxes import Box, interpolate_keyframes
from openbwv.redaction import queries
from openbwv.redaction.errors import NotReady, NotVideo, RedactionError, Undecided
from openbwv.redaction.models import AudioRange, Redaction, RedactionStatus, RedactionTrack
from openbwv.redaction.schemas import (
    AudioRangeIn,
    BulkDecisionIn,
    DecisionIn,
    ManualTrackIn,
    OptionsIn,
    StartIn,
)
from openbwv.timeutil import utcnow

DETECT = "redaction.detect"
RENDER = "redaction.render"
READABLE = ("ready",)  # the item's status: probed, with a playback copy (evidence.models)


def authorise(session: Session, principal: Principal, evidence_id: uuid.UUID | str) -> Any:
    """The item, if the principal may redact it (AccessDenied otherwise: 404 or 403)."""
    return authorize_item(session, principal, evidence_id, roles.REDACT)


def open_redaction(
    session: Session,
    principal: Principal,
    evidence_id: uuid.UUID | str,
    redaction_id: uuid.UUID | str,
    source_ip: str | None = None,
    read: str | None = None,
) -> Redaction:
    """The redaction, once the item is authorised; `read` names what of it is read (its
    tracks, waveform, log or copy), recorded as `redaction.view` (or `.play` for the copy)."""
    item = authorise(session, principal, evidence_id)
    redaction = queries.redaction_of(session, item.id, redaction_id)
    if read is not None:
        action = "redaction.play" if read == "copy" else "redaction.view"
        audit_event(session, principal, action, redaction, source_ip, {"read": read})
    return redaction


def audit_event(
    session: Session,
    principal: Principal | None,
    action: str,
    redaction: Redaction,
    source_ip: str | None,
    details: dict[str, Any],
) -> None:
    record(
        session,
        principal,
        action,
        evidence_id=redaction.evidence_id,
        target_type="redaction",
        target_id=str(redaction.id),
        source_ip=source_ip,
        details={"version": redaction.version, **details},
    )


def start(
    session: Session,
    principal: Principal,
    evidence_id: uuid.UUID | str,
    options: StartIn,
    source_ip: str | None = None,
) -> Redaction:
    """A new version of the item's redaction; its detection and tracking job on queue `ml`."""
    item = authorise(session, principal, evidence_id)
    if item.status not in READABLE:
        raise NotVideo(f"this item is {item.status}: there is no readable video to redact")
    if not (options.faces or options.plates):
        raise RedactionError("ask for faces, plates or both")
    plain = item.derivative("decrypted")
    redaction = Redaction(
        evidence_id=item.id,
        version=queries.next_version(session, item.id),
        options=options.model_dump(),
        source_sha256=item.sha256,
        source_key=plain.storage_key if plain is not None else None,
        created_by=principal.name,
        created_by_id=principal.user_id,
    )
    session.add(redaction)
    session.flush()
    audit_event(session, principal, "redaction.start", redaction, source_ip, options.model_dump())
    ensure_job(session, DETECT, item.id, {"redaction": str(redaction.id)})
    return redaction


def _editable(redaction: Redaction) -> None:
    if redaction.status in (RedactionStatus.DETECTING, RedactionStatus.FAILED):
        raise NotReady(f"the redaction is {redaction.status}: nothing to decide yet")


def _changed(redaction: Redaction) -> None:
    if redaction.render_key is not None:
        redaction.changed_since_render = True
    redaction.updated_at = utcnow()


def _apply(track: RedactionTrack, decision: DecisionIn | BulkDecisionIn, who: str) -> None:
    track.decision = decision.decision
    track.style = decision.style
    track.reason = decision.reason
    track.reason_text = (decision.reason_text or "").strip() or None
    track.decided_by = who
    track.decided_at = utcnow()


def _decision_details(track: RedactionTrack) -> dict[str, Any]:
    return {
        "track": track.number,
        "kind": track.kind,
        "decision": track.decision,
        "style": track.style,
        "reason": track.reason,
        "reason_text": track.reason_text,
        "frames": [track.first_frame, track.last_frame],
    }


def decide(
    session: Session,
    principal: Principal,
    evidence_id: uuid.UUID | str,
    redaction_id: uuid.UUID | str,
    track_id: uuid.UUID | str,
    decision: DecisionIn,
    source_ip: str | None = None,
) -> RedactionTrack:
    """Redact or keep one track, with its reason; its extent may be narrowed or widened."""
    redaction = open_redaction(session, principal, evidence_id, redaction_id)
    _editable(redaction)
    track = queries.track_of(session, redaction, track_id)
    _extent(redaction, track, decision.first_frame, decision.last_frame)
    _apply(track, decision, principal.name)
    _changed(redaction)
    audit_event(
        session, principal, "redaction.decide", redaction, source_ip, _decision_details(track)
    )
    return track


def _extent(
    redaction: Redaction, track: RedactionTrack, first: int | None, last: int | None
) -> None:
    frames = int((redaction.video or {}).get("frames") or 0)
    first = track.first_frame if first is None else first
    last = track.last_frame if last is None else last
    if last < first or (frames and last >= frames):
        raise RedactionError(f"the extent must lie within frames 0–{max(0, frames - 1)}, in order")
    track.first_frame, track.last_frame = first, last


def decide_many(
    session: Session,
    principal: Principal,
    evidence_id: uuid.UUID | str,
    redaction_id: uuid.UUID | str,
    decision: BulkDecisionIn,
    source_ip: str | None = None,
) -> list[RedactionTrack]:
    """One decision for the tracks named (or, none named, every undecided one of `kind`)."""
    redaction = open_redaction(session, principal, evidence_id, redaction_id)
    _editable(redaction)
    if decision.track_ids is not None:
        chosen = [queries.track_of(session, redaction, tid) for tid in decision.track_ids]
    else:
        chosen = [t for t in queries.undecided(redaction) if decision.kind in (None, t.kind)]
    for track in chosen:
        _apply(track, decision, principal.name)
        audit_event(
            session, principal, "redaction.decide", redaction, source_ip, _decision_details(track)
        )
    if chosen:
        _changed(redaction)
    return chosen


def add_manual_track(
    session: Session,
    principal: Principal,
    evidence_id: uuid.UUID | str,
    redaction_id: uuid.UUID | str,
    drawn: ManualTrackIn,
    source_ip: str | None = None,
) -> RedactionTrack:
    """A box drawn by hand (redacted, with its reason): keyframes interpolated between."""
    redaction = open_redaction(session, principal, evidence_id, redaction_id)
    _editable(redaction)
    video = redaction.video or {}
    frames = int(video.get("frames") or 0)
    keys = [(k.frame, Box(k.x, k.y, k.w, k.h)) for k in drawn.keyframes]
    if frames and any(frame >= frames for frame, _ in keys):
        raise RedactionError(f"keyframes must lie within frames 0–{frames - 1}")
    last = min(frames - 1, drawn.last_frame) if frames and drawn.last_frame else drawn.last_frame
    track = interpolate_keyframes(keys, last)
    row = RedactionTrack(
        redaction_id=redaction.id,
        number=queries.next_track_number(session, redaction),
        kind="manual",
        source="manual",
        boxes=track.to_rows(),
        keyframes=[k.model_dump() for k in drawn.keyframes],
        first_frame=track.first,
        last_frame=track.last,
    )
    decision = DecisionIn(
        decision="redact", style=drawn.style, reason=drawn.reason, reason_text=drawn.reason_text
    )
    _apply(row, decision, principal.name)
    session.add(row)
    session.flush()
    session.refresh(redaction, ["tracks"])
    _changed(redaction)
    audit_event(
        session, principal, "redaction.track.add", redaction, source_ip, _decision_details(row)
    )
    return row


def add_audio_range(
    session: Session,
    principal: Principal,
    evidence_id: uuid.UUID | str,
    redaction_id: uuid.UUID | str,
    wanted: AudioRangeIn,
    source_ip: str | None = None,
) -> AudioRange:
    redaction = open_redaction(session, principal, evidence_id, redaction_id)
    _editable(redaction)
    duration = (redaction.video or {}).get("duration_seconds")
    if duration and wanted.start_seconds >= float(duration):
        raise RedactionError(f"the clip is {float(duration):.2f} s long")
    span = AudioRange(
        redaction_id=redaction.id,
        start_seconds=wanted.start_seconds,
        end_seconds=wanted.end_seconds,
        mode=wanted.mode,
        reason=wanted.reason,
        reason_text=(wanted.reason_text or "").strip() or None,
        source=wanted.source,
        words=wanted.words,
        created_by=principal.name,
    )
    session.add(span)
    session.flush()
    session.refresh(redaction, ["audio_ranges"])
    _changed(redaction)
    details = {"audio": "add", **_range_details(span)}
    audit_event(session, principal, "redaction.audio", redaction, source_ip, details)
    return span


def _range_details(span: AudioRange) -> dict[str, Any]:
    return {
        "start": str(round(span.start_seconds, 3)),
        "end": str(round(span.end_seconds, 3)),
        "mode": span.mode,
        "reason": span.reason,
        "reason_text": span.reason_text,
        "source": span.source,
    }


def remove_audio_range(
    session: Session,
    principal: Principal,
    evidence_id: uuid.UUID | str,
    redaction_id: uuid.UUID | str,
    range_id: uuid.UUID | str,
    source_ip: str | None = None,
) -> None:
    redaction = open_redaction(session, principal, evidence_id, redaction_id)
    _editable(redaction)
    span = queries.audio_range_of(session, redaction, range_id)
    details = {"audio": "remove", **_range_details(span)}
    redaction.audio_ranges.remove(span)
    session.flush()
    _changed(redaction)
    audit_event(session, principal, "redaction.audio", redaction, source_ip, details)


def set_options(
    session: Session,
    principal: Principal,
    evidence_id: uuid.UUID | str,
    redaction_id: uuid.UUID | str,
    wanted: OptionsIn,
    source_ip: str | None = None,
) -> Redaction:
    """Whole-frame blur and audio removal (a quick public release): turning either on needs a
    reason."""
    redaction = open_redaction(session, principal, evidence_id, redaction_id)
    _editable(redaction)
    if (wanted.whole_frame or wanted.remove_audio) and wanted.reason is None:
        raise RedactionError("whole-frame blur and audio removal need a reason")
    if wanted.reason == "other" and not (wanted.reason_text or "").strip():
        raise RedactionError("reason 'other' needs reason_text")
    redaction.whole_frame, redaction.remove_audio = wanted.whole_frame, wanted.remove_audio
    redaction.quick_reason = wanted.reason
    redaction.quick_reason_text = (wanted.reason_text or "").strip() or None
    _changed(redaction)
    audit_event(session, principal, "redaction.options", redaction, source_ip, wanted.model_dump())
    return redaction


def request_render(
    session: Session,
    principal: Principal,
    evidence_id: uuid.UUID | str,
    redaction_id: uuid.UUID | str,
    source_ip: str | None = None,
) -> Redaction:
    """A new render revision of the current decisions (every track must be decided)."""
    redaction = open_redaction(session, principal, evidence_id, redaction_id)
    if redaction.status == RedactionStatus.RENDERING:
        return redaction  # already on its way: the same job answers
    _editable(redaction)
    left = queries.undecided(redaction)
    if left:
        numbers = ", ".join(str(t.number) for t in left[:20])
        raise Undecided(
            f"{len(left)} tracks have no decision yet (tracks {numbers}): redact or keep each, "
            "with a reason",
            undecided=[str(t.id) for t in left],
        )
    redaction.render_revision += 1
    redaction.status = RedactionStatus.RENDERING
    redaction.progress = 0.0
    redaction.error = None
    details = {
        "revision": redaction.render_revision,
        "redacted": sum(1 for t in redaction.tracks if t.decision == "redact"),
        "kept": sum(1 for t in redaction.tracks if t.decision == "keep"),
        "audio_ranges": len(redaction.audio_ranges),
    }
    audit_event(session, principal, "redaction.render", redaction, source_ip, details)
    params = {
        "redaction": str(redaction.id),
        "revision": redaction.render_revision,
        "by": principal.name,
    }
    ensure_job(session, RENDER, redaction.evidence_id, params)
    return redaction
