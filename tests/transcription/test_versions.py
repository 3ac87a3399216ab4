"""The service's rules without the engine: corrections are checked and kept as versions, the words
for the redaction editor need `evidence.play`, new recordings are queued only when the force turns
it on, and a disposed item's transcript goes with its bytes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from openbwv.access.errors import AccessDenied
from openbwv.access.models import User
from openbwv.access.policy.queries import principal_for_user
from openbwv.access.principal import Principal
from openbwv.db.session import unit_of_work
from openbwv.evidence.disposal.service import Tombstone, mark_disposed
from openbwv.jobs.models import Job
from openbwv.timeutil import utcnow
from openbwv.transcription import queries, service
from openbwv.transcription.errors import NoTranscript, StaleVersion, TranscriptionError
from openbwv.transcription.models import Transcript, TranscriptVersion
from openbwv.transcription.settings import reset_transcription_settings
from tests.support import factories
from tests.support.stack import Stack

WORDS = [("Stay", 1.0, 1.3), ("where", 1.4, 1.7), ("you", 1.8, 2.0), ("are", 2.1, 2.4)]


def _made() -> service.Made:
    words = [{"word": w, "start": s, "end": e, "probability": 0.9} for w, s, e in WORDS]
    return service.Made(
        language="en",
        model={"name": "whisper-base", "sha256": "0" * 64, "engine": "faster-whisper"},
        settings={},
        duration_seconds=3.0,
        speech_seconds=1.4,
        segments=[{"start": 1.0, "end": 2.4, "text": "Stay where you are", "words": words}],
        not_transcribed=[{"start": 0.0, "end": 1.0, "reason": "silence"}],
    )


def _principal(user: Any) -> Principal:
    with unit_of_work() as session:
        loaded = session.get(User, user.id)
        assert loaded is not None
        return principal_for_user(session, loaded)


@pytest.fixture
def transcribed(stack: Stack) -> Iterator[tuple[uuid.UUID, Any]]:
    owner = stack.user("officer", borough="E09000033")
    item = factories.item(owner, occurred=utcnow())
    with unit_of_work() as session:
        service.save_machine(session, item, _made())
        service.save_machine(session, item, _made())  # a second finish of the job: no change
    yield item, owner


def test_corrections_make_versions_and_keep_the_machines(
    transcribed: tuple[uuid.UUID, Any], stack: Stack
) -> None:
    item, owner = transcribed
    officer = _principal(owner)
    change = [service.Change(0, 3, "now")]
    with unit_of_work() as session:
        transcript, version = service.correct(session, officer, item, 1, change, "heard", None)
        assert version.number == 2 and transcript.current_version == 2
        assert version.changes == [
            {"segment": 0, "word": 3, "start": 2.1, "end": 2.4, "before": "are", "after": "now"}
        ]
    with unit_of_work() as session:
        transcript = queries.ready_transcript(session, item)
        assert [v.number for v in queries.versions_of(session, transcript)] == [1, 2]
        assert queries.version_of(session, transcript, 1).text == "Stay where you are"
        assert queries.version_of(session, transcript).text == "Stay where you now"
        assert transcript.search_text == " stay where you now "
        assert [w.word for w in queries.words(session, officer, item)][-1] == "now"
        assert [w.word for w in queries.words(session, officer, item, 1)][-1] == "are"
        versions = select(func.count()).select_from(TranscriptVersion)
        assert session.scalar(versions.where(TranscriptVersion.transcript_id == transcript.id)) == 2
    for bad, error in (
        ([service.Change(0, 9, "x")], TranscriptionError),
        ([service.Change(-1, 0, "x")], TranscriptionError),
        ([service.Change(0, 0, "  ")], TranscriptionError),
        ([service.Change(0, 0, "Stay")], TranscriptionError),  # changes nothing
    ):
        with pytest.raises(error), unit_of_work() as session:
            service.correct(session, officer, item, 2, bad, None, None)
    with pytest.raises(StaleVersion), unit_of_work() as session:
        service.correct(session, officer, item, 1, change, None, None)
    stranger = _principal(stack.user("officer", borough="E09000007"))
    with pytest.raises(AccessDenied), unit_of_work() as session:
        queries.words(session, stranger, item)


def test_new_recordings_are_queued_only_when_turned_on(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = stack.user("officer", borough="E09000033")
    off, on = factories.item(owner), factories.item(owner)
    with unit_of_work() as session:
        service.transcribe_new(session, off)
    monkeypatch.setenv("BWV_TRANSCRIPTION_AUTO", "true")
    reset_transcription_settings()
    try:
        with unit_of_work() as session:
            service.transcribe_new(session, on)
    finally:
        monkeypatch.delenv("BWV_TRANSCRIPTION_AUTO")
        reset_transcription_settings()
    with unit_of_work() as session:
        assert queries.job_of(session, off) is None
        job = queries.job_of(session, on)
        assert job is not None and job.queue == "ml"
        session.delete(session.get(Job, job.id))  # the worker must not chase a record-only item


def test_a_disposed_items_transcript_goes_with_it(transcribed: tuple[uuid.UUID, Any]) -> None:
    item, _ = transcribed
    with unit_of_work() as session:
        mark_disposed(session, [Tombstone(item, "test", ["test"], "test", None)], utcnow())
    with unit_of_work() as session:
        assert queries.transcript_of(session, item) is None
        with pytest.raises(NoTranscript):
            queries.ready_transcript(session, item)
        left = select(func.count()).select_from(Transcript).where(Transcript.evidence_id == item)
        assert session.scalar(left) == 0
