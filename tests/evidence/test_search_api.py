"""The JSON search's three kinds of area (a borough, a place from the place list, corners drawn
or typed), alone and together, through the access policy; and bad areas refused with problem
details."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.support.stack import Stack
from tests.web.evidence_world import AWAY, audit_actions, make_item, person, walk

TRAFALGAR = (51.5080, -0.1281)  # Westminster
CAMDEN_TOWN = (51.5390, -0.1426)  # Camden
CROYDON = (51.3720, -0.1000)  # Croydon (outer London, South BCU)
KENSINGTON = (51.4990, -0.1990)  # Kensington and Chelsea, inside Westminster's bounding box
AROUND_TRAFALGAR = "-0.1300,51.5040; -0.1260,51.5040; -0.1260,51.5090; -0.1300,51.5090"
BOW_TIE = "-0.13,51.50; -0.12,51.51; -0.12,51.50; -0.13,51.51"


@dataclass
class World:
    camera: str
    items: dict[str, str]
    officer: Any
    reviewer: Any
    station: str


@pytest.fixture(scope="module")
def world(stack: Stack) -> World:
    from openbwv.db.session import unit_of_work
    from openbwv.organisation.service import add_station

    camera = f"AREA-{uuid.uuid4().hex[:6]}"
    officer = person(stack, "officer")  # Westminster: sees their own footage only
    outsider = person(stack, "officer", borough=AWAY)
    reviewer = person(stack, "professional_standards")  # sees every borough's
    when = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def item(owner: Any, minutes: int, where: tuple[float, float] | None) -> str:
        start = when + timedelta(minutes=minutes)
        track = walk(start, 10, where) if where else None
        return make_item(owner, start, camera=camera, track=track)

    items = {
        "trafalgar": item(officer.user, 0, TRAFALGAR),
        "camden": item(officer.user, 1, CAMDEN_TOWN),
        "croydon": item(officer.user, 2, CROYDON),
        "untracked": item(officer.user, 3, None),
        "hidden": item(outsider.user, 4, TRAFALGAR),  # another borough's officer's
    }
    station = f"Holborn {uuid.uuid4().hex[:6]}"
    with unit_of_work() as session:
        add_station(session, AWAY, station)
    return World(camera, items, officer.user, reviewer.user, station)


def _client(live_server: str, stack: Stack, user: Any) -> httpx.Client:
    headers = {"Authorization": f"Bearer {stack.user_token(user)}"}
    return httpx.Client(base_url=live_server, headers=headers, timeout=60)


@pytest.fixture(scope="module")
def as_officer(live_server: str, stack: Stack, world: World) -> Iterator[httpx.Client]:
    with _client(live_server, stack, world.officer) as client:
        yield client


def _found(client: httpx.Client, world: World, **params: str) -> set[str]:
    response = client.get("/api/v1/search", params={"camera": world.camera, **params})
    assert response.status_code == 200, response.text
    names = {value: key for key, value in world.items.items()}
    return {names.get(item["id"], item["id"]) for item in response.json()["items"]}


def test_each_kind_of_area_finds_the_tracks_through_it(
    world: World, as_officer: httpx.Client
) -> None:
    cases: list[tuple[dict[str, str], set[str]]] = [
        ({}, {"trafalgar", "camden", "croydon", "untracked"}),
        ({"area_borough": "Westminster"}, {"trafalgar"}),
        ({"area_borough": "camden"}, {"camden"}),  # names ignore case
        ({"area_borough": "E09000008"}, {"croydon"}),  # or a GSS code
        ({"place": "Central North BCU"}, {"camden"}),
        ({"place": "inner london"}, {"trafalgar", "camden"}),
        ({"place": "Outer London"}, {"croydon"}),
        ({"place": f"{world.station} station"}, {"camden"}),  # a station stands for its borough
        ({"area": AROUND_TRAFALGAR}, {"trafalgar"}),
        ({"area": AROUND_TRAFALGAR, "place": "Inner London"}, {"trafalgar"}),  # each must hold
        ({"area": AROUND_TRAFALGAR, "area_borough": "Camden"}, set()),
    ]
    for params, expected in cases:
        assert _found(as_officer, world, **params) == expected, params
    searches = [d for a, d in audit_actions(actor=world.officer) if a == "evidence.search"]
    assert searches[-1]["page"] == "api"
    assert searches[-1]["criteria"]["area_borough"] == "Camden"


def test_an_area_search_returns_only_what_the_caller_may_see(
    live_server: str, stack: Stack, world: World, as_officer: httpx.Client
) -> None:
    assert _found(as_officer, world, area=AROUND_TRAFALGAR) == {"trafalgar"}
    assert _found(as_officer, world, area_borough="Westminster") == {"trafalgar"}
    with _client(live_server, stack, world.reviewer) as reviewer:
        assert _found(reviewer, world, area=AROUND_TRAFALGAR) == {"trafalgar", "hidden"}
        assert _found(reviewer, world, area_borough="Westminster") == {"trafalgar", "hidden"}


def test_the_place_list_holds_boroughs_bcus_london_and_stations(
    world: World, as_officer: httpx.Client
) -> None:
    places = {p["name"]: p for p in as_officer.get("/api/v1/search/places").json()}
    kinds = [p["kind"] for p in places.values()]
    assert kinds.count("borough") == 33 and kinds.count("bcu") == 12
    assert [b["name"] for b in places["Central North BCU"]["boroughs"]] == ["Camden", "Islington"]
    assert len(places["Inner London"]["boroughs"]) + len(places["Outer London"]["boroughs"]) == 33
    station = places[f"{world.station} station"]
    assert station["kind"] == "station" and station["label"].endswith("(Camden)")


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"area_borough": "Atlantis"}, "area_borough", "no borough called 'Atlantis'"),
        ({"place": "SW1A 2DN"}, "place", "not in the place list"),
        ({"area": BOW_TIE}, "area", "edges cross each other"),
        ({"area": "-0.9,51.0; 0.9,51.0; 0.0,52.0"}, "area", "at most 1.5 degrees across"),
        ({"area": "-0.1,51.5; -0.11,51.51; -0.12,51.52"}, "area", "on one line"),
        (
            {"area": "; ".join(f"{-i / 1e4},{51.5 + (i % 2) / 1e3}" for i in range(101))},
            "area",
            "at most 100 corners",
        ),
        ({"area": "-0.1,51.5; west,north; 1,2"}, "area", "not a number"),
        ({"area": "-0.1,51.5; -0.2,51.5"}, "area", "at least three corners"),
    ],
)
def test_bad_areas_are_refused_with_problem_details(
    as_officer: httpx.Client, params: dict[str, str], field: str, message: str
) -> None:
    response = as_officer.get("/api/v1/search", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["title"] == "Invalid search"
    assert message.lower() in problem["errors"][field].lower()


def _page_through(client: httpx.Client, camera: str) -> tuple[list[str], int]:
    """Every clip an area search lists, page by page of two recordings, and how many pages
    stopped at the scan limit."""
    found: list[str] = []
    stopped, cursor = 0, ""
    for _ in range(40):
        params = {"camera": camera, "area_borough": "Westminster", "limit": "2", "cursor": cursor}
        page = client.get("/api/v1/search", params=params).json()
        found += [item["id"] for item in page["items"]]
        stopped += page["scanned_out"]
        cursor = page["next_cursor"] or ""
        if not cursor:
            break
    return found, stopped


@pytest.mark.parametrize("dense", [True, False])
def test_an_area_search_pages_through_every_match_however_few_it_tests_at_a_time(
    live_server: str, stack: Stack, monkeypatch: pytest.MonkeyPatch, dense: bool
) -> None:
    """With four candidates fetched at a time and six tested per page, following the cursors
    finds every clip through the area once and none outside it (those outside are in the
    area's bounding box: the database passes them, the exact test rejects them), whether
    pages fill before the scan limit (dense: two in three inside, a batch is left part-tested)
    or stop at it (one in three inside: `scanned_out`), with recordings of two clips."""
    from openbwv.evidence.search import queries as search_queries

    monkeypatch.setattr(search_queries, "AREA_BATCH", 4)
    monkeypatch.setattr(search_queries, "AREA_MAX_SCAN", 6)
    officer = person(stack, "officer")
    camera = f"PAGES-{uuid.uuid4().hex[:6]}"
    when = datetime(2026, 4, 6, 9, 0, tzinfo=UTC)
    inside: set[str] = set()
    for minute in range(20):
        start = when + timedelta(minutes=minute)
        through = minute % 3 != 1 if dense else minute % 3 == 0
        where = TRAFALGAR if through else KENSINGTON
        recording = f"pair-{minute // 2}" if minute < 10 else None  # pairs share a recording
        made = make_item(
            officer.user, start, camera=camera, track=walk(start, 10, where), recording=recording
        )
        if where == TRAFALGAR:
            inside.add(made)
    with _client(live_server, stack, officer.user) as client:
        found, stopped = _page_through(client, camera)
    assert len(found) == len(set(found)), "a clip listed twice"
    assert set(found) == inside
    assert (stopped > 0) != dense, stopped
