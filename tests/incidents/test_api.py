"""The incident over HTTP: `GET /api/v1/incidents/{number}` as the contract gives it, each
officer's recordings only as far as the caller may see them; a case from an incident in one
call; the queue placed by the officer (a confirmed link the matcher then leaves alone)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from openbwv.incidents.models import LinkState
from tests.incidents.helpers import (
    FAR,
    HERE,
    apply,
    at,
    link,
    number,
    recording,
    row,
    team_officers,
)
from tests.support.stack import Stack


def _client(live_server: str, stack: Stack, user: Any) -> httpx.Client:
    token = stack.user_token(user)
    return httpx.Client(base_url=live_server, headers={"Authorization": f"Bearer {token}"})


def test_the_incident_as_the_contract_gives_it(stack: Stack, live_server: str) -> None:
    team, (officer, colleague) = team_officers(2)
    incident = number()
    clip = recording(officer, at(5, day=20), 10, where=HERE)
    apply(
        [
            row(incident, officer, at(0, day=20), at(5, day=20), at(25, day=20), kind="domestic"),
            row(incident, colleague, at(0, day=20), at(6, day=20), at(25, day=20), kind="domestic"),
        ]
    )
    supervisor = stack.user("supervisor", borough="E09000033", team=team)
    with _client(live_server, stack, supervisor) as api:
        body = api.get(f"/api/v1/incidents/{incident.lower()}").json()
        assert body["number"] == incident and body["suggested_category"] == "domestic_abuse"
        officers = {o["warrant"]: o for o in body["officers"]}
        assert officers[officer.warrant_number] | {"name": "", "dispatched_at": ""} == {
            "warrant": officer.warrant_number,
            "name": "",
            "dispatched_at": "",
            "arrived_at": "2026-11-22T09:05:00Z",
            "cleared_at": "2026-11-22T09:25:00Z",
            "recordings": [str(clip)],
            "recorded": True,
            "late_start_s": 0,
            "early_stop_s": 600,
            "coverage": 0.5,
        }
        assert officers[colleague.warrant_number]["recorded"] is False
        assert officers[colleague.warrant_number]["recordings"] == []

        made = api.post(
            f"/api/v1/incidents/{incident}/case",
            json={"crime_reference": f"01/{uuid.uuid4().hex[:6]}/26"},
        )
        assert made.status_code == 201, made.text
        assert made.json()["linked"] == 1
        items = api.get(f"/api/v1/cases/{made.json()['case_id']}/items").json()["items"]
        assert items == [str(clip)]
        again = api.post(f"/api/v1/incidents/{incident}/case", json={"crime_reference": "02/X/26"})
        assert again.status_code == 422 and "already has a case" in again.json()["detail"]

    # The colleague sees the incident (they attended) but not the officer's recording.
    with _client(live_server, stack, colleague) as api:
        body = api.get(f"/api/v1/incidents/{incident}").json()
        assert [o["warrant"] for o in body["officers"]] == [colleague.warrant_number]
    _, (outsider,) = team_officers(1, borough="E09000007")
    with _client(live_server, stack, outsider) as api:
        assert api.get(f"/api/v1/incidents/{incident}").status_code == 404


def test_the_queue_is_placed_by_the_officer(stack: Stack, live_server: str) -> None:
    _, (officer,) = team_officers()
    near, far = number(), number()
    clip = recording(officer, at(6, day=21), 20)  # no GPS: ambiguous between the two
    rows = [
        row(near, officer, at(0, day=21), at(5, day=21), at(30, day=21), where=HERE),
        row(far, officer, at(0, day=21), at(5, day=21), at(30, day=21), where=FAR),
    ]
    apply(rows)
    with _client(live_server, stack, officer) as api:
        queue = api.get("/api/v1/incidents/queue").json()["items"]
        mine = [entry for entry in queue if entry["evidence_id"] == str(clip)]
        assert (
            mine and mine[0]["reason"] == "ambiguous" and set(mine[0]["incidents"]) == {near, far}
        )
        placed = api.post(f"/api/v1/incidents/queue/{clip}", json={"incident_number": near})
        assert placed.status_code == 204, placed.text
        assert link(clip) == (near, 1.0, LinkState.CONFIRMED)
        apply([{**rows[1], "cleared_at": rows[1]["cleared_at"].replace("09:30", "09:31")}])
        assert link(clip) == (near, 1.0, LinkState.CONFIRMED)  # a person's choice stays
        queue = api.get("/api/v1/incidents/queue").json()["items"]
        assert str(clip) not in [entry["evidence_id"] for entry in queue]
