"""The search page: every filter (London time in, UTC compared), free text in titles and notes,
the area drawn on the map, keyset pages, counts and results limited by the access policy,
saved searches, and every search in the audit log."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.support.stack import Stack
from tests.web.conftest import sign_in
from tests.web.evidence_world import AWAY, audit_actions, make_item, person, walk, watch

TRAFALGAR = (51.5080, -0.1281)
AROUND_TRAFALGAR = "-0.1300,51.5070; -0.1260,51.5070; -0.1260,51.5090; -0.1300,51.5090"
SOMEWHERE_ELSE = "-0.20,51.45; -0.19,51.45; -0.19,51.46"


@dataclass
class World:
    tag: str
    items: dict[str, str]
    westminster: Any
    camden: Any
    reviewer: Any
    case_reference: str
    cameras: tuple[str, str]


def _annotate(item: str, tag: str, note: str | None = None, marker: bool = False) -> None:
    from openbwv.db.session import unit_of_work
    from openbwv.evidence.annotations.models import Marker, Note, Tag

    with unit_of_work() as session:
        evidence_id = uuid.UUID(item)
        session.add(Tag(evidence_id=evidence_id, tag=tag))
        if note:
            session.add(Note(evidence_id=evidence_id, author_name="t", text=note))
        if marker:
            session.add(Marker(evidence_id=evidence_id, source="user", offset_seconds=1.0))


def _case(owner: Any, item: str) -> str:
    from openbwv.cases.models import Case, CaseItem, CaseMember
    from openbwv.db.session import unit_of_work

    reference = f"SR/{uuid.uuid4().hex[:8]}"
    with unit_of_work() as session:
        case = Case(crime_reference=reference, title="Search case", borough=owner.borough)
        session.add(case)
        session.flush()
        session.add(CaseMember(case_id=case.id, user_id=owner.id, role="oic"))
        session.add(CaseItem(case_id=case.id, evidence_id=uuid.UUID(item)))
    return reference


@pytest.fixture(scope="module")
def world(stack: Stack) -> World:
    tag = f"run-{uuid.uuid4().hex[:8]}"
    westminster = person(stack, "officer")
    camden = person(stack, "officer", borough=AWAY)
    reviewer = person(stack, "professional_standards")
    cameras = (f"S1-{uuid.uuid4().hex[:6]}", f"S2-{uuid.uuid4().hex[:6]}")
    summer = datetime(2026, 6, 15, 9, 30, tzinfo=UTC)  # 10:30 in London (BST)
    winter = datetime(2026, 1, 10, 10, 30, tzinfo=UTC)  # 10:30 in London (GMT)
    items = {
        "fight": make_item(
            westminster.user,
            summer,
            camera=cameras[0],
            categories=("arrest",),
            title="Fight outside the pub",
            track=walk(summer, 20, TRAFALGAR),
        ),
        "plain": make_item(westminster.user, summer + timedelta(hours=1), camera=cameras[1]),
        "camden": make_item(camden.user, winter, camera=cameras[0], categories=("public_order",)),
        "restricted": make_item(westminster.user, summer, categories=("domestic_abuse",)),
    }
    _annotate(items["fight"], tag, note="A BLUE car drove off at 50%", marker=True)
    _annotate(items["plain"], tag)
    _annotate(items["camden"], tag, note="the blue car again")
    _annotate(items["restricted"], tag, note="blue car")
    reference = _case(camden.user, items["camden"])
    return World(tag, items, westminster.user, camden.user, reviewer.user, reference, cameras)


@pytest.fixture
def as_reviewer(live_server: str, stack: Stack, world: World) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {stack.user_token(world.reviewer)}"}
    with httpx.Client(base_url=live_server, headers=headers, timeout=30) as client:
        yield client


def _found(client: httpx.Client, **params: str) -> tuple[set[str], httpx.Response]:
    response = client.get("/search", params=params)
    ids = set(re.findall(r'href="/evidence/([0-9a-f-]{36})" class="card-link"', response.text))
    return ids, response


def _names(world: World, ids: set[str]) -> set[str]:
    by_id = {value: key for key, value in world.items.items()}
    return {by_id.get(i, i) for i in ids}


CASES = [
    ({}, {"fight", "plain", "camden"}),  # the restricted one is hidden without a grant
    ({"borough": AWAY}, {"camden"}),
    ({"category": "arrest"}, {"fight"}),
    ({"category": "none"}, {"plain"}),
    ({"has_notes": "1"}, {"fight", "camden"}),
    ({"has_markers": "1"}, {"fight"}),
    ({"text": "blue car"}, {"fight", "camden"}),  # notes, any case
    ({"text": "PUB"}, {"fight"}),  # titles
    ({"text": "50%"}, {"fight"}),  # % is a character, not a wildcard
    ({"text": "5_%"}, set()),
    ({"area": AROUND_TRAFALGAR}, {"fight"}),
    ({"area": SOMEWHERE_ELSE}, set()),
    # 10:30 London time in June is 09:30 UTC: the window is read in London time.
    ({"start": "2026-06-15T10:30", "end": "2026-06-15T10:31"}, {"fight"}),
    ({"start": "2026-06-15T10:31", "end": "2026-06-15T11:30"}, set()),
    ({"start": "2026-01-10T10:30", "end": "2026-01-10T10:31"}, {"camden"}),
]


def test_every_filter_narrows_to_exactly_the_matching_items(
    world: World, as_reviewer: httpx.Client
) -> None:
    failures = []
    for params, expected in CASES:
        ids, response = _found(as_reviewer, tag=world.tag, **params)
        assert response.status_code == 200, (params, response.text[:300])
        if _names(world, ids) != expected:
            failures.append((params, _names(world, ids), expected))
    assert failures == []
    for params, expected_names in (
        ({"camera": world.cameras[0]}, {"fight", "camden"}),
        ({"case": world.case_reference}, {"camden"}),
    ):
        ids, _ = _found(as_reviewer, **params)
        assert _names(world, ids) == expected_names, params
    # The count agrees with the policy too.
    _, response = _found(as_reviewer, tag=world.tag)
    assert re.search(r"\b3 items\b", response.text)


def test_an_officer_finds_only_what_they_may_see(
    world: World, live_server: str, stack: Stack
) -> None:
    headers = {"Authorization": f"Bearer {stack.user_token(world.westminster)}"}
    with httpx.Client(base_url=live_server, headers=headers, timeout=30) as client:
        ids, response = _found(client, tag=world.tag)
        assert _names(world, ids) == {"fight", "plain"}  # own only; the restricted one hidden
        assert re.search(r"\b2 items\b", response.text)
        ids, _ = _found(client, text="blue car")
        assert world.items["camden"] not in ids
        # Another borough's case: as unknown as one that does not exist.
        _, response = _found(client, case=world.case_reference)
        assert response.status_code == 422
        assert "No case you can see has the crime reference" in response.text
    searches = [d for a, d in audit_actions(actor=world.westminster) if a == "evidence.search"]
    tagged = [d for d in searches if d.get("criteria", {}).get("tag") == world.tag]
    assert tagged and tagged[0]["page"] == "search" and tagged[0]["returned"] == 2


def test_bad_input_gets_clear_errors(world: World, as_reviewer: httpx.Client) -> None:
    for params, message in (
        ({"start": "yesterday"}, "Enter a date and time such as 24/11/2026 14:30"),
        ({"start": "2026-06-15T10:00", "end": "2026-06-15T09:00"}, "The end must be after"),
        ({"area": "-0.1,51.5; nonsense"}, "Each corner of the area is"),
        ({"area": "-0.1,51.5; -0.2,51.5"}, "An area needs at least three corners"),
        ({"area": "-0.1,95; -0.2,51.5; -0.1,51.4"}, "outside longitude/latitude bounds"),
        ({"cursor": "not-a-cursor"}, "That page link is not valid"),
        ({"text": "x" * 201}, "Search text is at most 200 characters"),
    ):
        _, response = _found(as_reviewer, **params)
        assert response.status_code == 422, params
        assert message in response.text, (params, message)


def test_keyset_pages_cover_everything_once(stack: Stack, as_reviewer: httpx.Client) -> None:
    owner = person(stack, "officer").user
    tag = f"page-{uuid.uuid4().hex[:8]}"
    moment = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # all at once: the id breaks the tie
    made = {make_item(owner, moment) for _ in range(26)}
    for item in made:
        _annotate(item, tag)
    first, response = _found(as_reviewer, tag=tag, view="table")
    assert len(first) == 0  # the table view lists rows, not cards
    rows = re.findall(r'<td><a href="/evidence/([0-9a-f-]{36})">', response.text)
    assert len(rows) == 24 and "26 items" in response.text
    next_link = re.search(r'rel="next" href="/search\?([^"]+)"', response.text)
    assert next_link is not None
    response = as_reviewer.get("/search?" + next_link.group(1).replace("&amp;", "&"))
    more = re.findall(r'<td><a href="/evidence/([0-9a-f-]{36})">', response.text)
    assert len(more) == 2 and 'rel="next"' not in response.text
    assert set(rows) | set(more) == made and not set(rows) & set(more)


def _on_screen(page: Page, lon: float, lat: float) -> tuple[float, float]:
    """Where a longitude/latitude is drawn on the area map, in page pixels."""
    x, y = page.evaluate(
        """([lon, lat]) => {
            const svg = document.getElementById('area-map');
            svg.scrollIntoView({block: 'center'});  // a mouse click needs it on screen
            const [minLon, minLat, maxLon, maxLat] = svg.dataset.bbox.split(',').map(Number);
            const w = Number(svg.dataset.width), h = Number(svg.dataset.height);
            const sq = Math.cos((minLat + maxLat) / 2 * Math.PI / 180);
            const s = Math.min(w / ((maxLon - minLon) * sq), h / (maxLat - minLat));
            const ox = (w - (maxLon - minLon) * sq * s) / 2;
            const oy = (h - (maxLat - minLat) * s) / 2;
            const p = new DOMPoint(ox + (lon - minLon) * sq * s, oy + (maxLat - lat) * s)
                .matrixTransform(svg.getScreenCTM());
            return [p.x, p.y];
        }""",
        [lon, lat],
    )
    return x, y


def test_draw_an_area_and_keep_the_search(page: Page, world: World, stack: Stack) -> None:
    from openbwv.db.session import unit_of_work
    from openbwv.evidence.search.models import SavedSearch

    watch(page)
    reviewer = person(stack, "professional_standards")
    sign_in(page, reviewer.username, reviewer.password, f"/search?tag={world.tag}")
    page.get_by_text("Where: a borough, a place or an area drawn on the map").click()
    # Three corners by mouse around Trafalgar Square ...
    for lon, lat in ((-0.1400, 51.5000), (-0.1200, 51.5000), (-0.1300, 51.5200)):
        x, y = _on_screen(page, lon, lat)
        page.mouse.click(x, y)
    corners = page.get_by_label("Area corners (longitude,latitude; …)").input_value()
    assert len(corners.split(";")) == 3
    first = [float(v) for v in corners.split(";")[0].split(",")]
    assert abs(first[0] - -0.14) < 0.002 and abs(first[1] - 51.50) < 0.002
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator(".results-grid .card")).to_have_count(1)
    expect(page.locator(".results-grid .card-title")).to_have_text("Fight outside the pub")

    # ... and by keyboard: focus the map, move the cross-hair, Enter adds a corner.
    page.get_by_role("button", name="Clear area").click()
    page.locator("#area-map").focus()
    for keys in (["Enter"], ["ArrowRight", "Enter"], ["ArrowDown", "Enter"], ["Backspace"]):
        for key in keys:
            page.keyboard.press(key)
    corners = page.get_by_label("Area corners (longitude,latitude; …)").input_value()
    assert len(corners.split(";")) == 2  # three added, the last taken away again

    # Save the Trafalgar search; it comes back from the list and can be deleted.
    page.goto(f"/search?tag={world.tag}&area={AROUND_TRAFALGAR}&view=table")
    page.get_by_label("Save this search as").fill("Trafalgar fights")
    page.get_by_role("button", name="Save search").click()
    expect(page.locator(".saved-list a")).to_have_text(["Trafalgar fights"])
    page.goto("/search")
    page.get_by_role("link", name="Trafalgar fights").click()
    expect(page.locator(".results-table tbody tr")).to_have_count(1)
    expect(page.get_by_label("Tag")).to_have_value(world.tag)
    page.get_by_role("button", name="Delete saved search Trafalgar fights").click()
    expect(page.locator("#saved-searches")).to_contain_text("None yet.")
    with unit_of_work() as session:
        assert session.query(SavedSearch).filter_by(user_id=reviewer.user.id).count() == 0
    assert page.js_errors == []  # type: ignore[attr-defined]


LABEL_OVERLAPS = """() => {
    const boxes = [...document.querySelectorAll('#area-map .map-label')].map((label) => {
        const r = label.getBoundingClientRect();
        return [label.textContent, r.left, r.top, r.right, r.bottom];
    });
    const hits = [];
    boxes.forEach((a, i) => boxes.slice(i + 1).forEach((b) => {
        const crossing = a[1] < b[3] && a[3] > b[1] && a[2] < b[4] && a[4] > b[2];
        if (crossing) hits.push(a[0] + ' / ' + b[0]);
    }));
    return hits;
}"""


def test_the_map_names_the_boroughs_and_a_borough_or_rectangle_narrows_the_search(
    page: Page, world: World, stack: Stack
) -> None:
    watch(page)
    reviewer = person(stack, "professional_standards")
    sign_in(page, reviewer.username, reviewer.password, f"/search?tag={world.tag}")
    page.get_by_text("Where: a borough, a place or an area drawn on the map").click()
    area_map = page.locator("#area-map")
    expect(area_map.locator(".map-label")).to_have_count(33)
    for name in ("Westminster", "Camden", "Islington", "Croydon"):
        expect(area_map.locator(".map-label", has_text=name)).to_be_visible()
    assert page.evaluate(LABEL_OVERLAPS) == []  # drawn, measured by the browser itself
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.get_by_label("Borough the track passes through").select_option("Westminster")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator(".results-grid .card-title")).to_have_text(["Fight outside the pub"])
    page.get_by_label("Borough the track passes through").select_option("Camden")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator(".results-grid .card")).to_have_count(0)

    # A rectangle from two opposite corners around Trafalgar Square, in a borough-free search.
    page.get_by_label("Borough the track passes through").select_option("")
    page.get_by_label("Rectangle (two opposite corners)").check()
    for lon, lat in ((-0.1330, 51.5100), (-0.1230, 51.5000)):
        page.mouse.click(*_on_screen(page, lon, lat))
    corners = page.get_by_label("Area corners (longitude,latitude; …)").input_value()
    assert len(corners.split(";")) == 4
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator(".results-grid .card-title")).to_have_text(["Fight outside the pub"])
    assert page.js_errors == []  # type: ignore[attr-defined]


def test_a_saved_search_belongs_to_its_owner(page: Page, stack: Stack, live_server: str) -> None:
    from openbwv.db.session import unit_of_work
    from openbwv.evidence.search.models import SavedSearch

    owner, other = person(stack, "officer"), person(stack, "officer")
    with unit_of_work() as session:
        mine = SavedSearch(user_id=owner.user.id, name="Private", query="text=x")
        session.add(mine)
        session.flush()
        saved_id = mine.id
    sign_in(page, other.username, other.password, "/search")
    expect(page.locator("#saved-searches")).not_to_contain_text("Private")
    token = page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
    refused = page.request.post(
        f"/search/saved/{saved_id}/delete", form={"csrf_token": token}, max_redirects=0
    )
    assert refused.status == 404
    with unit_of_work() as session:
        assert session.get(SavedSearch, saved_id) is not None
