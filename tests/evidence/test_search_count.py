"""The search's count and pages past the count's cap: one newest-first walk of each branch of
the searcher's reach gives the capped count and the pages within it; pages beyond it are asked
of the database again. Every item comes exactly once, newest first, whichever way it was found."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx

from openbwv.evidence.search.queries import COUNT_CAP
from tests.support.evidence import search_pages
from tests.support.stack import Stack
from tests.web.evidence_world import make_item, person


def test_pages_past_the_count_cap_cover_everything_once(live_server: str, stack: Stack) -> None:
    team = f"T-{uuid.uuid4().hex[:6]}"
    officer = person(stack, "officer", team=team).user
    # A borough investigator of the same team: the items are in two branches of their reach
    # (team and borough), and must still come once each.
    searcher = person(stack, "investigator", team=team).user
    camera, few = f"CNT-{uuid.uuid4().hex[:6]}", f"FEW-{uuid.uuid4().hex[:6]}"
    start = datetime(2026, 2, 1, 8, 0, tzinfo=UTC)
    made = [make_item(officer, start + timedelta(minutes=i), camera=camera) for i in range(205)]
    tied = [make_item(officer, start, camera=few) for _ in range(3)]  # the id breaks the tie
    headers = {"Authorization": f"Bearer {stack.user_token(searcher)}"}
    with httpx.Client(base_url=live_server, headers=headers, timeout=60) as client:
        pages = search_pages(client, {"camera": camera}, 100)
        assert [len(p["items"]) for p in pages] == [100, 100, 5]  # the third beyond the walk
        assert all(p["count_capped"] and p["count"] > COUNT_CAP for p in pages)
        listed = [item["id"] for page in pages for item in page["items"]]
        assert listed == list(reversed(made))  # newest first, each once
        small = search_pages(client, {"camera": few}, 2)
        assert [(p["count"], p["count_capped"]) for p in small] == [(3, False), (3, False)]
        assert sorted(i["id"] for p in small for i in p["items"]) == sorted(tied)
