"""The player with the keyboard alone: Tab to the controls, play and pause, jump, step frames,
change speed, scrub with the strip — and the map's dot follows the video."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from openbwv.timeutil import utcnow
from tests.support.stack import Stack
from tests.web.conftest import sign_in
from tests.web.evidence_world import person, record_clip, wait_js, wait_ready, walk, watch


def _time(page: Page) -> float:
    return float(page.evaluate("() => document.getElementById('video').currentTime"))


def _tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching `selector` has focus (keyboard only, no clicks)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"{selector} never received focus with Tab")


def _settle(page: Page, expected: float, what: str) -> None:
    wait_js(
        page,
        f"() => Math.abs(document.getElementById('video').currentTime - {expected}) < 0.02",
        what,
    )


def test_the_player_works_from_the_keyboard(page: Page, stack: Stack, tmp_path: Path) -> None:
    watch(page)
    officer = person(stack, "officer")
    start = (utcnow() - timedelta(hours=3)).replace(microsecond=0)
    item = record_clip(
        tmp_path,
        officer.username,
        f"KB-{uuid.uuid4().hex[:6]}",
        start,
        seconds=16,
        seed=31,
        track=walk(start, 16),
    )
    wait_ready(item)
    sign_in(page, officer.username, officer.password, f"/evidence/{item}")
    wait_js(page, "() => document.getElementById('video').readyState >= 1", "video metadata")

    # Tab to the play button; Enter plays, Space pauses.
    _tab_to(page, "#play-toggle")
    page.keyboard.press("Enter")
    wait_js(page, "() => document.getElementById('video').currentTime > 0.3", "playback")
    expect(page.locator("#play-toggle")).to_have_text("Pause")
    page.keyboard.press("Space")
    expect(page.locator("#play-toggle")).to_have_text("Play")
    assert page.evaluate("() => document.getElementById('video').paused")

    # The shortcuts, with a player control focused.
    page.evaluate("() => { document.getElementById('video').currentTime = 2; }")
    _settle(page, 2, "a seek to 2 s")
    page.keyboard.press("l")
    _settle(page, 12, "L: forward 10 s")
    page.keyboard.press("j")
    _settle(page, 2, "J: back 10 s")
    page.keyboard.press("ArrowRight")
    _settle(page, 7, "→: forward 5 s")
    page.keyboard.press("ArrowLeft")
    _settle(page, 2, "←: back 5 s")
    frame = 1 / 25
    page.keyboard.press(".")
    _settle(page, 2 + frame, "full stop: next frame")
    page.keyboard.press(",")
    page.keyboard.press(",")
    _settle(page, 2 - frame, "comma: previous frame")
    page.keyboard.press(">")
    assert page.evaluate("() => document.getElementById('video').playbackRate") == 1.5
    expect(page.locator("#speed")).to_have_value("1.5")
    page.keyboard.press("<")
    page.keyboard.press("<")
    assert page.evaluate("() => document.getElementById('video').playbackRate") == 0.5
    page.keyboard.press("k")
    wait_js(page, "() => !document.getElementById('video').paused", "K: play")
    page.keyboard.press("k")
    wait_js(page, "() => document.getElementById('video').paused", "K: pause")

    # The frame buttons and the speed select are real controls too.
    before = _time(page)
    _tab_to(page, "[data-action='frame-fwd']")
    page.keyboard.press("Enter")
    _settle(page, before + frame, "the next-frame button")
    _tab_to(page, "#speed")
    page.keyboard.press("ArrowDown")  # a focused select changes with the arrow keys
    wait_js(page, "() => document.getElementById('video').playbackRate !== 0.5", "speed select")

    # The video itself takes the shortcuts when focused (it is in the tab order).
    _tab_to(page, "#video")
    page.keyboard.press("l")
    wait_js(page, "() => document.getElementById('video').currentTime > 10", "L on the video")

    # The strip: each tile is a button; Enter seeks there. The dot on the map follows.
    _tab_to(page, ".strip-tile[data-index='0']")
    page.keyboard.press("Enter")
    _settle(page, float(page.locator(".strip-tile").first.get_attribute("data-seek") or 0), "0")
    # The dot follows the player's time event, a moment after the seek: back at the start.
    first_cy = float(page.locator(".track-start").get_attribute("cy") or "nan")
    wait_js(
        page,
        "() => Math.abs(parseFloat(document.getElementById('track-dot').getAttribute('cy'))"
        f" - {first_cy}) < 0.01",
        "the dot back at the start",
    )
    tile = page.locator(".strip-tile").nth(8)
    target = float(tile.get_attribute("data-seek") or 0)
    for _ in range(8):
        page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.dataset.index") == "8"
    page.keyboard.press("Space")
    _settle(page, target, "a strip tile")
    # Walking south: later in the video, further down the map.
    wait_js(
        page,
        f"() => parseFloat(document.getElementById('track-dot').getAttribute('cy')) > {first_cy}",
        "the dot to follow the video south",
    )

    # A marker's time comes from the video; its timeline mark is a keyboard link that seeks.
    page.evaluate("() => { document.getElementById('video').currentTime = 5; }")
    _settle(page, 5, "a seek to 5 s")
    page.get_by_role("button", name="Use the current time").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Time (seconds, or minutes:seconds)")).to_have_value("5.0")
    page.get_by_label("Label").focus()
    page.keyboard.type("Van arrives")
    page.keyboard.press("Enter")
    expect(page.locator("#markers .marker-label")).to_have_text(["Van arrives"])
    page.evaluate("() => { document.getElementById('video').currentTime = 0; }")
    _settle(page, 0, "back to the start")
    page.locator("#markers .timeline-marker").focus()
    page.keyboard.press("Enter")
    _settle(page, 5, "the timeline marker")
    assert page.js_errors == []  # type: ignore[attr-defined]
