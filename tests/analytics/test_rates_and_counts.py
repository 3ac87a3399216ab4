"""Complaints per 1,000 officers a month by borough and team against a hand-computed fixture;
the monthly counts CSV (all or nothing, bad rows by row and column); case outcomes (case
managers only)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from typer.testing import CliRunner

from openbwv.composition import cli
from tests.support import factories
from tests.support.stack import Stack

BOROUGH = "E09000022"  # Lambeth, in 2017: nobody else counts there then
TEAM = "Brixton Response C"


def _import(api: httpx.Client, text: str, **params: object) -> httpx.Response:
    return api.post(
        "/api/v1/analytics/counts",
        content=text.encode(),
        params={"name": "fixture.csv", **params},
        headers={"Content-Type": "text/csv"},
    )


def test_complaint_rates_by_borough_and_team(api: httpx.Client) -> None:
    a = factories.officer(borough=BOROUGH, team=TEAM)
    b = factories.officer(borough=BOROUGH, team=TEAM)
    csv_text = (
        "month,borough,team,measure,value\n"
        f"2017-03,{BOROUGH},,officers,400\n"
        f"2017-04,Lambeth,,officers,500\n"
        f"2017-03,{BOROUGH},{TEAM},officers,40\n"
    )
    answer = _import(api, csv_text)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"applied": 3, "rejected": []}
    # March: three complaints in Lambeth, two of them about the team (one names both officers).
    for n, officers in enumerate(([a.warrant_number, b.warrant_number], [a.warrant_number], [])):
        when = datetime(2017, 3, 10 + n, 12, tzinfo=UTC)
        made = api.post(
            "/api/v1/complaints",
            json={
                "reference": f"CO/2017/{uuid.uuid4().hex[:6]}",
                "received_on": (when + timedelta(days=1)).date().isoformat(),
                "allegations": ["impolite_language"],
                "officers": officers,
                "borough": BOROUGH,
                "from": when.isoformat(),
            },
        )
        assert made.status_code == 201, made.text
    rows = api.get("/api/v1/complaints/rates", params={"from": "2017-03", "to": "2017-04"}).json()
    lambeth = {r["month"]: r for r in rows if r["key"] == BOROUGH}
    assert lambeth["2017-03-01"]["complaints"] == 3 and lambeth["2017-03-01"]["officers"] == 400
    assert lambeth["2017-03-01"]["per_1000"] == 7.5  # 3 / 400 × 1,000
    assert lambeth["2017-04-01"] == {
        "key": BOROUGH,
        "name": "Lambeth",
        "month": "2017-04-01",
        "complaints": 0,
        "officers": 500,
        "per_1000": 0.0,
    }
    teams = api.get(
        "/api/v1/complaints/rates", params={"by": "team", "from": "2017-03", "to": "2017-03"}
    ).json()
    team = next(r for r in teams if r["name"] == TEAM)
    assert (team["complaints"], team["officers"], team["per_1000"]) == (2, 40, 50.0)


def test_a_counts_file_with_bad_rows_applies_nothing(api: httpx.Client) -> None:
    bad = (
        "month,borough,team,measure,value\n"
        f"2016-01,{BOROUGH},,officers,10\n"
        "2016-13,Atlantis,,arrests,-1\n"
        f"2016-02,{BOROUGH},No Such Team,officers,3\n"
        f"2016-02,{BOROUGH},,trial_arm,1\n"
    )
    answer = _import(api, bad)
    assert answer.status_code == 422
    errors = {(e["row"], e["column"]) for e in answer.json()["errors"]}
    assert errors == {
        (3, "month"),
        (3, "borough"),
        (3, "measure"),
        (3, "value"),
        (4, "team"),
        (5, "team"),
    }
    rows = api.get("/api/v1/complaints/rates", params={"from": "2016-01", "to": "2016-01"}).json()
    assert not [r for r in rows if r["key"] == BOROUGH]  # nothing applied
    partial = _import(api, bad, partial="true")
    assert partial.json()["applied"] == 1 and len(partial.json()["rejected"]) == 6


def test_the_counts_command(tmp_path: object, stack: Stack) -> None:
    path = tmp_path / "counts.csv"  # type: ignore[operator]
    path.write_text(
        f"month,borough,measure,value\n2015-06,{BOROUGH},stop_search,12\n2015-06,x,officers,1\n"
    )
    refused = CliRunner().invoke(cli(), ["analytics", "import-counts", str(path)])
    assert refused.exit_code == 2 and "nothing applied" in refused.output
    assert "Traceback" not in refused.output
    applied = CliRunner().invoke(cli(), ["analytics", "import-counts", str(path), "--partial"])
    assert applied.exit_code == 0, applied.output
    assert "1 rows applied, 1 rejected" in applied.output and "row 3, borough" in applied.output


def test_case_outcomes_are_recorded_by_case_managers(
    api: httpx.Client, live_server: str, stack: Stack
) -> None:
    case = api.post(
        "/api/v1/cases", json={"crime_reference": f"01/{uuid.uuid4().hex[:6]}/17", "title": "DA"}
    ).json()
    set_ = api.put(
        f"/api/v1/cases/{case['id']}/outcome",
        json={
            "outcome": "early_guilty_plea",
            "decided_at": "2017-05-02T10:00:00Z",
            "domestic_abuse": True,
        },
    )
    assert set_.status_code == 200, set_.text
    body = set_.json()
    assert (body["outcome"], body["domestic_abuse"]) == ("early_guilty_plea", True)
    assert body["outcome_at"].startswith("2017-05-02")
    wrong = api.put(f"/api/v1/cases/{case['id']}/outcome", json={"outcome": "hung_jury"})
    assert wrong.status_code == 422
    future = api.put(
        f"/api/v1/cases/{case['id']}/outcome",
        json={"outcome": "charged", "decided_at": "2099-01-01T00:00:00Z"},
    )
    assert future.status_code == 422
    officer = stack.user("officer", borough="E09000033")
    token = stack.user_token(officer)
    with httpx.Client(base_url=live_server, headers={"Authorization": f"Bearer {token}"}) as client:
        refused = client.put(f"/api/v1/cases/{case['id']}/outcome", json={"outcome": "acquitted"})
        assert refused.status_code in (403, 404)
    cleared = api.put(f"/api/v1/cases/{case['id']}/outcome", json={"outcome": None})
    assert cleared.json()["outcome"] is None and cleared.json()["outcome_at"] is None
