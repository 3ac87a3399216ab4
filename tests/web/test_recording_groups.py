"""My footage shows a recording the camera split into three clips as one row, with its length in
all, that opens to list its clips (each its own item), on a phone and on a desktop (issue 9, item
13: one recording showed as several items with the same title)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from playwright.sync_api import Page, expect

from openbwv.timeutil import utcnow
from tests.support.stack import Stack
from tests.web.conftest import screenshot, sign_in, watch_page_errors
from tests.web.evidence_world import make_item, person


def test_my_footage_shows_a_recording_of_three_clips_as_one_row(page: Page, stack: Stack) -> None:
    errors = watch_page_errors(page)
    officer = person(stack, "officer")
    start = utcnow().replace(microsecond=0) - timedelta(hours=1)
    key, camera = f"test:{uuid.uuid4().hex}", f"AXB-{uuid.uuid4().hex[:6]}"
    title = "Disturbance at the Red Lion, a recording in three clips"
    clips = [
        make_item(officer.user, start, camera=camera, title=title, duration=300, recording=key),
        make_item(officer.user, start + timedelta(seconds=300), camera=camera, recording=key),
        make_item(officer.user, start + timedelta(seconds=600), camera=camera, recording=key),
    ]
    single = make_item(officer.user, start - timedelta(hours=2), camera=camera)
    sign_in(page, officer.username, officer.password, "/footage")

    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/footage")
        listed = page.locator(".footage-list > .footage-row, .footage-list > .recording-group")
        expect(listed).to_have_count(2)  # the recording, and the single item
        expect(page.locator("#uncategorised-count")).to_contain_text("2 recordings need")
        group = page.locator(".recording-group")
        expect(group.get_by_role("heading", level=3)).to_have_text(title)
        expect(group.locator(".recording-meta")).to_contain_text("3 clips")
        expect(group.locator(".recording-length")).to_have_text("6:00 in all")  # 300 + 30 + 30 s
        expect(page.get_by_text(title)).to_have_count(1)  # the title once
        expect(page.locator(f"#row-{single}")).to_be_visible()

        group.get_by_text("Show its 3 clips").click()
        for number, clip in enumerate(clips, 1):
            link = page.locator(f"#row-{clip} h3 a")
            expect(link).to_have_text(f"Clip {number} of 3")
            expect(link).to_have_attribute("href", f"/evidence/{clip}")
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"My footage at {width} px is {scroll} px wide"
        screenshot(page, f"footage-recording-{width}")
    assert errors == [], errors

    page.locator(f"#row-{clips[1]} h3 a").click()
    expect(page.locator(".recording-clips-nav")).to_contain_text("Clip 2 of 3 of this recording")
