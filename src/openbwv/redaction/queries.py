"""Every read of the redaction domain. Access is the item's: `evidence.redact` on it through the
policy (`authorize_item`), checked by the service before any of these is reached from a request.
`latest_render` is public to other domains (sharing's packages use it)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openbwv.jobs.models import Job
from openbwv.redaction.errors import NoSuchRedaction
from openbwv.redaction.models import AudioRange, Redaction, RedactionStatus, RedactionTrack


def _uuid(value: uuid.UUID | str, what: str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise NoSuchRedaction(f"no such {what}") from None


def redaction_of(
    session: Session, evidence_id: uuid.UUID, redaction_id: uuid.UUID | str
) -> Redaction:
    """The item's redaction (NoSuchRedaction when it is another item's, or none)."""
    found = session.get(Redaction, _uuid(redaction_id, "redaction"))
    if found is None or found.evidence_id != evidence_id:
        raise NoSuchRedaction("no such redaction of this item")
    return found


def by_id(session: Session, redaction_id: uuid.UUID) -> Redaction | None:
    return session.get(Redaction, redaction_id)


def redactions_of(session: Session, evidence_id: uuid.UUID) -> list[Redaction]:
    query = (
        select(Redaction)
        .where(Redaction.evidence_id == evidence_id)
        .order_by(Redaction.version.desc())
    )
    return list(session.scalars(query))


def next_version(session: Session, evidence_id: uuid.UUID) -> int:
    query = select(func.max(Redaction.version)).where(Redaction.evidence_id == evidence_id)
    return int(session.scalar(query) or 0) + 1


def track_of(session: Session, redaction: Redaction, track_id: uuid.UUID | str) -> RedactionTrack:
    found = session.get(RedactionTrack, _uuid(track_id, "track"))
    if found is None or found.redaction_id != redaction.id:
        raise NoSuchRedaction("no such track in this redaction")
    return found


def audio_range_of(session: Session, redaction: Redaction, range_id: uuid.UUID | str) -> AudioRange:
    found = session.get(AudioRange, _uuid(range_id, "audio range"))
    if found is None or found.redaction_id != redaction.id:
        raise NoSuchRedaction("no such audio range in this redaction")
    return found


def next_track_number(session: Session, redaction: Redaction) -> int:
    query = select(func.max(RedactionTrack.number)).where(
        RedactionTrack.redaction_id == redaction.id
    )
    return int(session.scalar(query) or 0) + 1


@dataclass(frozen=True)
class RenderedCopy:
    """An item's redacted copy and its log, as the derivatives store holds them."""

    evidence_id: uuid.UUID
    redaction_id: uuid.UUID
    version: int
    revision: int
    video_key: str
    video_sha256: str
    video_size: int
    log_key: str
    log_sha256: str
    log_size: int


def latest_render(session: Session, evidence_id: uuid.UUID) -> RenderedCopy | None:
    """The item's most recently rendered redacted copy, or None (the caller has authorised)."""
    query = (
        select(Redaction)
        .where(
            Redaction.evidence_id == evidence_id,
            Redaction.render_key.is_not(None),
            Redaction.log_key.is_not(None),
        )
        .order_by(Redaction.rendered_at.desc(), Redaction.version.desc())
        .limit(1)
    )
    found = session.scalar(query)
    if found is None or found.render_key is None or found.log_key is None:
        return None
    return RenderedCopy(
        evidence_id=found.evidence_id,
        redaction_id=found.id,
        version=found.version,
        revision=found.rendered_revision or 0,
        video_key=found.render_key,
        video_sha256=found.render_sha256 or "",
        video_size=found.render_size or 0,
        log_key=found.log_key,
        log_sha256=found.log_sha256 or "",
        log_size=found.log_size or 0,
    )


def undecided(redaction: Redaction) -> list[RedactionTrack]:
    return [track for track in redaction.tracks if track.decision is None]


def busy(redaction: Redaction) -> bool:
    return redaction.status in (RedactionStatus.DETECTING, RedactionStatus.RENDERING)


def job_by_key(session: Session, dedupe_key: str) -> Job | None:
    """A redaction job by its dedupe key (the command line waits for its own)."""
    return session.scalar(select(Job).where(Job.dedupe_key == dedupe_key))
