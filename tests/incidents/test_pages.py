"""The incident and compliance pages over HTTP: each for its roles (403 otherwise), the CAD import
form (bad rows listed by row and column), an incident's officers and timeline with its times
marked, a case in one click, placing a queued recording, and the compliance page's chart,
league table and CSV link."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.incidents.helpers import (
    FAR,
    HERE,
    at,
    csv_bytes,
    link,
    number,
    recording,
    row,
    team_officers,
)
from tests.support.stack import Stack

READERS = {"officer", "supervisor", "investigator", "professional_standards"}
ALLOWED = {
    ("GET", "/incidents"): READERS | {"administrator"},
    ("GET", "/incidents/queue"): READERS,
    ("GET", "/compliance"): READERS,
    ("POST", "/incidents/import"): {"administrator"},
}


def _client(live_server: str, stack: Stack, user: Any) -> httpx.Client:
    token = stack.user_token(user)
    return httpx.Client(
        base_url=live_server, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


def test_each_page_for_its_roles(live_server: str, stack: Stack) -> None:
    failures = []
    for role in ("officer", "supervisor", "fleet_manager", "administrator", "auditor"):
        person = stack.user(role, borough="E09000033")
        with _client(live_server, stack, person) as client:
            for (method, path), allowed in ALLOWED.items():
                files = {"file": ("cad.csv", b"incident_number\n", "text/csv")}
                response = client.request(method, path, files=files if method == "POST" else None)
                refused = response.status_code in (401, 403)
                if refused == (role in allowed):
                    failures.append(f"{role} {method} {path}: {response.status_code}")
    assert failures == []


def test_import_incident_case_and_queue(live_server: str, stack: Stack) -> None:
    team, (officer,) = team_officers()
    incident, near, far = number(), number(), number()
    clip = recording(officer, at(3, day=30), 8, where=HERE)
    unsure = recording(officer, at(62, day=30), 10)
    rows = [
        row(incident, officer, at(0, day=30), at(2, day=30), at(15, day=30)),
        row(near, officer, at(60, day=30), at(61, day=30), at(80, day=30), where=HERE),
        row(far, officer, at(60, day=30), at(61, day=30), at(80, day=30), where=FAR),
    ]
    admin = stack.user("administrator")
    with _client(live_server, stack, admin) as client:
        bad = [*rows, {**rows[0], "officer_warrant": "", "incident_number": number()}]
        refused = client.post("/incidents/import", files={"file": ("cad.csv", csv_bytes(bad))})
        assert refused.status_code == 422
        assert '<td data-label="Row">5</td>' in refused.text and "officer_warrant" in refused.text
        done = client.post("/incidents/import", files={"file": ("cad.csv", csv_bytes(rows))})
        assert done.status_code == 200 and "3 rows applied, 0 rejected" in done.text

    supervisor = stack.user("supervisor", borough="E09000033", team=team)
    with _client(live_server, stack, supervisor) as client:
        page = client.get(f"/incidents/{incident}")
        assert page.status_code == 200
        assert f'href="/evidence/{clip}"' in page.text
        assert "dispatched" in page.text and 'id="incident-marks"' in page.text
        made = client.post(
            f"/incidents/{incident}/case",
            data={"crime_reference": f"01/{uuid.uuid4().hex[:6]}/26"},
        )
        assert made.status_code == 303 and made.headers["location"].startswith("/cases/")
        assert "The case made from this incident" in client.get(f"/incidents/{incident}").text
        taken = client.post(f"/incidents/{near}/case", data={"crime_reference": "x"})
        assert taken.status_code == 422 and "crime reference numbers" in taken.text

        queue = client.get("/incidents/queue")
        assert f'id="queued-{unsure}"' in queue.text
        placed = client.post(f"/incidents/queue/{unsure}", data={"incident": far})
        assert placed.status_code == 303
        assert link(unsure) == (far, 1.0, "confirmed")

        compliance = client.get("/compliance", params={"by": "officer"})
        assert compliance.status_code == 200
        assert 'id="trend"' in compliance.text and 'id="league"' in compliance.text
        assert "format=csv" in compliance.text
