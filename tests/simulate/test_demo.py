"""`bwv demo`: a force mid-roll-out, people who can sign in, and footage that came in through
the simulator — what `make run` shows."""

from __future__ import annotations

import itertools
import re

import httpx
from sqlalchemy import select

from openbwv.cases.models import Case, CaseItem
from openbwv.db.session import unit_of_work
from openbwv.evidence.models import EvidenceItem
from openbwv.fleet.rollout import queries as rollout_queries
from openbwv.simulate.demo import DEMO_CAMERA, DEMO_PASSWORD, DEMO_USERS, DEMO_WARRANT, load_demo
from tests.support.stack import Stack

IN_PROGRESS = {"on_track", "behind", "stalled"}


def test_the_demo_shows_a_force_mid_roll_out_with_people_and_footage(
    stack: Stack, live_server: str
) -> None:
    result = load_demo(clips=5, if_empty=False, settings=stack.settings())
    assert "Demo loaded: 5 clips" in result, result
    assert DEMO_PASSWORD in result and all(u.username in result for u in DEMO_USERS)
    assert "Subject access request SAR-" in result and "clips held" in result
    # SIMULATED data, or already loaded when another test of the session loaded it first.
    assert "Roll-out evaluation" in result and "/evaluation" in result, result

    with unit_of_work() as session:
        report = rollout_queries.progress(session)
        statuses = {b.name: b.projection.status for b in report.boroughs}
        footage = list(
            session.scalars(select(EvidenceItem).where(EvidenceItem.camera_serial == DEMO_CAMERA))
        )
    assert statuses["Camden"] == "complete"
    assert statuses["Lambeth"] in IN_PROGRESS
    assert statuses["Croydon"] == "not_started"
    # The demo officer's own camera recorded during their shifts and uploaded at the dock.
    assert footage and {item.officer for item in footage} == {DEMO_WARRANT}
    assert {item.source for item in footage} == {"axis"}

    for person in DEMO_USERS:
        with httpx.Client(base_url=live_server) as client:
            signed_in = client.post(
                "/api/v1/auth/login",
                json={"username": person.username, "password": DEMO_PASSWORD},
            )
            assert signed_in.status_code == 200, (person.username, signed_in.text)
            assert signed_in.json()["roles"] == [person.role]
            if person.username == "officer.demo":  # sees their footage, and only theirs
                mine = client.get("/api/v1/evidence", params={"limit": 500}).json()["items"]
                assert mine and {i["officer"] for i in mine} == {DEMO_WARRANT}

    # A ready-made case: an incident the demo officer recorded with two to three team-mates.
    named = re.search(r"Demo case (DEMO/MULTI/\d+): Incident attended by (\d) officers", result)
    assert named, result
    with unit_of_work() as session:
        case = session.scalars(select(Case).where(Case.crime_reference == named[1])).one()
        linked = list(
            session.scalars(
                select(EvidenceItem)
                .join(CaseItem, CaseItem.evidence_id == EvidenceItem.id)
                .where(CaseItem.case_id == case.id)
            )
        )
    officers = {item.officer for item in linked}
    assert 2 <= len(officers) <= 4 and DEMO_WARRANT in officers
    assert len(officers) == int(named[2]) and "synchronised timeline" in case.title
    assert len({item.camera_serial for item in linked}) == len(officers)
    spans = {
        officer: [(i.recorded_start, i.recorded_end) for i in linked if i.officer == officer]
        for officer in officers
    }
    for a, b in itertools.combinations(officers, 2):  # every two officers' recordings overlap
        assert any(s1 < e2 and s2 < e1 for s1, e1 in spans[a] for s2, e2 in spans[b]), (a, b)
    with httpx.Client(base_url=live_server) as client:
        client.post(
            "/api/v1/auth/login", json={"username": "investigator.demo", "password": DEMO_PASSWORD}
        )
        timeline = client.get(f"/cases/{case.id}/timeline")
        assert timeline.status_code == 200
        assert timeline.text.count('class="lane-label"') == len(officers)

    # Retention: the incident's footage held for a complaint; weeks-old clips queued or warned.
    held = re.search(r"Complaint hold (CO/DEMO/\d+) on the (\d+) clips", result)
    assert held and int(held[2]) == len(linked), result
    swept = re.search(r"the sweep evaluated \d+ items, (\d+) in the deletion queue", result)
    assert swept and int(swept[1]) >= 1, result
    with httpx.Client(base_url=live_server) as client:
        client.post(
            "/api/v1/auth/login", json={"username": "standards.demo", "password": DEMO_PASSWORD}
        )
        holds = client.get("/api/v1/retention/holds").json()
        assert any(h["reference"] == held[1] and h["type"] == "complaint" for h in holds)
        assert client.get("/api/v1/retention/queue").json()
        kept = client.get(f"/api/v1/evidence/{linked[0].id}/retention").json()
        assert kept["state"] == "held" and held[1] in kept["reasons"][0]

    # CAD: the incidents recorded together came in as simulated CAD rows and were matched.
    cad = re.search(r"Simulated CAD: (\d+) incidents, (\d+) attending officers", result)
    assert cad and int(cad[1]) >= 1 and int(cad[2]) >= 2, result
    with httpx.Client(base_url=live_server) as client:
        client.post(
            "/api/v1/auth/login", json={"username": "sergeant.demo", "password": DEMO_PASSWORD}
        )
        league = client.get("/api/v1/compliance", params={"by": "officer"}).json()["rows"]
        assert league and sum(row["attended"] for row in league) >= 2
        assert sum(row["recorded"] for row in league) >= 1

    again = load_demo(clips=5, if_empty=True, settings=stack.settings())
    assert again == "Demo data already loaded."
