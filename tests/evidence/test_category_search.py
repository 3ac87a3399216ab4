"""A category search is reached through the category's own rows, which carry copies of the
item's borough and time kept by the database's triggers (migration 0021): the copies follow
every change of the item, and the search finds exactly the items of the category, newest
first, each once, within a window and on pages past the count's cap."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select, update

from openbwv.db.session import unit_of_work
from openbwv.evidence.models import EvidenceCategory, EvidenceItem
from tests.support.evidence import search_pages
from tests.support.stack import Stack
from tests.web.evidence_world import HOME, make_item, person

ELSEWHERE = "E09000001"  # the City of London: not the test force's home borough


def _copies(item_id: str) -> set[tuple[str, str | None, datetime | None]]:
    with unit_of_work() as session:
        rows = session.execute(
            select(
                EvidenceCategory.category, EvidenceCategory.borough, EvidenceCategory.occurred_at
            ).where(EvidenceCategory.evidence_id == uuid.UUID(item_id))
        ).all()
    return {(category, borough, occurred) for category, borough, occurred in rows}


def test_the_category_rows_follow_the_items_borough_and_time(stack: Stack) -> None:
    officer = person(stack, "officer").user
    when = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    item = make_item(officer, when, categories=("arrest", "use_of_force"))
    assert _copies(item) == {("arrest", HOME, when), ("use_of_force", HOME, when)}

    later = when + timedelta(hours=5)  # as when a probe finds the recording's own start
    with unit_of_work() as session:
        session.execute(
            update(EvidenceItem)
            .where(EvidenceItem.id == uuid.UUID(item))
            .values(occurred_at=later, borough=ELSEWHERE)
        )
    assert _copies(item) == {("arrest", ELSEWHERE, later), ("use_of_force", ELSEWHERE, later)}

    with unit_of_work() as session:  # a category added afterwards takes the item's values too
        session.add(EvidenceCategory(evidence_id=uuid.UUID(item), category="stop_and_search"))
    assert ("stop_and_search", ELSEWHERE, later) in _copies(item)


def _listed(pages: list[dict[str, object]]) -> list[str]:
    return [item["id"] for page in pages for item in page["items"]]  # type: ignore[attr-defined]


def test_a_category_search_finds_exactly_its_items_newest_first_past_the_cap(
    live_server: str, stack: Stack
) -> None:
    officer = person(stack, "officer").user
    searcher = person(stack, "investigator").user  # the home borough's: the borough branch
    camera = f"CAT-{uuid.uuid4().hex[:6]}"
    start = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
    arrests: list[tuple[int, str]] = []  # (minute after start, id)
    others = []
    for minute in range(230):
        at = start + timedelta(minutes=minute)
        if minute % 9 == 4:  # interleaved: another category, or none
            kinds: tuple[str, ...] = ("use_of_force",) if minute % 2 else ()
            others.append(make_item(officer, at, camera=camera, categories=kinds))
        else:
            arrests.append((minute, make_item(officer, at, camera=camera, categories=("arrest",))))
    tied = {make_item(officer, start, camera=camera, categories=("arrest",)) for _ in range(2)}
    headers = {"Authorization": f"Bearer {stack.user_token(searcher)}"}
    with httpx.Client(base_url=live_server, headers=headers, timeout=60) as client:
        pages = search_pages(client, {"category": "arrest", "camera": camera}, 100)
        listed = _listed(pages)
        assert [len(p["items"]) for p in pages] == [100, 100, len(arrests) + 2 - 200]
        newest_first = [item for _, item in reversed(arrests)]
        assert listed[:-3] == newest_first[:-1]  # each once, newest first, across the cap
        assert set(listed[-3:]) == {newest_first[-1], *tied}  # the start's three, by id

        window = {"start": "2026-04-01T10:00", "end": "2026-04-01T11:00"}  # London (BST)
        hour = [item for minute, item in reversed(arrests) if 60 <= minute < 120]
        within = search_pages(client, {"category": "arrest", "camera": camera, **window}, 25)
        assert _listed(within) == hour and len(within) == 3
        assert not set(_listed(within)) & set(others)
