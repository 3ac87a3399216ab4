"""Uploads from the browser: a real clip through tus-js-client with a progress bar to 100 %, London
time sent as UTC, the link to the new item, processing followed by htmx polling, and resuming
after a dropped connection and a page reload without sending any byte twice."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Request, Route, expect

from openbwv.media.synth import make_clip
from tests.support.stack import Stack
from tests.web.conftest import screenshot, sign_in, watch_page_errors
from tests.web.pages import PASSWORD, js_errors, person, signed_in

EVIDENCE_LINK = re.compile(r"^/evidence/([0-9a-f-]{36})$")


@pytest.fixture
def tokyo(browser: Browser, live_server: str) -> Iterator[BrowserContext]:
    """A browser whose own clock is in Tokyo: London times must still be read as London's."""
    made = browser.new_context(
        base_url=live_server, locale="en-GB", timezone_id="Asia/Tokyo", accept_downloads=False
    )
    made.set_default_timeout(30_000)
    yield made
    made.close()


def test_upload_with_metadata_progress_and_link(
    tokyo: BrowserContext, stack: Stack, tmp_path: Path, seed: int
) -> None:
    page = tokyo.new_page()
    errors = watch_page_errors(page)
    officer = person(stack, "officer")
    sign_in(page, officer.username, PASSWORD, "/upload")
    expect(page.get_by_role("heading", level=1)).to_have_text("Upload footage")
    clip = make_clip(tmp_path / f"patrol-{seed}.mp4", seconds=2, seed=seed)
    page.get_by_label("Files").set_input_files(str(clip))
    page.get_by_label("Camera serial number").fill("AXB-900123")
    page.get_by_label("Recording started (London time)").fill("2026-07-15T14:30:05")
    # Summer: BST, one hour ahead of UTC, whatever the browser's own zone (Tokyo here).
    expect(page.locator("#start-utc")).to_have_text("Stored as 2026-07-15T13:30:05Z (UTC).")
    page.get_by_role("button", name="Upload").click()
    item = page.locator("#upload-list li")
    expect(item.locator("progress")).to_have_js_property("value", 100)
    expect(item).to_contain_text("100% — uploaded and hashed.")
    link = item.get_by_role("link", name="Open the evidence item")
    href = link.get_attribute("href") or ""
    found = EVIDENCE_LINK.match(href)
    assert found, href
    record = page.request.get(f"/api/v1/evidence/{found.group(1)}").json()
    assert record["sha256"] == hashlib.sha256(clip.read_bytes()).hexdigest()
    assert record["original_filename"] == clip.name
    assert record["camera_serial"] == "AXB-900123"
    assert record["recorded_start"].startswith("2026-07-15T13:30:05")
    # Processing, followed by polling, until the clip can be played.
    row = page.locator("#recent-uploads tbody tr", has_text=clip.name)
    expect(row).to_contain_text("Received")
    expect(row.locator(".evidence-status")).to_have_text("Ready to play", timeout=120_000)
    expect(row.get_by_role("link", name=clip.name)).to_have_attribute("href", href)
    screenshot(page, "upload")
    link.click()  # the evidence page opens the new item
    expect(page).to_have_url(re.compile(href + "$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("video")).to_have_count(1)
    assert errors == []


def test_bad_metadata_is_refused_clearly(page: Page, stack: Stack, tmp_path: Path) -> None:
    signed_in(page, stack, "officer", next_path="/upload")
    clip = make_clip(tmp_path / "odd.mp4", seconds=1, seed=7)
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("alert")).to_have_text("Choose at least one file to upload.")
    page.get_by_label("Files").set_input_files(str(clip))
    page.get_by_label("Camera serial number").fill("no spaces allowed")
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("alert")).to_contain_text("camera serial number may use letters")
    assert js_errors(page) == []


def test_resume_after_a_dropped_connection_and_a_reload(
    page: Page, stack: Stack, tmp_path: Path, seed: int
) -> None:
    signed_in(page, stack, "officer", next_path="/upload")
    clip = make_clip(tmp_path / f"resume-{seed}.mp4", seconds=4, seed=seed)
    size = clip.stat().st_size
    chunk = 8 * 1024
    assert size > 4 * chunk
    sent: list[tuple[int, int]] = []  # (Upload-Offset, body bytes) of PATCHes the server got
    state = {"allow": 3}

    def gate(route: Route, request: Request) -> None:
        if request.method != "PATCH":
            route.continue_()
        elif state["allow"] > 0:
            state["allow"] -= 1
            sent.append(
                (int(request.headers["upload-offset"]), len(request.post_data_buffer or b""))
            )
            route.continue_()
        else:
            route.abort("connectionreset")  # the connection drops: nothing reaches the server

    page.route("**/api/v1/uploads/**", gate)
    page.evaluate(f"document.getElementById('upload-form').dataset.chunkSize = '{chunk}'")
    page.get_by_label("Files").set_input_files(str(clip))
    page.get_by_role("button", name="Upload").click()
    bar = page.locator("#upload-list progress")
    page.wait_for_function(
        "n => document.querySelector('#upload-list progress').value >= n",
        arg=100 * 3 * chunk // size,
    )
    expect(page.locator("#upload-list li")).not_to_contain_text("uploaded")
    assert sent == [(0, chunk), (chunk, chunk), (2 * chunk, chunk)]

    # The page is reloaded mid-upload (its retries die with it; the connection stays down until
    # then); the browser remembers the upload for this user.
    page.reload()
    state["allow"] = 10**6
    expect(page.locator("#unfinished")).to_contain_text(clip.name)
    page.evaluate(f"document.getElementById('upload-form').dataset.chunkSize = '{chunk}'")
    page.get_by_label("Files").set_input_files(str(clip))
    page.get_by_role("button", name="Upload").click()
    expect(bar).to_have_js_property("value", 100)
    expect(page.locator("#upload-list")).to_contain_text("uploaded and hashed")
    # Resumed at the server's offset: every byte went over exactly once.
    offsets = [offset for offset, _ in sent]
    assert offsets == sorted(offsets) and offsets[3] == 3 * chunk
    assert sum(length for _, length in sent) == size
    assert [b - a for a, b in pairwise(offsets)] == [chunk] * (len(sent) - 1)
    link = page.get_by_role("link", name="Open the evidence item").get_attribute("href") or ""
    found = EVIDENCE_LINK.match(link)
    assert found
    record = page.request.get(f"/api/v1/evidence/{found.group(1)}").json()
    assert record["sha256"] == hashlib.sha256(clip.read_bytes()).hexdigest()
    assert record["size_bytes"] == size
    # Finished uploads are forgotten by the browser.
    page.reload()
    expect(page.locator("#unfinished")).to_be_hidden()
    assert js_errors(page) == []


def test_only_uploaders_see_the_page(page: Page, stack: Stack) -> None:
    signed_in(page, stack, "auditor", borough=None, next_path="/upload")
    expect(page.get_by_role("heading", level=1)).to_have_text("Forbidden")
    response = page.request.get("/upload/recent")
    assert response.status == 403


def test_a_file_already_held_says_so_and_keeps_what_was_typed(
    page: Page, stack: Stack, tmp_path: Path, seed: int
) -> None:
    """Re-uploading held bytes once said "upload complete" and dropped the serial and time typed
    (issue 9, item 11): now it names the item and keeps the details as a note, audited."""
    errors = watch_page_errors(page)
    officer = person(stack, "officer")
    sign_in(page, officer.username, PASSWORD, "/upload")
    clip = make_clip(tmp_path / f"twice-{seed}.mp4", seconds=1, seed=seed)
    page.get_by_label("Files").set_input_files(str(clip))
    page.get_by_role("button", name="Upload").click()
    first = page.locator("#upload-list li").first
    expect(first).to_contain_text("100% — uploaded and hashed.")
    href = first.get_by_role("link", name="Open the evidence item").get_attribute("href")
    page.reload()
    page.get_by_label("Files").set_input_files(str(clip))
    page.get_by_label("Camera serial number").fill("AXB-777001")
    page.get_by_role("button", name="Upload").click()
    second = page.locator("#upload-list li").first
    expect(second).to_contain_text("Already held: this file has been evidence since")
    expect(second).to_contain_text("was added to it as a note")
    expect(second.get_by_role("link", name="Open the evidence item")).to_have_attribute(
        "href", href or ""
    )
    item_id = (href or "").rsplit("/", 1)[-1]
    record = page.request.get(f"/api/v1/evidence/{item_id}").json()
    assert record["camera_serial"] is None  # the item keeps what it first arrived with
    notes = page.request.get(f"/api/v1/evidence/{item_id}/notes").json()
    texts = [note["text"] for note in notes]
    assert any("submitted again" in text and "AXB-777001" in text for text in texts), texts
    assert errors == []
