"""Every read of transcripts: an item's transcript and its versions, the job making one and how
far it has got, the timed words (for the redaction editor), the PII proposals, and what the
platform search asks of transcripts (which items' words match, and where).

Reading a transcript needs `evidence.play` on its item (what was said is as much the recording's
content as its sound); `open_transcript` in `service` authorises and records the read. The
functions here that take a principal check the policy themselves.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, select
from sqlalchemy.orm import QueryableAttribute, Session

from openbwv.access.policy import roles
from openbwv.access.policy.queries import authorize_item, can_on_item, visible_clause
from openbwv.access.principal import Principal
from openbwv.evidence.search.matchers import TextHit
from openbwv.jobs.models import Job
from openbwv.speech import pii
from openbwv.transcription.errors import NoSuchVersion, NoTranscript
from openbwv.transcription.models import Transcript, TranscriptBlock, TranscriptVersion

KIND = "transcribe"
HITS_PER_ITEM = 3
_WORD = re.compile(r"[\w']+")


@dataclass(frozen=True)
class Progress:
    state: str  # none | pending | running | done | failed
    seconds_done: float
    job_id: uuid.UUID | None
    error: str | None


def transcript_of(session: Session, evidence_id: uuid.UUID) -> Transcript | None:
    return session.scalar(select(Transcript).where(Transcript.evidence_id == evidence_id))


def job_of(session: Session, evidence_id: uuid.UUID) -> Job | None:
    return session.scalar(select(Job).where(Job.evidence_id == evidence_id, Job.kind == KIND))


def progress(session: Session, evidence_id: uuid.UUID) -> Progress:
    """Whether a transcript is being made, and how many seconds of sound it has done."""
    job = job_of(session, evidence_id)
    if job is None:
        return Progress("none", 0.0, None, None)
    done = session.scalar(
        select(func.max(TranscriptBlock.end_sample)).where(TranscriptBlock.job_id == job.id)
    )
    seconds = (done or 0) / 16_000
    return Progress(job.state, round(seconds, 1), job.id, job.last_error)


def blocks_done(session: Session, job_id: uuid.UUID) -> list[TranscriptBlock]:
    query = select(TranscriptBlock).where(TranscriptBlock.job_id == job_id)
    return list(session.scalars(query.order_by(TranscriptBlock.first_sample)))


def version_of(
    session: Session, transcript: Transcript, number: int | None = None
) -> TranscriptVersion:
    """A version by number (default: the current one)."""
    wanted = transcript.current_version if number is None else number
    found = session.scalar(
        select(TranscriptVersion).where(
            TranscriptVersion.transcript_id == transcript.id, TranscriptVersion.number == wanted
        )
    )
    if found is None:
        raise NoSuchVersion(f"this transcript has no version {wanted}")
    return found


def versions_of(session: Session, transcript: Transcript) -> list[TranscriptVersion]:
    query = select(TranscriptVersion).where(TranscriptVersion.transcript_id == transcript.id)
    return list(session.scalars(query.order_by(TranscriptVersion.number)))


def ready_transcript(session: Session, evidence_id: uuid.UUID) -> Transcript:
    """The item's transcript, or NoTranscript (404) saying how far the job has got."""
    found = transcript_of(session, evidence_id)
    if found is not None:
        return found
    state = progress(session, evidence_id)
    detail = {
        "none": "no transcript has been requested for this item (POST to request one)",
        "pending": "the transcript is queued",
        "running": f"the transcript is being made ({state.seconds_done:.0f} s of sound done)",
        "failed": "making the transcript failed; POST to try again",
        "done": "the transcript job finished without a transcript",
    }.get(state.state, "no transcript yet")
    raise NoTranscript(detail, state=state.state, seconds_done=state.seconds_done)


# --- timed words: for the redaction editor ("mute these words") ----------------------------


@dataclass(frozen=True)
class TimedWord:
    index: int  # position in the version's words, counted across segments
    segment: int
    word: str
    start: float
    end: float
    probability: float


def flat_words(segments: Sequence[dict[str, Any]]) -> list[TimedWord]:
    found: list[TimedWord] = []
    for s_index, segment in enumerate(segments):
        for word in segment.get("words", []):
            found.append(
                TimedWord(
                    len(found),
                    s_index,
                    word["word"],
                    word["start"],
                    word["end"],
                    word.get("probability", 1.0),
                )
            )
    return found


def words(
    session: Session, principal: Principal, evidence_id: uuid.UUID | str, version: int | None = None
) -> list[TimedWord]:
    """The words of an item's transcript (current version unless `version`), each with its
    start and end in seconds: what the redaction editor mutes or tones. Needs `evidence.play`
    on the item (AccessDenied otherwise); NoTranscript while there is none. The caller records
    the read (`service.open_transcript` does both)."""
    item = authorize_item(session, principal, evidence_id, roles.PLAY)
    transcript = ready_transcript(session, item.id)
    return flat_words(version_of(session, transcript, version).segments)


def proposals(timed: Sequence[TimedWord]) -> list[dict[str, Any]]:
    """PII proposals (presidio) over the words, each with the words it covers and their times."""
    made = pii.propose([pii.TimedWord(w.word, w.start, w.end) for w in timed])
    return [{**p.to_dict(), "words": list(range(p.first_word, p.last_word + 1))} for p in made]


# --- the platform search -------------------------------------------------------------------


def normalise(text: str) -> list[str]:
    return [token.lower() for token in _WORD.findall(text)]


def search_text(segments: Iterable[dict[str, Any]]) -> str:
    """The words, lower case, one space apart and a space at each end (so a LIKE for
    ' word ' matches whole words only)."""
    tokens = [t for s in segments for word in s.get("words", []) for t in normalise(word["word"])]
    return f" {' '.join(tokens)} " if tokens else ""


class TranscriptMatcher:
    """The search's transcript matcher (`evidence.search.matchers`), registered by the install."""

    def clause(
        self, principal: Principal, text: str, item_id: QueryableAttribute[Any]
    ) -> ColumnElement[bool]:
        """Items whose current transcript says the words of `text` in a row, among those the
        principal may play (hearing what was said needs `evidence.play`, not just `view`)."""
        tokens = normalise(text)
        if not tokens or not principal.can(roles.PLAY):
            return false()
        pattern = f"% {' '.join(tokens)} %"
        said = select(Transcript.evidence_id).where(Transcript.search_text.like(pattern))
        return and_(item_id.in_(said), visible_clause(principal, roles.PLAY))

    def hits(
        self, session: Session, principal: Principal, ids: Sequence[uuid.UUID], text: str
    ) -> dict[uuid.UUID, list[TextHit]]:
        tokens = normalise(text)
        if not tokens:
            return {}
        found: dict[uuid.UUID, list[TextHit]] = {}
        for transcript in session.scalars(
            select(Transcript).where(Transcript.evidence_id.in_(list(ids)))
        ):
            if f" {' '.join(tokens)} " not in transcript.search_text:
                continue
            if not can_on_item(session, principal, transcript.evidence_id, roles.PLAY):
                continue
            timed = flat_words(version_of(session, transcript).segments)
            hits = find_phrase(timed, tokens)[:HITS_PER_ITEM]
            found[transcript.evidence_id] = [
                TextHit(
                    transcript.evidence_id,
                    timed[i].start,
                    snippet(timed, i, len(tokens)),
                    "transcript",
                )
                for i in hits
            ]
        return found


def find_phrase(timed: Sequence[TimedWord], tokens: Sequence[str]) -> list[int]:
    """Indexes of the words where the tokens begin, in order (a word may hold two tokens:
    "don't" is one, "12:30" two)."""
    flat: list[tuple[str, int]] = [(t, w.index) for w in timed for t in normalise(w.word)]
    size = len(tokens)
    starts: list[int] = []
    for i in range(len(flat) - size + 1):
        same = all(flat[i + k][0] == tokens[k] for k in range(size))
        if same and (not starts or starts[-1] != flat[i][1]):
            starts.append(flat[i][1])
    return starts


def snippet(timed: Sequence[TimedWord], first: int, length: int, around: int = 5) -> str:
    begin, end = max(0, first - around), min(len(timed), first + length + around)
    text = " ".join(w.word for w in timed[begin:end])
    return f"{'… ' if begin else ''}{text}{' …' if end < len(timed) else ''}"


MATCHER = TranscriptMatcher()
