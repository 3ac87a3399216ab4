"""The supervisors' weekly review sample: drawn once with a recorded seed (the same seed over the
same recordings draws it again), reviewed item by item (checklist and outcome, audited), its
completion per team; supervisors only, and only their own team's sample."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from openbwv.audit.models import AuditEvent
from openbwv.db.session import unit_of_work
from openbwv.incidents.compliance import queries
from openbwv.incidents.compliance.sampling import draw
from tests.incidents.helpers import team_officers
from tests.support import factories
from tests.support.stack import Stack

WEEK = "2027-05-03"  # a Monday no other test records in


def _client(live_server: str, stack: Stack, user: Any) -> httpx.Client:
    token = stack.user_token(user)
    return httpx.Client(base_url=live_server, headers={"Authorization": f"Bearer {token}"})


def test_draw_review_and_completion(stack: Stack, live_server: str) -> None:
    team, (officer, colleague) = team_officers(2)
    monday = datetime(2027, 5, 3, 8, tzinfo=UTC)
    made = [
        factories.item(person, occurred=monday + timedelta(hours=7 * n), duration=60)
        for n in range(4)
        for person in (officer, colleague)
    ]
    factories.item(officer, occurred=monday + timedelta(days=8), duration=60)  # next week
    supervisor = stack.user("supervisor", borough="E09000033", team=team)
    with _client(live_server, stack, supervisor) as api:
        sample = api.post("/api/v1/compliance/reviews/sample", json={"week": WEEK}).json()
        assert sample["week"] == WEEK and sample["population"] == 8 and len(sample["items"]) == 5
        assert set(sample["items"]) <= {str(i) for i in made}
        again = api.post("/api/v1/compliance/reviews/sample", json={"week": WEEK}).json()
        assert again == sample
        with unit_of_work() as session:
            population = queries.team_recordings(session, officer.team_id, WEEK)
            drawn = session.scalar(
                select(AuditEvent).where(
                    AuditEvent.action == "compliance.sample", AuditEvent.target_id == sample["id"]
                )
            )
            assert drawn is not None and drawn.details["seed"] == str(sample["seed"])
        assert [str(i) for i in draw(sample["seed"], population)] == sample["items"]

        first = sample["items"][0]
        answer = {
            "checklist": {"started_in_time": True, "conduct": True},
            "outcome": "satisfactory",
        }
        url = f"/api/v1/compliance/reviews/{sample['id']}/{first}"
        assert api.post(url, json=answer).status_code == 204
        unsampled = next(i for i in made if str(i) not in sample["items"])
        outside = f"/api/v1/compliance/reviews/{sample['id']}/{unsampled}"
        assert api.post(outside, json=answer).status_code in (404, 422)
        assert api.post(url, json={**answer, "outcome": "shrug"}).status_code == 422
        mine = [c for c in api.get("/api/v1/compliance/reviews").json() if c["week"] == WEEK]
        assert [(c["sampled"], c["reviewed"], c["rate"]) for c in mine] == [(5, 1, 0.2)]

        page = api.get("/compliance/reviews", params={"week": WEEK})
        assert str(sample["seed"]) in page.text and f'id="review-{first}"' in page.text
        second = sample["items"][1]
        posted = api.post(
            f"/compliance/reviews/{sample['id']}/{second}",
            data={"started_in_time": "yes", "outcome": "advice_given", "notes": "Late"},
        )
        assert posted.status_code == 303
    with unit_of_work() as session:
        found = queries.sample_by_id(session, uuid.UUID(sample["id"]))
        assert found is not None
        results = queries.results(session, found)
        assert results[uuid.UUID(second)].checklist["started_in_time"] is True
        assert results[uuid.UUID(second)].outcome == "advice_given"

    with _client(live_server, stack, officer) as api:  # officers do not review
        assert api.post("/api/v1/compliance/reviews/sample", json={}).status_code == 403
    other = stack.user("supervisor", borough="E09000033", team=factories.unique("Other "))
    with _client(live_server, stack, other) as api:  # nor other teams' supervisors
        assert api.post(url, json=answer).status_code == 404
