"""Retention over HTTP and the command line: an item's retention, the tombstone and its 410s,
the case stage that drives it, holds (API and `bwv hold`), `bwv retention run`, the warnings
feed and the lines on the evidence page and My footage."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from sqlalchemy import select
from typer.testing import CliRunner

from openbwv.composition import cli
from openbwv.db.session import unit_of_work
from openbwv.retention.evaluation import day
from openbwv.retention.models import Notice
from openbwv.timeutil import isoformat_z
from tests.retention.helpers import now, old_item, status_of, sweep
from tests.support import factories
from tests.support.stack import Stack


def _client(live_server: str, stack: Stack, user: object) -> httpx.Client:
    token = stack.user_token(user)
    return httpx.Client(base_url=live_server, headers={"Authorization": f"Bearer {token}"})


def test_retention_answer_tombstone_and_gone_bytes(
    api: httpx.Client, reviewer: object, stack: Stack
) -> None:
    fresh = old_item(reviewer, 1)
    body = api.get(f"/api/v1/evidence/{fresh}/retention").json()
    assert body["state"] == "kept"
    assert body["reasons"] == ["Non-evidential, 31 days from recording"]
    page = api.get(f"/evidence/{fresh}")
    expected = f"Kept until {day(now() - timedelta(days=1) + timedelta(days=31))}"
    assert expected in page.text and 'id="retention"' in page.text

    item = old_item(reviewer, 40)
    due = api.get(f"/api/v1/evidence/{item}/retention").json()
    assert due["state"] == "queued" and due["until"].endswith("Z")
    sweep(now(), item)
    sweep(now() + timedelta(days=8), item)
    assert status_of(item) == "disposed"
    tombstone = api.get(f"/api/v1/evidence/{item}").json()
    assert tombstone["status"] == "disposed" and tombstone["sha256"]
    assert tombstone["disposal"]["rule"] == "non_evidential"
    assert tombstone["disposal"]["authorised_by"] == "retention policy"
    for part in ("original", "playback", "thumbnail", "strip"):
        gone = api.get(f"/api/v1/evidence/{item}/{part}")
        assert gone.status_code == 410, part
        assert gone.headers["content-type"].startswith("application/problem+json")
        assert "disposed of" in gone.json()["detail"]
    assert api.get(f"/api/v1/evidence/{item}/retention").json()["state"] == "disposed"


def test_the_case_stage_drives_retention(
    api: httpx.Client, reviewer: object, live_server: str, stack: Stack
) -> None:
    item = old_item(reviewer, 3)
    reference = f"01/{uuid.uuid4().hex[:6]}/26"
    case = api.post("/api/v1/cases", json={"crime_reference": reference, "title": "Assault"})
    assert case.status_code == 201, case.text
    case_id = case.json()["id"]
    assert (
        api.post(f"/api/v1/cases/{case_id}/items", json={"evidence_id": str(item)}).status_code
        == 204
    )
    charged = api.get(f"/api/v1/evidence/{item}/retention").json()
    assert charged == {
        "state": "kept",
        "until": None,
        "reasons": [f"Linked to case {reference} (under investigation)"],
    }
    release = now().replace(year=now().year + 12)
    answer = api.put(
        f"/api/v1/cases/{case_id}/stage",
        json={
            "stage": "convicted",
            "decided_at": isoformat_z(now() - timedelta(days=1)),
            "sentence": "12 years",
            "expected_release_at": isoformat_z(release),
        },
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["stage"] == "convicted"
    after = api.get(f"/api/v1/evidence/{item}/retention").json()
    assert after["until"] == isoformat_z(release)
    assert after["reasons"][0].startswith(f"Linked to case {reference} (convicted): CPIA")
    missing_date = api.put(f"/api/v1/cases/{case_id}/stage", json={"stage": "acquitted"})
    assert missing_date.status_code == 422
    with _client(live_server, stack, factories.officer()) as officer:
        refused = officer.put(f"/api/v1/cases/{case_id}/stage", json={"stage": "charged"})
        assert refused.status_code in (403, 404)


def test_holds_over_the_api_and_the_command_line(api: httpx.Client, reviewer: object) -> None:
    item = old_item(reviewer, 50, stored=False)
    placed = api.post(
        "/api/v1/retention/holds",
        json={
            "scope": "items",
            "items": [str(item)],
            "type": "complaint",
            "reference": "CO/2026/0042",
            "reason": "Complaint about the arrest",
        },
    )
    assert placed.status_code == 201, placed.text
    hold_id = placed.json()["id"]
    assert hold_id in {h["id"] for h in api.get("/api/v1/retention/holds").json()}
    held = api.get(f"/api/v1/evidence/{item}/retention").json()
    assert held["state"] == "held" and held["reasons"][0].startswith("Held: complaint CO/2026/0042")
    preview = api.post(
        "/api/v1/retention/holds/preview",
        json={
            "scope": "officer",
            "officer": reviewer.username,  # type: ignore[attr-defined]
            "from": isoformat_z(now() - timedelta(days=51)),
            "to": isoformat_z(now()),
        },
    )
    assert str(item) in preview.json()["items"]
    no_reason = api.post(f"/api/v1/retention/holds/{hold_id}/release", json={"reason": ""})
    assert no_reason.status_code == 422
    released = api.post(
        f"/api/v1/retention/holds/{hold_id}/release", json={"reason": "Complaint withdrawn"}
    )
    assert released.status_code == 200 and released.json()["released_at"]

    runner = CliRunner()
    result = runner.invoke(
        cli(),
        [
            "hold",
            "place",
            "--item",
            str(item),
            "--type",
            "litigation",
            "--reference",
            "CIV/1",
            "--reason",
            "Civil claim lodged",
        ],
    )
    assert result.exit_code == 0, result.output
    cli_hold = result.output.strip()
    assert uuid.UUID(cli_hold)
    assert api.get(f"/api/v1/evidence/{item}/retention").json()["state"] == "held"
    both = runner.invoke(
        cli(),
        [
            "hold",
            "place",
            "--item",
            str(item),
            "--case",
            "X/1",
            "--type",
            "manual",
            "--reference",
            "M",
            "--reason",
            "two scopes",
        ],
    )
    assert both.exit_code == 2 and "exactly one" in both.output
    result = runner.invoke(cli(), ["hold", "release", cli_hold, "--reason", "Claim settled"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli(), ["retention", "run", "--dry-run"])
    assert result.exit_code == 0 and result.output.startswith("Evaluated ")


def test_warnings_feed_and_my_footage(live_server: str, stack: Stack) -> None:
    officer = factories.officer()
    soon = [old_item(officer, 27, stored=False) for _ in range(2)]
    old_item(officer, 27, "arrest", stored=False)  # categorised: no warning
    with _client(live_server, stack, officer) as client:
        feed = client.get("/api/v1/retention/warnings").json()
        assert {w["evidence_id"] for w in feed["items"]} == {str(i) for i in soon}
        assert feed["message"].startswith("2 recordings will be deleted on ")
        assert feed["message"].endswith(" unless categorised")
        footage = client.get("/footage")
        assert 'id="retention-warning"' in footage.text and "2 recordings" in footage.text
    with unit_of_work() as session:
        notices = session.scalars(select(Notice).where(Notice.evidence_id.in_(soon))).all()
    assert len(notices) == 2  # what the warning promised is kept
