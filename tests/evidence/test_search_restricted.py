"""Searching for a restricted category: without a grant of it a person finds only the items
granted to them one by one (an item grant covers its restrictions); with the category's grant,
every item of it in their reach. The search narrows to the item grants first (at 10 M items the
walk would otherwise test, and reject, every item of the borough)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx

from tests.support.stack import Stack
from tests.web.evidence_world import make_item, person


def _found(live_server: str, stack: Stack, user: object, camera: str) -> set[str]:
    headers = {"Authorization": f"Bearer {stack.user_token(user)}"}
    with httpx.Client(base_url=live_server, headers=headers, timeout=60) as client:
        params = {"camera": camera, "category": "domestic_abuse"}
        response = client.get("/api/v1/search", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == len(body["items"])
    return {item["id"] for item in body["items"]}


def test_a_restricted_category_finds_what_its_grants_allow(live_server: str, stack: Stack) -> None:
    from openbwv.access.admin.service import grant
    from openbwv.access.models import EvidenceGrant, User
    from openbwv.db.session import unit_of_work

    officer = person(stack, "officer").user
    plain, holder = person(stack, "investigator").user, person(stack, "investigator").user
    camera = f"DA-{uuid.uuid4().hex[:6]}"
    when = datetime(2026, 2, 3, 9, 0, tzinfo=UTC)
    hidden, granted = (
        make_item(
            officer, when + timedelta(minutes=i), camera=camera, categories=("domestic_abuse",)
        )
        for i in range(2)
    )
    make_item(officer, when, camera=camera, categories=("arrest",))  # not the category
    with unit_of_work() as session:
        given = {"kind": "grant", "reason": "test", "created_at": when}
        session.add(EvidenceGrant(user_id=plain.id, evidence_id=uuid.UUID(granted), **given))
        holding = session.get(User, holder.id)
        assert holding is not None
        grant(session, holding, "category", "domestic_abuse", reason="test", granted_by=None)
    assert _found(live_server, stack, plain, camera) == {granted}
    assert _found(live_server, stack, holder, camera) == {hidden, granted}
