"""Search results and counts are exactly what the access policy lets each role see: the
search's per-branch plan (evidence.reach) held to the policy for every role and every relation
of an item to the searcher (own, team, borough, other borough, restricted, linked to a case)."""

from __future__ import annotations

import re
import uuid

import httpx

from tests.access.test_matrix import VISIBLE
from tests.access.world import RELATIONS, build_subjects
from tests.support.stack import Stack


def test_search_finds_exactly_what_each_role_may_see(stack: Stack, live_server: str) -> None:
    from openbwv.db.session import unit_of_work
    from openbwv.evidence.models import EvidenceItem

    subjects = build_subjects(stack)
    tag = f"reach{uuid.uuid4().hex[:8]}"
    titles = {}
    with unit_of_work() as session:
        for role, subject in subjects.items():
            for relation, item_id in subject.items.items():
                item = session.get(EvidenceItem, item_id)
                assert item is not None
                item.title = titles[item_id] = f"{tag} {role} {relation}"
    failures = []
    for role, subject in subjects.items():
        headers = {"Authorization": f"Bearer {subject.token}"}
        with httpx.Client(base_url=live_server, headers=headers, timeout=30) as client:
            response = client.get("/search", params={"text": f"{tag} {role} ", "view": "table"})
            assert response.status_code == 200, (role, response.text[:300])
            shown = set(re.findall(rf"{tag} {role} (\w+)</a>", response.text))
            expected = {r for r in RELATIONS if r in VISIBLE[role]}
            count = re.search(r"(\d+) items?\b", response.text)
            counted = int(count.group(1)) if count else 0
            if shown != expected or counted != len(expected):
                failures.append((role, sorted(shown), sorted(expected), counted))
    assert failures == []
