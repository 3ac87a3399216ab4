"""The investigator's journey, end to end in a real browser on real footage: sign in, find a clip
with the search, open it, play and seek, add a marker and a note (still there after a reload),
link it to a case, see it beside another officer's recording on the case timeline and play both
in sync — and another borough's officer can neither find nor open it."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, Page, expect

from openbwv.timeutil import utcnow
from tests.support.stack import Stack
from tests.web.conftest import screenshot, sign_in
from tests.web.evidence_world import (
    AWAY,
    audit_actions,
    person,
    record_clip,
    signed_in_page,
    wait_js,
    wait_ready,
    walk,
    watch,
)

LONDON = ZoneInfo("Europe/London")


def _current_time(page: Page, selector: str = "#video") -> float:
    return float(page.eval_on_selector(selector, "video => video.currentTime"))


def test_find_watch_annotate_link_and_play_in_sync(
    page: Page, browser: Browser, live_server: str, stack: Stack, tmp_path: Path
) -> None:
    watch(page)
    investigator = person(stack, "investigator", team="CID")
    first = person(stack, "officer", team="Response 1")
    second = person(stack, "officer", team="Response 2")
    stranger = person(stack, "officer", borough=AWAY)
    start = (utcnow() - timedelta(hours=2)).replace(microsecond=0)
    camera_a, camera_b = f"JA-{uuid.uuid4().hex[:6]}", f"JB-{uuid.uuid4().hex[:6]}"
    clip_a = record_clip(tmp_path, first.username, camera_a, start, seed=1, track=walk(start, 6))
    clip_b = record_clip(tmp_path, second.username, camera_b, start + timedelta(seconds=2), seed=2)
    wait_ready(clip_a, clip_b)

    # Sign in and find the clip: officer and a London-time window around the recording.
    sign_in(page, investigator.username, investigator.password, "/search")
    expect(page).to_have_url(re.compile(r"/search$"))
    page.get_by_label("Officer").fill(first.username)
    local = start.astimezone(LONDON)
    page.get_by_label("From").fill((local - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("To").fill((local + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator(".result-count")).to_have_text(re.compile(r"^\s*1 item\b"))
    screenshot(page, "search")
    page.locator(".results-grid .card-link").first.click()
    expect(page).to_have_url(re.compile(rf"/evidence/{clip_a}$"))

    # Play: the video's clock advances. Seek: a strip tile moves it there.
    page.get_by_role("button", name="Play", exact=True).click()
    wait_js(page, "() => document.getElementById('video').currentTime > 0.5", "playback")
    page.get_by_role("button", name="Pause", exact=True).click()
    tile = page.locator(".strip-tile").last
    target = float(tile.get_attribute("data-seek") or 0)
    assert target > 2
    tile.click()
    wait_js(
        page,
        f"() => Math.abs(document.getElementById('video').currentTime - {target}) < 0.05",
        "the seek",
    )
    assert abs(_current_time(page) - target) < 0.05
    # The map's dot followed the video along the track.
    expect(page.locator("#track-dot")).not_to_have_attribute(
        "cy", page.locator(".track-start").get_attribute("cy") or ""
    )

    # A marker at the current time, and a note; both survive a reload.
    page.get_by_role("button", name="Use the current time").click()
    page.get_by_label("Label").fill("Suspect turns into the side street")
    page.get_by_role("button", name="Add marker").click()
    expect(page.locator("#markers .marker-label")).to_have_text(
        ["Suspect turns into the side street"]
    )
    page.get_by_label("Add a note").fill("Suspect wears a red jacket.\nSecond line.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#notes .note-text")).to_have_text(
        ["Suspect wears a red jacket.\nSecond line."]
    )
    page.reload()
    expect(page.locator("#markers .marker-label")).to_have_text(
        ["Suspect turns into the side street"]
    )
    expect(page.locator("#notes .note-text")).to_contain_text(["Suspect wears a red jacket."])
    expect(page.locator("#markers .timeline-marker")).to_have_count(1)
    screenshot(page, "evidence")

    # A case, and both recordings linked to it (one from the item page, one from search).
    reference = f"01/{uuid.uuid4().int % 10**6:06d}/26"
    page.goto("/cases")
    page.get_by_label("Crime reference number").fill(reference)
    page.get_by_label("CAD incident number (optional)").fill("CAD1234")
    page.get_by_label("Title").fill("Robbery on Whitehall")
    page.get_by_role("button", name="Create case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{reference}: Robbery on Whitehall")
    case_url = page.url
    page.goto(f"/evidence/{clip_a}")
    page.get_by_label("Link to the case with crime reference").fill(reference)
    page.get_by_role("button", name="Link to case").click()
    expect(page.locator("#cases")).to_contain_text(reference)
    page.goto(case_url)
    page.get_by_role("link", name="Find footage to add").click()
    page.get_by_label("Officer").fill(second.username)
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("button", name=re.compile(r"^Add to case")).click()
    page.goto(case_url)
    expect(page.locator(".case-items tbody tr")).to_have_count(2)
    screenshot(page, "case")

    # The timeline: two officers' recordings on one axis, played in sync by one clock.
    page.get_by_role("link", name="Open the case timeline").click()
    expect(page.locator(".sync-video")).to_have_count(2)
    expect(page.locator(".case-timeline .clip")).to_have_count(2)
    expect(page.locator(".case-timeline .lane-label")).to_have_count(2)
    offsets = page.locator(".sync-video").evaluate_all(
        "figures => figures.map(f => parseFloat(f.dataset.offset))"
    )
    assert offsets == [0.0, 2.0]
    page.get_by_role("button", name="Play all").click()
    wait_js(
        page,
        "() => [...document.querySelectorAll('.sync-media')].every(v => v.currentTime > 0.4)",
        "both videos to play in sync",
        timeout=30,
    )
    times = page.locator(".sync-media").evaluate_all("videos => videos.map(v => v.currentTime)")
    assert times[0] > times[1] + 1.2  # the second started two seconds of clock later
    screenshot(page, "timeline")
    page.get_by_role("button", name="Pause all").click()
    assert page.js_errors == []  # type: ignore[attr-defined]
    assert page.dialogs == []  # type: ignore[attr-defined]

    # Everything was recorded against the item.
    actions = [action for action, _ in audit_actions(clip_a, investigator.user)]
    for expected in ("evidence.view", "evidence.play", "evidence.marker", "evidence.note"):
        assert expected in actions
    assert "evidence.link" in actions

    # Another borough's officer: not found by search, not opened, nothing revealed.
    other = signed_in_page(browser, live_server, stranger, "/search")
    other.get_by_label("Officer").fill(first.username)
    other.get_by_role("button", name="Search", exact=True).click()
    expect(other.locator(".result-count")).to_have_text(re.compile(r"^\s*0 items"))
    expect(other.locator(".results-grid .card")).to_have_count(0)
    hidden = other.goto(f"/evidence/{clip_a}")
    assert hidden is not None and hidden.status == 404
    hidden_body = other.locator("main").inner_text()
    missing = other.goto(f"/evidence/{uuid.uuid4()}")
    assert missing is not None and missing.status == 404
    assert other.locator("main").inner_text() == hidden_body
    for secret in (camera_a, first.username, "red jacket", reference):
        assert secret not in other.content()
    case_response = other.goto(case_url)
    assert case_response is not None and case_response.status == 404
    assert other.js_errors == []  # type: ignore[attr-defined]
    other.context.close()
