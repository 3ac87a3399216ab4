"""Subject access requests over HTTP: a request from receipt to a released package and its
close (the clock, the footage found by time, place, officer and CAD incident, the holds, a
restriction, the package), bad input as problem details, and only `sar.handle` may."""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from openbwv.cases.models import Case
from openbwv.db.session import unit_of_work
from openbwv.subject_access import deadline, queries
from openbwv.subject_access.release.service import RELEASE_COPIES
from tests.subject_access.helpers import (
    ELSEWHERE,
    HERE,
    client_for,
    filmed,
    hours_ago,
    redacted,
)
from tests.support import factories
from tests.support.stack import Stack

API = "/api/v1/subject-access"


@pytest.fixture(scope="module")
def handler(stack: Stack) -> Any:
    return stack.user("information_rights", borough="E09000033")


@pytest.fixture
def sar(live_server: str, stack: Stack, handler: Any) -> httpx.Client:
    with client_for(live_server, stack, handler) as client:
        yield client  # type: ignore[misc]


def _open(sar: httpx.Client, days_ago: int = 3) -> dict[str, Any]:
    received = queries.today() - timedelta(days=days_ago)
    made = sar.post(
        API,
        json={
            "requester_name": "Alex Example",
            "requester_contact": "alex@example.org",
            "requester_description": "Red coat, outside the station, stopped and searched",
            "received_on": received.isoformat(),
        },
    )
    assert made.status_code == 201, made.text
    return made.json()


def _expected_due(received: str, **kwargs: Any) -> str:
    clock = deadline.clock(
        deadline.date.fromisoformat(received), queries.today(), rules=queries.rules(), **kwargs
    )
    return clock.due.isoformat()


def _retention(client: httpx.Client, item: uuid.UUID) -> dict[str, Any]:
    found = client.get(f"/api/v1/evidence/{item}/retention")
    assert found.status_code == 200, found.text
    body: dict[str, Any] = found.json()
    return body


def test_a_request_from_receipt_to_a_released_package_and_its_close(
    sar: httpx.Client, stack: Stack, clip: Path
) -> None:
    officer = stack.user("officer", borough="E09000033")
    seen = filmed(officer, hours_ago(30), HERE, title="Stop and search", content=clip.read_bytes())
    other_place = filmed(officer, hours_ago(30), ELSEWHERE)
    other_time = filmed(officer, hours_ago(300), HERE)
    at_incident = filmed(officer, hours_ago(200), ELSEWHERE, title="Incident clip")
    cad = f"CAD {uuid.uuid4().int % 10000:04d} 03DEC"
    case = factories.case(officer, [], [at_incident])
    with unit_of_work() as session:
        found_case = session.get(Case, case)
        assert found_case is not None
        found_case.cad_number = cad

    opened = _open(sar)
    reference = opened["reference"]
    assert reference.startswith(f"SAR-{opened['clock']['received_on'][:4]}-")
    assert opened["clock"]["due_on"] == _expected_due(opened["clock"]["received_on"])
    assert opened["clock"]["days_left"] > 0 and not opened["clock"]["overdue"]
    assert opened["case_reference"] == reference

    # Found by a time window and a radius: the clip there and then, not the others.
    start = (hours_ago(31) + timedelta(hours=0)).astimezone(queries.LONDON)
    window = {
        "start": start.strftime("%Y-%m-%dT%H:%M"),
        "end": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
    }
    near = sar.post(
        f"{API}/{reference}/find",
        json={**window, "lat": str(HERE[0]), "lon": str(HERE[1]), "radius": "200"},
    )
    assert near.status_code == 200, near.text
    assert [f["evidence_id"] for f in near.json()] == [str(seen)]
    by_officer = sar.post(f"{API}/{reference}/find", json={"officer": officer.username}).json()
    assert {f["evidence_id"] for f in by_officer} == {
        str(i) for i in (seen, other_place, other_time, at_incident)
    }
    by_cad = sar.post(f"{API}/{reference}/find", json={"cad": cad.lower()}).json()
    assert [f["evidence_id"] for f in by_cad] == [str(at_incident)]

    added = sar.post(
        f"{API}/{reference}/items",
        json={"evidence_ids": [str(seen), str(at_incident)], "found_by": {"cad": cad}},
    )
    assert added.status_code == 200, added.text
    assert [(i["held"], i["restriction"]) for i in added.json()["item_list"]] == [
        (True, "none"),
        (True, "none"),
    ]
    assert added.json()["item_list"][0]["redaction_url"] == f"/evidence/{seen}/redactions"
    held = _retention(sar, seen)
    assert held["state"] == "held" and any(reference in r for r in held["reasons"])
    again = sar.post(f"{API}/{reference}/find", json={"cad": cad}).json()
    assert again[0]["on_request"] is True

    restricted = sar.put(
        f"{API}/{reference}/items/{at_incident}/restriction",
        json={"restriction": "withheld", "reason": "crime", "note": "Investigation ongoing"},
    )
    assert restricted.status_code == 200, restricted.text

    # The clock: paused for a day awaiting clarification, then extended by a month.
    today = queries.today()
    paused = sar.post(
        f"{API}/{reference}/pause",
        json={"start_on": (today - timedelta(days=2)).isoformat(), "reason": "Which day?"},
    )
    assert paused.status_code == 200, paused.text
    assert paused.json()["clock"]["paused"] is True
    resumed = sar.post(
        f"{API}/{reference}/resume", json={"end_on": (today - timedelta(days=1)).isoformat()}
    ).json()
    assert resumed["clock"]["paused_days"] == 1 and not resumed["clock"]["paused"]
    pause = deadline.Pause(today - timedelta(days=2), today - timedelta(days=1))
    received = resumed["clock"]["received_on"]
    assert resumed["clock"]["due_on"] == _expected_due(received, pauses=[pause])
    extended = sar.post(
        f"{API}/{reference}/extension",
        json={"months": 1, "notice_on": today.isoformat(), "reason": "Many hours of footage"},
    ).json()
    assert extended["clock"]["extension_months"] == 1
    assert extended["clock"]["due_on"] == _expected_due(
        received, pauses=[pause], extension_months=1
    )
    identity = sar.post(f"{API}/{reference}/identity", json={"method": "Passport seen"}).json()
    assert identity["identity_method"] == "Passport seen" and identity["identity_checked_by"]

    # Nothing leaves unredacted: until its copy is rendered, the item cannot be released.
    unredacted = sar.post(f"{API}/{reference}/release", json={"method": "Encrypted USB by post"})
    assert unredacted.status_code == 409, unredacted.text
    assert "has a redacted copy" in unredacted.json()["detail"]
    redacted(stack, seen)

    # The release: a package of what is not withheld, its hash recorded once streamed.
    released = sar.post(f"{API}/{reference}/release", json={"method": "Encrypted USB by post"})
    assert released.status_code == 200, released.text
    assert released.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(released.content))
    manifest = json.loads(archive.read("manifest.json"))
    assert [i["evidence_id"] for i in manifest["items"]] == [str(seen)]
    assert any(name.endswith("redaction-log.json") for name in archive.namelist())
    assert manifest["case"]["crime_reference"] == reference
    detail = sar.get(f"{API}/{reference}").json()
    (release,) = detail["releases"]
    assert release["package_id"] == released.headers["x-package-id"]
    assert release["copies"] == RELEASE_COPIES and release["method"] == "Encrypted USB by post"
    assert release["sha256"] == hashlib.sha256(released.content).hexdigest()
    # Linked to the request's case only while the package was gathered: no case keeps it.
    assert not any("Linked to case" in r for r in _retention(sar, seen)["reasons"])

    closed = sar.post(f"{API}/{reference}/close", json={"outcome": "released_in_part"})
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    assert [i["held"] for i in closed.json()["item_list"]] == [False, False]
    assert _retention(sar, seen)["state"] == "kept"  # back to its own rules
    late = sar.post(f"{API}/{reference}/items", json={"evidence_ids": [str(other_place)]})
    assert late.status_code == 409
    assert late.headers["content-type"].startswith("application/problem+json")
    listed = sar.get(API, params={"status": "closed"}).json()
    assert reference in {r["reference"] for r in listed}
    assert reference not in {r["reference"] for r in sar.get(API).json()}

    report = sar.get(f"{API}/report").json()
    month = report["months"][-1]
    assert month["closed"] >= 1 and month["within_deadline"] >= 1
    csv = sar.get(f"{API}/report.csv")
    assert csv.status_code == 200 and csv.text.startswith("month,closed,median_days")


def _problem(response: httpx.Response, status: int, words: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert words in json.dumps(body), body
    return body


def test_bad_input_is_answered_with_problem_details(sar: httpx.Client, stack: Stack) -> None:
    tomorrow = (queries.today() + timedelta(days=1)).isoformat()
    future = {"requester_name": "A", "requester_contact": "B", "received_on": tomorrow}
    _problem(sar.post(API, json=future), 422, "in the future")
    _problem(sar.post(API, json={"requester_name": "A"}), 422, "received_on")
    _problem(sar.get(f"{API}/SAR-1999-9999"), 404, "no subject access request")
    reference = _open(sar, days_ago=40)["reference"]
    late = {"months": 1, "notice_on": queries.today().isoformat(), "reason": "Many clips"}
    _problem(sar.post(f"{API}/{reference}/extension", json=late), 422, "within the first month")
    _problem(sar.post(f"{API}/{reference}/find", json={}), 422, "say when, where")
    bad_radius = {"lat": "51.5", "lon": "-0.1", "radius": "90000"}
    body = _problem(sar.post(f"{API}/{reference}/find", json=bad_radius), 422, "radius")
    assert "radius" in body["errors"]
    _problem(sar.post(f"{API}/{reference}/find", json={"cad": "NO SUCH 1"}), 422, "CAD number")
    item = factories.item(stack.user("officer", borough="E09000033"))
    sar.post(f"{API}/{reference}/items", json={"evidence_ids": [str(item)]})
    no_reason = {"restriction": "partial"}
    _problem(sar.put(f"{API}/{reference}/items/{item}/restriction", json=no_reason), 422, "s.45(4)")
    stranger = uuid.uuid4()
    _problem(
        sar.put(f"{API}/{reference}/items/{stranger}/restriction", json={"restriction": "none"}),
        404,
        "not an item of",
    )
    _problem(sar.post(f"{API}/{reference}/close", json={"outcome": "refused"}), 422, "exemption")
    start = {"start_on": queries.today().isoformat(), "reason": "Which clothes?"}
    assert sar.post(f"{API}/{reference}/pause", json=start).status_code == 200
    _problem(sar.post(f"{API}/{reference}/pause", json=start), 422, "already paused")
    closing = {"outcome": "withdrawn"}
    _problem(sar.post(f"{API}/{reference}/close", json=closing), 422, "resume it")
    _problem(sar.get(f"{API}/report", params={"start": "2026-13"}), 422, "start")


@pytest.mark.parametrize("role", ["officer", "supervisor", "professional_standards", "auditor"])
def test_only_sar_handle_may(role: str, live_server: str, stack: Stack, sar: httpx.Client) -> None:
    reference = _open(sar)["reference"]
    other = stack.user(role, borough="E09000033", team=factories.unique("SAR team"))
    with client_for(live_server, stack, other) as client:
        for method, path, body in (
            ("GET", API, None),
            ("POST", API, {}),
            ("GET", f"{API}/{reference}", None),
            ("POST", f"{API}/{reference}/find", {"officer": "x"}),
            ("POST", f"{API}/{reference}/close", {"outcome": "withdrawn"}),
            ("GET", f"{API}/report.csv", None),
        ):
            answer = client.request(method, path, json=body)
            assert answer.status_code == 403, (method, path, answer.text)
            assert answer.headers["content-type"].startswith("application/problem+json")
    assert sar.get(f"{API}/{reference}").json()["status"] == "open"  # nothing changed


def test_requests_opened_at_once_get_distinct_references(sar: httpx.Client) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        made = list(pool.map(lambda _: _open(sar, days_ago=1)["reference"], range(6)))
    assert len(set(made)) == 6
