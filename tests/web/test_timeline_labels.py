"""The case timeline's row labels: a long officer name and a long camera serial are readable in
full (wrapped, never clipped) on a phone and on a desktop screen."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Page, expect

from openbwv.access.models import User
from openbwv.db.session import unit_of_work
from tests.support import factories
from tests.support.stack import Stack
from tests.web.conftest import sign_in
from tests.web.evidence_world import make_item, person, watch

LABEL_BOX = """label => {
  const box = label.getBoundingClientRect();
  return {
    scroll: label.scrollWidth, client: label.clientWidth,
    scrollHeight: label.scrollHeight, clientHeight: label.clientHeight,
    left: box.left, right: box.right, top: box.top, bottom: box.bottom,
    viewport: document.documentElement.clientWidth,
    page: document.documentElement.scrollWidth,
  };
}"""


@pytest.mark.parametrize("width", [390, 1280])
def test_long_officer_names_and_camera_serials_are_not_clipped(
    page: Page, stack: Stack, live_server: str, width: int
) -> None:
    watch(page)
    oic = person(stack, "investigator")
    officer = person(stack, "officer")
    long_name = (
        f"Police Constable Maximiliana Featherstonehaugh-Cholmondeley {uuid.uuid4().hex[:6]}"
    )
    with unit_of_work() as session:
        user = session.get(User, officer.user.id)
        assert user is not None
        user.display_name = long_name
    serial = factories.unique("AXIS-W110-BODYWORN-SERIAL-", 16)
    start = datetime(2026, 7, 1, 19, 0, tzinfo=UTC)
    items = [
        make_item(officer.user, start, camera=serial, duration=30),
        make_item(oic.user, start + timedelta(seconds=5), camera="SHORT-1", duration=20),
    ]
    headers = {"Authorization": f"Bearer {stack.user_token(oic.user)}", "Accept": "text/html"}
    with httpx.Client(base_url=live_server, headers=headers, timeout=30) as client:
        made = client.post(
            "/cases",
            data={"crime_reference": f"TL/{uuid.uuid4().hex[:8]}", "title": "Labels"},
            follow_redirects=True,
        )
        case_path = made.url.path
        for item in items:
            client.post(f"{case_path}/items", data={"evidence_id": item})

    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, oic.username, oic.password, f"{case_path}/timeline")
    label = page.locator(".case-timeline .lane-label", has_text=serial)
    expect(label).to_have_count(1)
    expect(label).to_contain_text(long_name)
    expect(label).to_have_attribute("title", f"{long_name} · {serial}")
    box = label.evaluate(LABEL_BOX)
    assert box["scroll"] <= box["client"], box  # nothing cut off sideways
    assert box["scrollHeight"] <= box["clientHeight"], box
    assert box["left"] >= 0 and box["right"] <= box["viewport"], box  # on screen in full
    assert box["page"] <= width, box  # and no horizontal scrolling
    # The label sits in its lane's row, beside its track (not over the other lane's label).
    lanes = page.locator(".case-timeline .timeline-lane")
    expect(lanes).to_have_count(2)
    track = page.locator(".timeline-lane", has_text=serial).locator(".lane-track").bounding_box()
    assert track is not None and track["x"] >= box["right"] - 1
    assert track["y"] <= box["top"] + 1 and box["bottom"] <= track["y"] + track["height"] + 1
    assert not page.js_errors  # type: ignore[attr-defined]
