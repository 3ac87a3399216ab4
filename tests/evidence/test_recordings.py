"""The clips of one recording are one row on the lists, each still its own item (issue 9, item
13): My footage and search page by recording (a recording never cut across two pages, never
shown twice), its length is its visible clips' lengths added up, and the API numbers a clip among
the clips of its recording the caller may see — a clip the policy hides is neither listed,
counted nor numbered."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from openbwv.access.models import User
from openbwv.access.policy.queries import principal_for_user
from openbwv.db.session import unit_of_work
from openbwv.evidence import queries as evidence_queries
from openbwv.evidence.search import queries as search_queries
from openbwv.evidence.search.schemas import Criteria
from tests.support import factories
from tests.support.stack import Stack

HOME, AWAY = "E09000033", "E09000007"
START = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def world(stack: Stack) -> dict[str, Any]:
    """An officer's recording R of three clips (60, 90 and 30 s) and a fourth clip of it that
    is restricted (nobody here may see it), single items between R's clips in time, and a
    recording Q whose older clip needs a category and whose newer one has one."""
    officer = stack.user("officer", borough=HOME, team=factories.unique("Rec"))
    camera = factories.unique("AXB-")
    key, other = f"test:{uuid.uuid4().hex}", f"test:{uuid.uuid4().hex}"

    def clip(minutes: int, seconds: float = 30.0, **kwargs: Any) -> uuid.UUID:
        when = START + timedelta(minutes=minutes)
        return factories.item(officer, occurred=when, camera=camera, duration=seconds, **kwargs)

    recording = [
        clip(0, 60, recording=key, title="Stop and search, Strand", categories=("arrest",)),
        clip(2, 90, recording=key, categories=("arrest",)),
        clip(4, 30, recording=key, categories=("arrest",)),
    ]
    hidden = clip(5, 30, recording=key, categories=("domestic_abuse",))
    singles = [clip(1, categories=("arrest",)), clip(3, categories=("arrest",))]
    oldest = clip(-10, categories=("arrest",))
    split = [clip(-20, recording=other), clip(-19, recording=other, categories=("arrest",))]
    away = stack.user("officer", borough=AWAY, team=factories.unique("Away"))
    factories.case(away, [(away, "oic")], [recording[1]])
    case = factories.case(officer, [(officer, "oic")], [*recording, hidden, singles[0]])
    return {
        "case": case,
        "officer": officer,
        "away": away,
        "camera": camera,
        "key": key,
        "recording": recording,
        "hidden": hidden,
        "singles": singles,
        "oldest": oldest,
        "split": split,
    }


def _principal(user: Any) -> Any:
    with unit_of_work() as session:
        loaded = session.get(User, user.id)
        assert loaded is not None
        return principal_for_user(session, loaded)


def _pages(fetch: Any) -> list[list[list[uuid.UUID]]]:
    """Every page of a paged list, each a list of recordings (their clip ids)."""
    pages, cursor = [], None
    while True:
        recordings, cursor = fetch(cursor)
        pages.append([[clip.id for clip in r] for r in recordings])
        if cursor is None or len(pages) > 10:
            return pages


def test_my_footage_pages_by_recording(world: dict[str, Any]) -> None:
    principal = _principal(world["officer"])
    recording, singles, split = world["recording"], world["singles"], world["split"]

    def fetch(cursor: str | None) -> tuple[list[Any], str | None]:
        with unit_of_work() as session:
            found, following = evidence_queries.footage_recordings(
                session, principal, cursor, limit=2
            )
            return [r.clips for r in found], following

    pages = _pages(fetch)
    # Q needs a category while one of its clips does: it comes first, once, with both clips.
    # R is listed at its newest clip, before the singles recorded between its clips, whole
    # (the restricted fourth clip left out); nothing is cut across a page or shown twice.
    assert pages == [
        [split, recording],
        [[singles[1]], [singles[0]]],
        [[world["oldest"]]],
    ]


def test_search_pages_by_recording_with_only_matching_visible_clips(world: dict[str, Any]) -> None:
    principal = _principal(world["officer"])
    recording, singles = world["recording"], world["singles"]

    def fetch(cursor: str | None) -> tuple[list[Any], str | None]:
        criteria = Criteria(camera=world["camera"], category="arrest")
        with unit_of_work() as session:
            results = search_queries.run(session, principal, criteria, cursor=cursor, limit=2)
            by_id = {item.id: item for item in results.items}
            recordings = [[by_id[i] for i in ids] for _, ids in results.recordings]
            assert results.count == 7  # items matching, counted as ever
            return recordings, results.next_cursor

    pages = _pages(fetch)
    assert pages == [
        [recording, [singles[1]]],
        [[singles[0]], [world["oldest"]]],
        [[world["split"][1]]],  # only Q's categorised clip matches "arrest"
    ]


def test_api_numbers_a_clip_among_the_clips_the_caller_may_see(
    stack: Stack, live_server: str, world: dict[str, Any]
) -> None:
    recording = [str(i) for i in world["recording"]]
    with httpx.Client(
        base_url=live_server,
        headers={"Authorization": f"Bearer {stack.user_token(world['officer'])}"},
    ) as client:
        listed = client.get("/api/v1/evidence", params={"camera": world["camera"], "limit": 50})
        assert listed.status_code == 200, listed.text
        items = {item["id"]: item for item in listed.json()["items"]}
        assert str(world["hidden"]) not in items
        for number, item_id in enumerate(recording, 1):
            shown = items[item_id]
            assert shown["recording_key"] == world["key"]
            assert shown["recording"] == {
                "key": world["key"],
                "clip": number,
                "clips": 3,  # the restricted fourth clip is not counted
                "clip_ids": recording,
                "total_seconds": 180.0,
            }
        single = items[str(world["singles"][0])]
        assert single["recording_key"] is None and single["recording"] is None
        page = client.get(f"/evidence/{recording[1]}")
        assert "Clip 2 of 3" in page.text and f'href="/evidence/{recording[2]}"' in page.text
        for view in ("grid", "table"):  # the search page: R once, with its clips
            found = client.get("/search", params={"camera": world["camera"], "view": view}).text
            assert found.count("Stop and search, Strand</") == 1, view
            assert "3 clips" in found and "3:00 in all" in found, view
            assert all(f'href="/evidence/{clip}"' in found for clip in recording), view
        # The case timeline: R once among the recordings, its three visible clips numbered.
        timeline = client.get(f"/cases/{world['case']}/timeline").text
        assert "2 recordings in 4 clips" in timeline
        assert timeline.count("Stop and search, Strand</a>") == 1
        assert '<span class="recording-length">3:00 in all</span>' in timeline
        assert "Stop and search, Strand, clip 3 of 3" in timeline

    # An officer of another borough sees only the clip their case links: clip 1 of 1.
    with httpx.Client(
        base_url=live_server,
        headers={"Authorization": f"Bearer {stack.user_token(world['away'])}"},
    ) as client:
        linked = client.get(f"/api/v1/evidence/{recording[1]}")
        assert linked.status_code == 200, linked.text
        assert linked.json()["recording"] == {
            "key": world["key"],
            "clip": 1,
            "clips": 1,
            "clip_ids": [recording[1]],
            "total_seconds": 90.0,
        }
        assert client.get(f"/api/v1/evidence/{recording[0]}").status_code == 404
        page = client.get(f"/evidence/{recording[1]}")
        assert "of this recording" not in page.text and recording[0] not in page.text
