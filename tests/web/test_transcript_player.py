"""The transcript beside the video: every word a button that seeks the video to it, the word being
said highlighted as it plays, captions on the video (WebVTT), find-in-transcript with Enter to go
to the next match, low-confidence words marked, a correction made on the page saved as a new
version, and ?t= (a search hit) starting the video there."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect
from sqlalchemy import select

from openbwv.access.models import User
from openbwv.access.policy.queries import principal_for_user
from openbwv.access.principal import Principal
from openbwv.db.session import unit_of_work
from openbwv.timeutil import utcnow
from openbwv.transcription import service
from tests.support.stack import Stack
from tests.web.conftest import screenshot, sign_in
from tests.web.evidence_world import person, record_clip, wait_js, wait_ready, watch

SAID = [  # (word, start, end, probability)
    ("Stay", 1.0, 1.4, 0.95),
    ("where", 1.5, 1.9, 0.94),
    ("you", 2.0, 2.3, 0.97),
    ("are.", 2.4, 2.9, 0.9),
    ("Walk", 4.0, 4.4, 0.92),
    ("to", 4.5, 4.7, 0.3),
    ("the", 4.8, 5.0, 0.96),
    ("station", 5.1, 5.8, 0.93),
]


def _transcribed(evidence_id: str) -> None:
    """The machine's version, recorded as the job's finish would (the engine itself is tested
    in tests/transcription; this test is about the page)."""
    words = [{"word": w, "start": s, "end": e, "probability": p} for w, s, e, p in SAID]
    segments = [
        {"start": 1.0, "end": 2.9, "text": "Stay where you are.", "words": words[:4]},
        {"start": 4.0, "end": 5.8, "text": "Walk to the station", "words": words[4:]},
    ]
    for word in words:
        word["low_confidence"] = word["probability"] < 0.5
    made = service.Made(
        language="en",
        model={
            "name": "whisper-base",
            "version": "1.0.0",
            "licence": "MIT",
            "sha256": "d01c3014881c9c6f" + "0" * 48,
            "engine": "faster-whisper",
            "engine_version": "1.2.1",
            "packages": [],
        },
        settings={},
        duration_seconds=8.0,
        speech_seconds=4.0,
        segments=segments,
        not_transcribed=[{"start": 0.0, "end": 1.0, "reason": "silence"}],
    )
    with unit_of_work() as session:
        service.save_machine(session, uuid.UUID(evidence_id), made)


def _corrected(evidence_id: str, who: Principal) -> None:
    """A person's correction: "are." heard as "are" (a new version; the machine's is kept)."""
    with unit_of_work() as session:
        change = [service.Change(0, 3, "are")]
        service.correct(session, who, uuid.UUID(evidence_id), 1, change, "full stop", None)


def _principal(who: Any) -> Principal:
    with unit_of_work() as session:
        user = session.scalar(select(User).where(User.username == who.username))
        assert user is not None
        return principal_for_user(session, user)


def _time(page: Page) -> float:
    return float(page.evaluate("() => document.getElementById('video').currentTime"))


def test_the_transcript_follows_and_drives_the_video(
    page: Page, stack: Stack, tmp_path: Path
) -> None:
    errors = watch(page)
    officer = person(stack, "officer")
    start = (utcnow() - timedelta(hours=2)).replace(microsecond=0)
    item = record_clip(tmp_path, officer.username, f"TR-{uuid.uuid4().hex[:6]}", start, seconds=8)
    wait_ready(item)
    _transcribed(item)
    _corrected(item, _principal(officer))
    sign_in(page, officer.username, officer.password, f"/evidence/{item}")
    words = page.locator("#transcript-body button.word")
    expect(words).to_have_count(len(SAID))
    expect(page.locator("#transcript-status")).to_have_text("8 words.")
    expect(page.locator("#transcript-request")).to_be_hidden()
    expect(page.locator(".transcript-gap")).to_contain_text("silence")
    expect(words.nth(5)).to_have_class("word low-confidence")
    expect(words.nth(3)).to_have_text("are")
    history = page.locator("#transcript-history")
    expect(history.locator("summary")).to_have_text("History: 2 version(s)")
    expect(history.locator("li")).to_have_count(2)
    history.locator("summary").click()
    expect(history.locator("li").nth(1)).to_contain_text("1 word(s) corrected")
    expect(history.locator("li").nth(0).get_by_role("link", name="WebVTT")).to_have_attribute(
        "href", f"/api/v1/evidence/{item}/transcript?version=1&format=vtt"
    )
    wait_js(page, "() => document.getElementById('video').readyState >= 1", "video metadata")

    # Clicking a word seeks to it, and the word being said is the one highlighted.
    words.nth(4).click()
    wait_js(page, "() => Math.abs(document.getElementById('video').currentTime - 4) < 0.05", "seek")
    expect(page.locator("#transcript-body button.word.current")).to_have_text("Walk")

    # Captions on the video, from the WebVTT track.
    cues = wait_js(
        page,
        "() => { const t = document.getElementById('video').textTracks[0];"
        " return t && t.cues && t.cues.length ? Array.from(t.cues, c => c.text) : null; }",
        "the caption cues",
    )
    assert cues == ["Stay where you are", "Walk to the station"]

    # Find in the transcript: the match is marked, Enter goes to it.
    page.get_by_label("Find in the transcript").fill("the station")
    expect(page.locator("#transcript-found")).to_have_text("1 match")
    expect(page.locator("#transcript-body button.word.match")).to_have_count(2)
    page.keyboard.press("Enter")
    wait_js(
        page, "() => Math.abs(document.getElementById('video').currentTime - 4.8) < 0.05", "find"
    )
    expect(page.locator("#transcript-body button.word.current")).to_have_text("the")
    screenshot(page, "evidence-transcript")

    # A correction from the page: a word changed, saved as a new version on the current one.
    page.get_by_role("button", name="Correct words").click()
    words.nth(7).click()
    page.get_by_label("Correct “station”").fill("police station")
    page.keyboard.press("Enter")
    expect(page.locator("#transcript-changes")).to_have_text("1 word(s) changed")
    page.get_by_label("What was corrected, and why").fill("heard again")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.locator("#transcript-status")).to_have_text("Saved as version 3.")
    expect(words.nth(7)).to_have_text("police station")
    expect(history.locator("summary")).to_have_text("History: 3 version(s)")
    expect(history.locator("li").nth(2)).to_contain_text("heard again")

    # A search hit's link starts the video where the words were said.
    page.goto(f"/evidence/{item}?t=5.1")
    wait_js(
        page, "() => Math.abs(document.getElementById('video').currentTime - 5.1) < 0.05", "?t="
    )
    assert _time(page) > 5
    assert errors == []
