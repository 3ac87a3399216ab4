"""The redaction editor's main flow in a browser: from the evidence page to a new redaction,
the face's track listed with its thumbnail and drawn over the video, a decision for every
undecided track with its reason (refused without one), a muted range on the waveform, and the
render with its progress to a redacted copy — and the list page, the start form and the editor
refuse whoever may not redact the item."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from tests.redaction.helpers import scene_clip
from tests.support import factories
from tests.support.stack import Stack
from tests.support.transcripts import transcribe
from tests.web.conftest import screenshot, sign_in
from tests.web.pages import PASSWORD, browser_client, js_errors, person


def test_a_disclosure_officer_redacts_a_face_and_renders(
    page: Page, stack: Stack, live_server: str, tmp_path: Path
) -> None:
    team = f"E-{uuid.uuid4().hex[:6]}"
    officer = stack.user("officer", borough="E09000033", team=team)
    _scene, clip = scene_clip(tmp_path / "scene.mp4", seconds=1.2)
    item = factories.item(officer, stored=True, content=clip.read_bytes(), duration=1.2)
    transcribe(item, SAID, duration=1.2)  # what was said, as the transcription job saves it
    redactor = person(stack, "disclosure_officer", team=team)
    sign_in(page, redactor.username, PASSWORD, f"/evidence/{item}")
    page.get_by_role("link", name="Redact faces, plates and audio").click()
    page.get_by_label("Number plates").uncheck()
    page.get_by_role("button", name="Start a new redaction").click()
    assert f"/evidence/{item}/redactions/" in page.url
    tracks = page.locator("#tracks .track")
    expect(tracks).to_have_count(1, timeout=90_000)
    expect(tracks.first.locator("img.thumb")).to_be_visible()
    expect(page.locator("#overlay .box").first).to_be_attached()
    page.locator("#bulk").get_by_role("button", name="Apply").click()
    expect(page.locator("#editor-status")).to_contain_text("Not applied")
    page.locator("#bulk-reason").select_option("third_party")
    page.locator("#bulk").get_by_role("button", name="Apply").click()
    expect(page.locator("#editor-status")).to_contain_text("1 tracks decided")
    expect(tracks.first).to_have_attribute("data-decision", "redact")
    page.locator("#audio-start").fill("0.2")
    page.locator("#audio-end").fill("0.6")
    page.locator("#audio-reason").select_option("victim")
    page.get_by_role("button", name="Add the range").click()
    expect(page.locator("#audio-ranges li")).to_have_count(1)
    # Words of the transcript: the first clicked, the last shift-clicked, the range from their
    # times, and the range keeps the words it covers.
    words = page.locator("#transcript-words button")
    expect(words).to_have_count(len(SAID))
    words.nth(0).click()
    words.nth(2).click(modifiers=["Shift"])
    expect(page.locator("#audio-start")).to_have_value("0.10")
    expect(page.locator("#audio-end")).to_have_value("0.60")
    page.locator("#audio-reason").select_option("third_party")
    page.get_by_role("button", name="Add the range").click()
    expect(page.locator("#audio-ranges li")).to_have_count(2)
    api = page.locator("#editor").get_attribute("data-api")
    spans = page.request.get(f"{api}/audio").json()
    by_words = [s for s in spans if s["source"] == "words"]
    assert [(s["words"], s["start_seconds"], s["end_seconds"]) for s in by_words] == [
        (["Stay", "where", "you"], 0.1, 0.6)
    ]
    page.get_by_label("Preview the redaction").check()
    expect(page.locator("#overlay .box.preview-blur").first).to_be_attached()
    page.get_by_role("button", name="Render the redacted copy").click()
    expect(page.locator("#rendered-link")).to_be_visible(timeout=60_000)
    expect(page.locator("#render-progress")).to_have_attribute("value", "1")
    screenshot(page, "redaction-editor")
    assert js_errors(page) == []
    copy = page.request.get(page.locator("#rendered-link").get_attribute("href") or "")
    assert copy.status == 200 and copy.headers["content-type"] == "video/mp4"


def test_the_pages_refuse_whoever_may_not_redact(stack: Stack, live_server: str) -> None:
    officer = stack.user("officer", borough="E09000033")
    item = factories.item(officer, stored=True)
    viewer = person(stack, "investigator")
    client, csrf = browser_client(live_server, viewer.username)
    try:
        assert client.get(f"/evidence/{item}/redactions").status_code == 403
        refused = client.post(
            f"/evidence/{item}/redactions", data={"faces": "true", "csrf_token": csrf}
        )
        assert refused.status_code == 403
        assert client.get(f"/evidence/{item}/redactions/{uuid.uuid4()}").status_code == 403
        shown = client.get(f"/evidence/{item}")
        assert shown.status_code == 200 and "Redact faces" not in shown.text
    finally:
        client.close()
    outsider = person(stack, "disclosure_officer", borough="E09000001")
    client, _csrf = browser_client(live_server, outsider.username)
    try:
        assert client.get(f"/evidence/{item}/redactions").status_code == 404
    finally:
        client.close()
    with httpx.Client(base_url=live_server) as anonymous:
        assert anonymous.get(f"/evidence/{item}/redactions").status_code in (303, 307)


SAID = [("Stay", 0.1, 0.3), ("where", 0.32, 0.45), ("you", 0.47, 0.6), ("are", 0.62, 0.8)]
