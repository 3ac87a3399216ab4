"""Complaints over HTTP: recording one, finding its footage (the named officer's recordings in
the window, the borough's, the incident's by CAD number — and nothing else), holding it all in
one step (retention holds of type complaint, the items held at once), linking footage, the
outcome, and who may do each."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import httpx

from openbwv.timeutil import isoformat_z
from tests.retention.helpers import now
from tests.support import factories
from tests.support.stack import Stack

BOROUGH = "E09000019"  # Islington: no other test files complaints there


def _client(live_server: str, stack: Stack, user: object) -> httpx.Client:
    token = stack.user_token(user)
    return httpx.Client(
        base_url=live_server, headers={"Authorization": f"Bearer {token}"}, timeout=60
    )


def _complaint(api: httpx.Client, **extra: object) -> dict:  # type: ignore[type-arg]
    body = {
        "reference": f"CO/2026/{uuid.uuid4().hex[:8]}",
        "received_on": now().date().isoformat(),
        "allegations": ["use_of_force", "oppressive_behaviour"],
        **extra,
    }
    answer = api.post("/api/v1/complaints", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_footage_is_found_held_in_one_step_and_linked(api: httpx.Client) -> None:
    officer = factories.officer(borough=BOROUGH, team="Islington Response A")
    colleague = factories.officer(borough=BOROUGH, team="Islington Response B")
    elsewhere = factories.officer(borough="E09000020", team="Kensington Response A")
    at = now() - timedelta(days=2)
    mine = [factories.item(officer, occurred=at + timedelta(minutes=m)) for m in (-20, 5, 40)]
    too_early = factories.item(officer, occurred=at - timedelta(hours=3))
    theirs = factories.item(colleague, occurred=at + timedelta(minutes=10))
    far = factories.item(elsewhere, occurred=at + timedelta(minutes=10))
    cad = f"CAD {uuid.uuid4().hex[:4].upper()} 01DEC"
    filmed = factories.item(elsewhere, occurred=at - timedelta(days=1))
    case = api.post(
        "/api/v1/cases",
        json={"crime_reference": f"01/{uuid.uuid4().hex[:6]}/26", "title": "x", "cad_number": cad},
    ).json()
    assert (
        api.post(f"/api/v1/cases/{case['id']}/items", json={"evidence_id": str(filmed)}).status_code
        == 204
    )

    started = time.monotonic()
    complaint = _complaint(
        api,
        officers=[officer.warrant_number],
        borough=BOROUGH,
        incident_number=cad,
        **{"from": isoformat_z(at), "to": isoformat_z(at + timedelta(minutes=15))},
    )
    assert complaint["officers"][0]["user_id"] == str(officer.id)
    assert complaint["officers"][0]["team_id"] == str(officer.team_id)
    found = api.get(f"/api/v1/complaints/{complaint['id']}/footage").json()
    by = {item["id"]: item["found_by"] for item in found["items"]}
    assert set(by) == {*map(str, mine), str(theirs), str(filmed)}
    assert str(too_early) not in by and str(far) not in by
    assert by[str(mine[1])] == [f"officer {officer.warrant_number}", f"area {BOROUGH}"]
    assert by[str(theirs)] == [f"area {BOROUGH}"]
    assert by[str(filmed)] == [f"incident {cad}"]

    held = api.post(f"/api/v1/complaints/{complaint['id']}/hold", json={})
    assert held.status_code == 200, held.text
    assert len(held.json()["holds"]) == 2  # the items found; the officer in the window
    assert time.monotonic() - started < 60  # found and held in under a minute
    for item in (*mine, theirs, filmed):
        state = api.get(f"/api/v1/evidence/{item}/retention").json()
        assert state["state"] == "held", state
        assert complaint["reference"] in state["reasons"][0]
    holds = {h["id"]: h for h in api.get("/api/v1/retention/holds").json()}
    scopes = sorted(holds[h]["scope"] for h in held.json()["holds"])
    assert scopes == ["items", "officer"]
    officer_hold = next(holds[h] for h in held.json()["holds"] if holds[h]["scope"] == "officer")
    assert officer_hold["officer"] == officer.warrant_number and officer_hold["type"] == "complaint"
    assert api.get(f"/api/v1/evidence/{too_early}/retention").json()["state"] != "held"

    linked = api.post(
        f"/api/v1/complaints/{complaint['id']}/items", json={"items": [str(mine[1]), str(mine[1])]}
    )
    assert linked.json() == {"linked": 1}
    again = api.post(f"/api/v1/complaints/{complaint['id']}/items", json={"items": [str(mine[1])]})
    assert again.json() == {"linked": 0}
    read = api.get(f"/api/v1/complaints/{complaint['id']}").json()
    assert read["items"] == [str(mine[1])] and len(read["hold_ids"]) == 2
    outcome = api.put(
        f"/api/v1/complaints/{complaint['id']}/outcome", json={"outcome": "service_not_acceptable"}
    )
    assert outcome.json()["outcome"] == "service_not_acceptable" and outcome.json()["outcome_on"]


def test_a_complaint_needs_its_facts(api: httpx.Client) -> None:
    base = {"reference": f"CO/{uuid.uuid4().hex[:8]}", "received_on": now().date().isoformat()}
    unknown = api.post(
        "/api/v1/complaints", json={**base, "allegations": ["rudeness"], "borough": BOROUGH}
    )
    assert unknown.status_code == 422 and "allegation" in unknown.json()["detail"]
    nothing = api.post("/api/v1/complaints", json={**base, "allegations": ["other"]})
    assert nothing.status_code == 422 and "officers" in nothing.json()["detail"]
    made = _complaint(api, borough=BOROUGH, **{"from": isoformat_z(now() - timedelta(days=1))})
    twice = api.post(
        "/api/v1/complaints",
        json={
            "reference": made["reference"],
            "received_on": base["received_on"],
            "allegations": ["other"],
            "borough": BOROUGH,
        },
    )
    assert twice.status_code == 409
    assert api.get(f"/api/v1/complaints/{uuid.uuid4()}").status_code == 404


def test_only_professional_standards_handle_complaints(
    api: httpx.Client, live_server: str, stack: Stack
) -> None:
    made = _complaint(api, borough=BOROUGH, **{"from": isoformat_z(now() - timedelta(days=1))})
    officer = stack.user("officer", borough=BOROUGH)
    auditor = stack.user("auditor")
    with _client(live_server, stack, officer) as client:
        assert client.get("/api/v1/complaints").status_code == 403
        assert client.get(f"/api/v1/complaints/{made['id']}/footage").status_code == 403
        assert client.post(f"/api/v1/complaints/{made['id']}/hold", json={}).status_code == 403
    with _client(live_server, stack, auditor) as client:
        assert client.get(f"/api/v1/complaints/{made['id']}").status_code == 200
        assert client.post(f"/api/v1/complaints/{made['id']}/hold", json={}).status_code == 403
