"""Transcripts over HTTP, made by the real worker from a generated recording: 404 problem details
until ready, the JSON contract, WebVTT, corrections as versions (the machine's kept), the platform
search finding a spoken word with the time to jump to, PII proposals, `bwv transcribe` and the
audit record of every read."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
from sqlalchemy import select
from typer.testing import CliRunner

from openbwv.audit.models import AuditEvent
from openbwv.composition import cli
from openbwv.db.session import unit_of_work
from tests.support.evidence import ingest, wait_processed
from tests.support.speech import sequence, speech_clip
from tests.support.waiting import wait_until

SAID = "The suspect ran past the church towards the railway station."


def _ready(api: httpx.Client, url: str) -> dict | None:  # type: ignore[type-arg]
    response = api.get(url)
    return response.json() if response.status_code == 200 else None


def _actions(item: uuid.UUID) -> list[str]:
    with unit_of_work() as session:
        query = select(AuditEvent.action).where(AuditEvent.evidence_id == item)
        return list(session.scalars(query))


def test_transcript_request_read_correct_search(api: httpx.Client, tmp_path: Path) -> None:
    samples, starts = sequence([1.5, SAID, 2.0])
    item_url = ingest(api, speech_clip(tmp_path / "said.mp4", samples, seed=uuid.uuid4().int % 999))
    item = uuid.UUID(wait_processed(api, item_url)["id"])
    url = f"/api/v1/evidence/{item}/transcript"

    missing = api.get(url)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert missing.json()["state"] == "none"

    asked = api.post(url)
    assert asked.status_code == 202 and asked.json()["state"] in ("pending", "running")
    body = wait_until(lambda: _ready(api, url), timeout=120, what="the transcript")

    assert {"text", "segments", "model"} <= set(body)
    assert "station" in body["text"].lower()
    words = [w for s in body["segments"] for w in s["words"]]
    assert {"start", "end", "word", "probability"} <= set(words[0])
    assert words[0]["start"] >= starts[0] - 0.5
    assert [w["start"] for w in words] == sorted(w["start"] for w in words)
    assert body["model"]["sha256"] and body["model"]["licence"] == "MIT"
    assert body["version"] == 1 and body["kind"] == "machine"
    assert body["not_transcribed"][0]["reason"] == "silence"
    assert api.post(url).json() == {"state": "ready", "seconds_done": 0.0, "current_version": 1}

    vtt = api.get(url, params={"format": "vtt"})
    assert vtt.headers["content-type"].startswith("text/vtt")
    assert vtt.text.startswith("WEBVTT") and " --> " in vtt.text
    assert api.get(url, headers={"Accept": "text/vtt"}).text == vtt.text

    # A correction is a new version; the machine's stays as it was.
    first = body["segments"][0]["words"][0]["word"]
    fix = {"base_version": 1, "changes": [{"segment": 0, "word": 0, "text": "Th3"}], "note": "typo"}
    corrected = api.post(f"{url}/versions", json=fix)
    assert corrected.status_code == 201, corrected.text
    assert corrected.json()["version"] == 2 and corrected.json()["text"].startswith("Th3")
    assert api.post(f"{url}/versions", json=fix).status_code == 409  # version 1 is not current
    assert api.get(url, params={"version": 1}).json()["segments"][0]["words"][0]["word"] == first
    history = api.get(f"{url}/versions").json()
    assert [v["version"] for v in history["versions"]] == [1, 2]
    change = history["versions"][1]["changes"][0]
    assert change["before"] == first and change["after"] == "Th3" and change["start"] >= 0
    assert history["versions"][1]["author"] != history["versions"][0]["author"]

    # The platform search finds the spoken word, and the hit says when it was said.
    station = next(w for w in words if "station" in w["word"].lower())
    found = api.get("/api/v1/search", params={"text": "the railway station"}).json()
    assert str(item) in [i["id"] for i in found["items"]]
    hit = found["hits"][str(item)][0]
    assert hit["seconds"] == words[words.index(station) - 2]["start"]  # "the railway station"
    assert "station" in hit["snippet"].lower() and hit["source"] == "transcript"
    for view in ("grid", "table"):
        page = api.get("/search", params={"text": "the railway station", "view": view})
        assert f"/evidence/{item}?t={hit['seconds']:.1f}" in page.text, view

    proposals = api.get(f"{url}/pii")
    assert proposals.status_code == 200 and "presidio" in proposals.json()["detector"]["analyzer"]

    done = CliRunner().invoke(cli(), ["transcribe", str(item)])
    assert done.exit_code == 0 and "ready (version 2)" in done.output

    actions = _actions(item)
    assert "transcript.request" in actions and "transcript.made" in actions
    assert "transcript.correct" in actions
    assert actions.count("transcript.view") >= 6
