"""Case pages: creating (with clear refusals), who sees which case, members, linking and removing
items, and the case timeline (lanes per officer and camera, offsets, London time)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.support import factories
from tests.support.stack import Stack
from tests.web.conftest import sign_in
from tests.web.evidence_world import AWAY, audit_actions, make_item, person, watch


@pytest.fixture
def client_for(live_server: str, stack: Stack) -> Iterator[Any]:
    clients: list[httpx.Client] = []

    def make(user: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {stack.user_token(user)}", "Accept": "text/html"}
        client = httpx.Client(
            base_url=live_server, headers=headers, timeout=30, follow_redirects=True
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def _create(client: httpx.Client, reference: str, title: str = "Burglary", cad: str = "") -> Any:
    return client.post(
        "/cases", data={"crime_reference": reference, "title": title, "cad_number": cad}
    )


def test_creating_a_case_and_its_refusals(stack: Stack, client_for: Any) -> None:
    investigator = client_for(person(stack, "investigator").user)
    reference = f"CR/{uuid.uuid4().hex[:8]}"
    made = _create(investigator, reference, "Burglary at the bakery", "CAD-77")
    assert made.status_code == 200 and made.url.path.startswith("/cases/")
    assert f"{reference}: Burglary at the bakery" in made.text and "CAD-77" in made.text
    for data, message in (
        ((reference, "Again"), f"a case with crime reference {reference} already exists"),
        (("no", "Short reference"), "crime reference numbers are 3–32 letters"),
        ((f"CR/{uuid.uuid4().hex[:8]}", "   "), "Give the case a title"),
        ((f"CR/{uuid.uuid4().hex[:8]}", "t", "bad cad!"), "A CAD number is up to 32"),
    ):
        refused = _create(investigator, *data)
        assert refused.status_code == 422, data
        assert message.lower() in refused.text.lower(), (data, message)
    officer = client_for(person(stack, "officer").user)
    assert "Create a case" not in officer.get("/cases").text
    assert _create(officer, f"CR/{uuid.uuid4().hex[:8]}").status_code == 403


def test_members_see_the_case_and_its_items_others_nothing(stack: Stack, client_for: Any) -> None:
    oic = person(stack, "investigator")
    outsider_officer = person(stack, "officer", borough=AWAY)
    newcomer = person(stack, "officer", borough=AWAY)
    westminster_officer = person(stack, "officer")
    recorded = datetime(2026, 7, 1, 20, 0, tzinfo=UTC)
    item = make_item(westminster_officer.user, recorded, camera="CASE-CAM", title="Doorway")
    lead = client_for(oic.user)
    page = _create(lead, f"CR/{uuid.uuid4().hex[:8]}")
    case_path = page.url.path
    linked = lead.post(f"{case_path}/items", data={"evidence_id": item})
    assert "Doorway" in linked.text and "Linked items (1)" in linked.text

    for client in (client_for(outsider_officer.user), client_for(newcomer.user)):
        for path in (case_path, f"{case_path}/timeline"):
            assert client.get(path).status_code == 404
        assert case_path not in client.get("/cases").text
        assert client.get(f"/evidence/{item}").status_code == 404

    # Added as a member, another borough's officer sees the case and its linked item.
    added = lead.post(f"{case_path}/members", data={"username": newcomer.username})
    assert added.status_code == 200 and newcomer.username in added.text
    member = client_for(newcomer.user)
    assert member.get(case_path).status_code == 200
    assert case_path in member.get("/cases").text
    assert member.get(f"/evidence/{item}").status_code == 200
    assert "Add a member" not in member.get(case_path).text  # members do not manage
    assert member.post(f"{case_path}/members", data={"username": "x"}).status_code == 403
    refused = lead.post(f"{case_path}/members", data={"username": "nobody-at-all"})
    assert refused.status_code == 422 and "no active user" in refused.text

    # Removing the item takes it off the case and out of the member's reach.
    removed = lead.post(f"{case_path}/items/{item}/remove")
    assert "Linked items (0)" in removed.text
    assert member.get(f"/evidence/{item}").status_code == 404
    case_events = [a for a, _ in audit_actions(item)]
    assert "evidence.link" in case_events and "evidence.unlink" in case_events


def test_the_timeline_puts_each_camera_on_its_own_lane(stack: Stack, client_for: Any) -> None:
    oic = person(stack, "investigator")
    first, second = person(stack, "officer"), person(stack, "officer")
    start = datetime(2026, 7, 1, 19, 59, 50, tzinfo=UTC)  # 20:59:50 in London (BST)
    items = [
        make_item(first.user, start, camera="LANE-A", duration=30),
        make_item(second.user, start + timedelta(seconds=10), camera="LANE-B", duration=40),
        make_item(first.user, start + timedelta(seconds=45), camera="LANE-A", duration=5),
    ]
    lead = client_for(oic.user)
    case_path = _create(lead, f"CR/{uuid.uuid4().hex[:8]}").url.path
    for item in items:
        lead.post(f"{case_path}/items", data={"evidence_id": item})
    page = lead.get(f"{case_path}/timeline")
    assert page.status_code == 200
    lanes = re.findall(r'<div class="lane-label"[^>]*>([^<]+)</div>', page.text)
    assert [lane.split(" · ")[1] for lane in lanes] == ["LANE-A", "LANE-B"]
    offsets = re.findall(r'class="clip" data-offset="([0-9.]+)"', page.text)
    assert sorted(float(o) for o in offsets) == [0.0, 10.0, 45.0]
    text = re.sub(r"<[^>]+>", "", page.text)
    assert "From 01 Jul 2026 20:59:50 to 01 Jul 2026 21:00:40 BST" in text
    ticks = re.findall(r'<text class="tick-label"[^>]*>([^<]+)</text>', page.text)
    assert ticks == ["21:00:00", "21:00:10", "21:00:20", "21:00:30"]  # 20:00 UTC is 21:00 BST
    # The DB-only items have no playback copy: listed on the axis, not offered for sync play.
    assert page.text.count("Not playable here.") == 3
    viewed = [d["items"] for a, d in audit_actions(actor=oic.user) if a == "case.timeline"]
    assert viewed == [items]


def test_an_empty_timeline_and_the_case_list(page: Page, stack: Stack) -> None:
    watch(page)
    investigator = person(stack, "investigator")
    sign_in(page, investigator.username, investigator.password, "/cases")
    reference = f"EMPTY/{uuid.uuid4().hex[:6]}"
    page.get_by_label("Crime reference number").fill(reference)
    page.get_by_label("Title").fill("Nothing yet")
    page.get_by_role("button", name="Create case").click()
    page.get_by_role("link", name="Open the case timeline").click()
    expect(page.locator(".notice")).to_contain_text("No recordings you can see")
    page.get_by_role("link", name="Cases", exact=True).first.click()
    row = page.locator(".cases-table tr", has_text=reference)
    expect(row).to_contain_text("Nothing yet")
    expect(row.locator("td").nth(4)).to_have_text("0")
    assert page.js_errors == []  # type: ignore[attr-defined]


def test_the_api_takes_a_borough_by_name_or_code(stack: Stack, client_for: Any) -> None:
    """`POST /api/v1/cases` with "Camden" answered 500 (a foreign-key failure); the fleet API
    took names all along."""
    investigator = client_for(person(stack, "investigator").user)
    for borough in ("Camden", "E09000007"):
        body = {"crime_reference": f"CR/{uuid.uuid4().hex[:8]}", "title": "t", "borough": borough}
        made = investigator.post("/api/v1/cases", json=body)
        assert made.status_code == 201, made.text
        assert made.json()["borough"] == "E09000007"
    body = {"crime_reference": f"CR/{uuid.uuid4().hex[:8]}", "title": "t", "borough": "Atlantis"}
    refused = investigator.post("/api/v1/cases", json=body)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert "unknown borough" in refused.json()["detail"]


def _fits(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [1366, 390])
def test_the_case_page_adds_removes_members_and_closes(
    page: Page, stack: Stack, width: int
) -> None:
    """The Remove, Close and Reopen buttons (and an expiry when adding), also on a phone."""
    watch(page)
    page.set_viewport_size({"width": width, "height": 900})
    oic, member = person(stack, "investigator"), person(stack, "officer")
    visitor = person(stack, "officer")
    case_id = factories.case(oic.user, [(oic.user, "oic"), (member.user, "member")], [])
    sign_in(page, oic.username, oic.password, f"/cases/{case_id}")
    members = page.locator("#members li")
    expect(members.filter(has_text=member.username)).to_have_count(1)
    _fits(page, width)

    # Adding with an expiry shows it; removing takes the member off the case.
    until = (datetime.now(UTC) + timedelta(days=30)).date()
    page.get_by_label("Add a member by username").fill(visitor.username)
    page.get_by_label("Access until (optional)").fill(until.isoformat())
    page.get_by_role("button", name="Add member").click()
    expect(members.filter(has_text=visitor.username)).to_contain_text(
        f"until {(until + timedelta(days=1)).strftime('%d %b %Y')} 00:00:00"
    )
    _fits(page, width)
    members.filter(has_text=member.username).get_by_role("button", name="Remove").click()
    expect(members.filter(has_text=member.username)).to_have_count(0)
    expect(members.filter(has_text=oic.username)).to_have_count(1)
    removed = [d for a, d in audit_actions(actor=oic.user) if a == "case.member.remove"]
    assert [d["username"] for d in removed] == [member.username]

    # Closing: the status shows, nothing can be linked or added; reopening brings them back.
    page.get_by_role("button", name="Close case").click()
    expect(page.locator(".case-status")).to_contain_text("Closed since")
    expect(page.locator("#case-closed-notice")).to_be_visible()
    expect(page.get_by_role("button", name="Add member")).to_have_count(0)
    expect(page.get_by_role("button", name="Link item")).to_have_count(0)
    _fits(page, width)
    page.get_by_role("button", name="Reopen case").click()
    expect(page.locator(".case-status")).to_have_text("Open")
    expect(page.get_by_role("button", name="Add member")).to_be_visible()
    expect(page.get_by_role("button", name="Close case")).to_be_visible()
    actions = [a for a, _ in audit_actions(actor=oic.user)]
    assert actions.count("case.close") == 1 and actions.count("case.reopen") == 1
    assert page.js_errors == []  # type: ignore[attr-defined]


def _two_incidents(stack: Stack) -> tuple[Any, str, datetime]:
    """A case with two clusters of overlapping clips an hour apart (19:59:50 and 20:59:50 UTC:
    20:59:50 and 21:59:50 in London)."""
    oic = person(stack, "investigator")
    first, second = person(stack, "officer"), person(stack, "officer")
    start = datetime(2026, 7, 1, 19, 59, 50, tzinfo=UTC)
    later = start + timedelta(hours=1)
    items = [
        make_item(first.user, start, camera="GAP-A", duration=20),
        make_item(second.user, start + timedelta(seconds=10), camera="GAP-B", duration=20),
        make_item(first.user, later, camera="GAP-A", duration=20),
        make_item(second.user, later + timedelta(seconds=5), camera="GAP-B", duration=20),
    ]
    case_id = factories.case(oic.user, [(oic.user, "oic")], [uuid.UUID(i) for i in items])
    return oic, f"/cases/{case_id}/timeline", start


def test_the_timeline_compresses_an_idle_hour_into_a_marked_gap(
    stack: Stack, client_for: Any
) -> None:
    oic, path, _start = _two_incidents(stack)
    page = client_for(oic.user).get(path)
    assert page.status_code == 200
    gaps = re.findall(
        r'<g class="timeline-gap" data-from="([0-9.]+)" data-seconds="([0-9.]+)"', page.text
    )
    assert [(float(a), float(b)) for a, b in gaps] == [(30.0, 3570.0)]
    width = float(
        re.search(r'class="gap-band" x="[0-9.]+" y="\d+" width="([0-9.]+)"', page.text)[1]
    )
    assert 0 < width <= 60  # an hour, drawn narrower than the ten seconds of footage either side
    text = re.sub(r"<[^>]+>", "", page.text)
    assert "59 min" in text and "No recording for 59 min: 21:00:20 to 21:59:50" in text
    # Offsets stay real seconds; clips after the gap sit just right of it, to scale.
    offsets = re.findall(r'class="clip" data-offset="([0-9.]+)"', page.text)
    assert sorted(float(o) for o in offsets) == [0.0, 10.0, 3600.0, 3605.0]
    xs = [
        float(x)
        for x in re.findall(r'<rect x="([0-9.]+)" y="\d+" width="[0-9.]+" height="30">', page.text)
    ]
    assert max(xs) < 1000 and sorted(xs)[2] > 400  # the later cluster takes its half of the axis
    ticks = re.findall(r'<text class="tick-label"[^>]*>([^<]+)</text>', page.text)
    assert "21:00:00" in ticks and "22:00:00" in ticks  # London (BST) on both sides of the gap


def test_playing_across_a_gap_jumps_to_the_next_recordings(page: Page, stack: Stack) -> None:
    watch(page)
    oic, path, _start = _two_incidents(stack)
    sign_in(page, oic.username, oic.password, path)
    expect(page.locator(".timeline-gap")).to_have_count(1)
    expect(page.locator(".timeline-gap .gap-label")).to_have_text("59 min")
    sync, clock = page.locator("#sync"), page.locator("#sync-clock")
    # Start near the end of the first incident, at 4×: 8 s of footage left, then an hour idle.
    page.get_by_role("button", name=re.compile("Go to start")).nth(1).click()
    expect(clock).to_have_text("21:00:00")
    page.get_by_label("Speed").select_option("4.0")
    began = datetime.now(UTC)
    page.get_by_role("button", name="Play all").click()
    expect(sync).to_have_attribute("data-skipped", "1", timeout=15_000)
    assert datetime.now(UTC) - began < timedelta(seconds=15)  # not an hour's wait
    clocked = float(sync.get_attribute("data-clock") or "0")
    assert 3600 <= clocked < 3640, clocked
    expect(clock).to_have_text(re.compile(r"^(21:59:5\d|22:00:[0-3]\d)$"))
    page.get_by_role("button", name="Pause all").click()
    # Stepping back into the gap lands at the end of the first incident; forward, the second.
    page.get_by_role("button", name=re.compile("Go to start")).nth(2).click()
    expect(clock).to_have_text("21:59:50")
    page.get_by_role("button", name="Back 10 seconds").click()
    expect(clock).to_have_text("21:00:20")
    page.get_by_role("button", name="Forward 10 seconds").click()
    expect(clock).to_have_text("21:59:50")
    assert page.js_errors == []  # type: ignore[attr-defined]
