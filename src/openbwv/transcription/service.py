"""Every write of transcripts: requesting one (a job on the `ml` queue), recording what the
machine made (version 1, kept for ever), a person's correction (a new version: who, when, which
words), reading one (authorised and audited like a view), transcribing new recordings when the
force has turned that on, and forgetting transcripts when their items are disposed of.
Nothing here commits."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from openbwv.access.policy import roles
from openbwv.access.policy.queries import authorize_item
from openbwv.access.principal import Principal
from openbwv.audit.events import record
from openbwv.db.session import after_commit
from openbwv.evidence import service as evidence_service
from openbwv.jobs.models import Job, JobState
from openbwv.jobs.service import ensure_job, send
from openbwv.timeutil import utcnow
from openbwv.transcription import queries
from openbwv.transcription.errors import StaleVersion, TranscriptionError
from openbwv.transcription.models import (
    CORRECTION,
    MACHINE,
    Transcript,
    TranscriptBlock,
    TranscriptVersion,
)
from openbwv.transcription.settings import transcription_settings

MAX_CHANGES = 2000
MAX_WORD = 100


def request(
    session: Session, principal: Principal, evidence_id: uuid.UUID | str, source_ip: str | None
) -> tuple[Transcript | None, Job | None]:
    """Ask for the item's transcript: the existing one, or the job that makes it (queued after
    commit; a failed job is tried again)."""
    item = authorize_item(session, principal, evidence_id, roles.PLAY)
    existing = queries.transcript_of(session, item.id)
    job = None if existing else _ensure(session, item.id)
    record(
        session,
        principal,
        "transcript.request",
        evidence_id=item.id,
        source_ip=source_ip,
        details={"state": "ready" if existing else (job.state if job else "none")},
    )
    return existing, job


def _ensure(session: Session, evidence_id: uuid.UUID) -> Job:
    job = ensure_job(session, queries.KIND, evidence_id)
    if job.state == JobState.FAILED:
        job.state = JobState.PENDING
        job.attempts = 0
        job.last_error = None
        job.completed_at = None
        job.enqueued_at = utcnow()
        job_id, queue = job.id, job.queue
        after_commit(session, lambda: send(job_id, queue))
    return job


def transcribe_new(session: Session, evidence_id: uuid.UUID) -> None:
    """The evidence domain's hook when an item is processed: queue its transcript when the
    force transcribes every new recording (`BWV_TRANSCRIPTION_AUTO`)."""
    if transcription_settings().auto:
        ensure_job(session, queries.KIND, evidence_id)


def open_transcript(
    session: Session,
    principal: Principal,
    evidence_id: uuid.UUID | str,
    source_ip: str | None,
    details: dict[str, Any],
) -> Transcript:
    """The transcript, if the principal may play the item; the read is recorded as a view of
    the transcript (`transcript.view`). NoTranscript (404) while there is none."""
    item = evidence_service.open_item(
        session,
        principal,
        evidence_id,
        source_ip,
        permission=roles.PLAY,
        action="transcript.view",
        details=details,
    )
    return queries.ready_transcript(session, item.id)


@dataclass(frozen=True)
class Made:
    """What the machine made of a recording, assembled from its blocks."""

    language: str
    model: dict[str, Any]
    settings: dict[str, Any]
    duration_seconds: float
    speech_seconds: float
    segments: list[dict[str, Any]]
    not_transcribed: list[dict[str, Any]]


def save_machine(session: Session, evidence_id: uuid.UUID, made: Made) -> Transcript:
    """Version 1 (the machine's), once: a second finish of the same job finds it there."""
    existing = queries.transcript_of(session, evidence_id)
    if existing is not None:
        return existing
    transcript = Transcript(
        evidence_id=evidence_id,
        language=made.language,
        model=made.model,
        settings=made.settings,
        duration_seconds=made.duration_seconds,
        speech_seconds=made.speech_seconds,
        current_version=1,
        search_text=queries.search_text(made.segments),
    )
    session.add(transcript)
    session.flush()
    session.add(
        TranscriptVersion(
            transcript_id=transcript.id,
            number=1,
            kind=MACHINE,
            author=f"{made.model.get('engine')} {made.model.get('name')}",
            segments=made.segments,
            not_transcribed=made.not_transcribed,
            changes=[],
            text=_text(made.segments),
        )
    )
    record(
        session,
        None,
        "transcript.made",
        evidence_id=evidence_id,
        details={
            "model": made.model.get("name"),
            "model_sha256": made.model.get("sha256"),
            "words": sum(len(s["words"]) for s in made.segments),
        },
    )
    return transcript


def forget_jobs_blocks(session: Session, job_id: uuid.UUID) -> None:
    session.execute(delete(TranscriptBlock).where(TranscriptBlock.job_id == job_id))


@dataclass(frozen=True)
class Change:
    segment: int
    word: int  # index within the segment
    text: str


def correct(
    session: Session,
    principal: Principal,
    evidence_id: uuid.UUID | str,
    base_version: int,
    changes: Sequence[Change],
    note: str | None,
    source_ip: str | None,
) -> tuple[Transcript, TranscriptVersion]:
    """A new version with these words changed (times kept); the versions before it stay as
    they were. StaleVersion (409) when `base_version` is no longer the current one."""
    item = authorize_item(session, principal, evidence_id, roles.EDIT)
    transcript = queries.ready_transcript(session, item.id)
    if base_version != transcript.current_version:
        raise StaleVersion(
            f"version {base_version} is not the current one ({transcript.current_version}): "
            "reload and make the correction again",
            current_version=transcript.current_version,
        )
    base = queries.version_of(session, transcript)
    segments, applied = _apply(base.segments, changes)
    number = transcript.current_version + 1
    author = principal.name
    version = TranscriptVersion(
        transcript_id=transcript.id,
        number=number,
        kind=CORRECTION,
        author=author,
        author_id=principal.user_id,
        note=(note or "").strip()[:2000] or None,
        segments=segments,
        not_transcribed=base.not_transcribed,
        changes=applied,
        text=_text(segments),
    )
    session.add(version)
    transcript.current_version = number
    transcript.search_text = queries.search_text(segments)
    transcript.updated_at = utcnow()
    session.flush()
    record(
        session,
        principal,
        "transcript.correct",
        evidence_id=item.id,
        source_ip=source_ip,
        details={"version": number, "from_version": base_version, "words_changed": len(applied)},
    )
    return transcript, version


def _apply(
    segments: list[dict[str, Any]], changes: Sequence[Change]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    if not changes:
        raise TranscriptionError("a correction changes at least one word")
    if len(changes) > MAX_CHANGES:
        raise TranscriptionError(f"at most {MAX_CHANGES} words in one correction")
    changed = copy.deepcopy(segments)
    applied = []
    for change in changes:
        text = change.text.strip()
        if not text or len(text) > MAX_WORD:
            raise TranscriptionError(f"a word is 1 to {MAX_WORD} characters, not {text!r}")
        if change.segment < 0 or change.word < 0:
            raise TranscriptionError("segment and word are counted from 0")
        try:
            word = changed[change.segment]["words"][change.word]
        except (IndexError, TypeError):
            raise TranscriptionError(
                f"there is no word {change.word} in segment {change.segment}"
            ) from None
        if word["word"] == text:
            continue
        applied.append(
            {
                "segment": change.segment,
                "word": change.word,
                "start": word["start"],
                "end": word["end"],
                "before": word["word"],
                "after": text,
            }
        )
        word["word"] = text
        word["corrected"] = True
    if not applied:
        raise TranscriptionError("the correction changes no word")
    for segment in changed:
        segment["text"] = " ".join(w["word"] for w in segment["words"])
    return changed, applied


def _text(segments: list[dict[str, Any]]) -> str:
    return " ".join(s["text"] for s in segments if s.get("text"))


def forget(session: Session, ids: Sequence[uuid.UUID]) -> None:
    """The evidence domain's disposal hook: a disposed item's transcript goes with its bytes
    (its versions too; the audit log keeps that they existed)."""
    if ids:
        ours = select(Transcript.id).where(Transcript.evidence_id.in_(list(ids)))
        session.execute(
            delete(TranscriptVersion)
            .where(TranscriptVersion.transcript_id.in_(ours))
            .execution_options(synchronize_session=False)
        )
        session.execute(
            delete(Transcript)
            .where(Transcript.evidence_id.in_(list(ids)))
            .execution_options(synchronize_session=False)
        )
