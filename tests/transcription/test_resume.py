"""A transcription job killed in the middle (the worker's power cut) goes on from the last block
it finished when it runs again, and the transcript is made exactly once; PII proposals on a known
sentence."""

from __future__ import annotations

import os
import signal
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from openbwv.db.session import unit_of_work
from openbwv.jobs.models import Job, JobState
from openbwv.jobs.tasks import run_job
from openbwv.timeutil import utcnow
from openbwv.transcription import queries
from openbwv.transcription.models import Transcript, TranscriptBlock, TranscriptVersion
from tests.support.evidence import ingest, wait_processed
from tests.support.speech import sequence, speech_clip, word_error_rate
from tests.support.stack import Stack
from tests.support.waiting import wait_until

LINES = [
    "Control, this is alpha one, outside the post office.",
    1.0,
    "One of them has a bottle in his hand.",
    1.0,
]


@pytest.fixture
def session_worker(stack: Stack) -> Iterator[Stack]:
    """The test kills the session's worker in the middle of a job: a new one is started after."""
    yield stack
    stack.stop_workers()
    stack.start_worker()


def _job(item: uuid.UUID) -> Job | None:
    with unit_of_work() as session:
        return queries.job_of(session, item)


def _blocks(job_id: uuid.UUID) -> int:
    with unit_of_work() as session:
        query = select(func.count()).select_from(TranscriptBlock)
        return int(session.scalar(query.where(TranscriptBlock.job_id == job_id)) or 0)


def test_a_killed_job_resumes_and_finishes_once(
    session_worker: Stack, api: httpx.Client, tmp_path: Path
) -> None:
    samples, _ = sequence([0.5, *LINES])  # about ten seconds: blocks of six (TEST_SETTINGS)
    path = speech_clip(tmp_path / "long.mp4", samples, seed=uuid.uuid4().int % 9999)
    item = uuid.UUID(wait_processed(api, ingest(api, path))["id"])
    assert api.post(f"/api/v1/evidence/{item}/transcript").status_code == 202
    job = wait_until(
        lambda: (j := _job(item)) is not None and _blocks(j.id) >= 1 and j,
        timeout=120,
        what="the first block to be transcribed",
    )
    worker = session_worker.workers.pop()
    os.killpg(worker.pid, signal.SIGKILL)  # power cut, between blocks or inside one
    worker.wait()
    kept = _blocks(job.id)
    assert kept >= 1 and _job(item).state == JobState.RUNNING  # type: ignore[union-attr]

    # Its lease runs out (FAST_RECOVERY: 3 s); the job runs again, as a worker would run it.
    wait_until(
        lambda: (
            (j := _job(item)) is not None and j.lease_until is not None and j.lease_until < utcnow()
        ),
        timeout=30,
        what="the dead worker's lease to run out",
    )
    assert run_job(str(job.id)) == "done"
    assert run_job(str(job.id)) == "skipped"  # a late duplicate message changes nothing
    done = _job(item)
    assert done is not None and done.state == JobState.DONE and done.attempts == 2
    assert done.result is not None and done.result["resumed_at_seconds"] > 0
    assert done.result["blocks_this_attempt"] == done.result["blocks"] - kept
    with unit_of_work() as session:
        count = session.scalar(
            select(func.count()).select_from(Transcript).where(Transcript.evidence_id == item)
        )
        versions = session.scalar(
            select(func.count())
            .select_from(TranscriptVersion)
            .join(Transcript, Transcript.id == TranscriptVersion.transcript_id)
            .where(Transcript.evidence_id == item)
        )
    assert count == 1 and versions == 1 and _blocks(job.id) == 0
    body = api.get(f"/api/v1/evidence/{item}/transcript").json()
    starts = [w["start"] for s in body["segments"] for w in s["words"]]
    # Both sentences, the one after the kill included: a lost or repeated block is half the
    # words wrong. A word or two misheard is the model's (whisper-base on synthetic speech).
    spoken = " ".join(line for line in LINES if isinstance(line, str))
    wer = word_error_rate(spoken, body["text"])
    assert starts == sorted(starts) and wer < 0.25, (wer, body["text"])
    assert body["text"].lower().count("post office") == 1  # no block transcribed twice


def test_pii_proposals_on_a_known_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    sentence = (
        "My name is John Smith, I live at 12 Acacia Avenue, SW1A 1AA, my national insurance "
        "number is AB 12 34 56 C and the car was AB12 CDE, email john.smith@example.co.uk"
    )
    connect = socket.socket.connect

    def loopback_only(self: socket.socket, address: Any) -> None:
        host = address[0] if isinstance(address, tuple) else ""
        if not (str(host).startswith("127.") or host in ("::1", "localhost")):
            raise AssertionError(f"the PII detector reached for the network: {address}")
        connect(self, address)

    resolve = socket.getaddrinfo

    def resolve_loopback_only(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in ("127.0.0.1", "::1", "localhost", None):
            raise AssertionError(f"the PII detector looked up {host}")
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", loopback_only)
    monkeypatch.setattr(socket, "getaddrinfo", resolve_loopback_only)
    timed = [
        queries.TimedWord(i, 0, word, i * 0.5, i * 0.5 + 0.4, 0.9)
        for i, word in enumerate(sentence.split())
    ]
    found = {p["entity"]: p for p in queries.proposals(timed)}
    assert found["PERSON"]["text"] == "John Smith"
    assert found["PERSON"]["start"] == 1.5 and found["PERSON"]["end"] == 2.4
    assert found["UK_POSTCODE"]["text"] == "SW1A 1AA"
    assert found["UK_NINO"]["text"] == "AB 12 34 56 C"
    assert found["UK_VEHICLE_REGISTRATION"]["text"] == "AB12 CDE"
    assert found["EMAIL_ADDRESS"]["text"] == "john.smith@example.co.uk"  # tldextract offline
    assert "US_DRIVER_LICENSE" not in found
