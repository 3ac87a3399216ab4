"""Activation compliance against a small fixture worked out by hand: league tables by team,
officer and type (targets), misses and not-recorded-whole, excluded types and closing codes, each
person's scope (own, team), the CSV export and the per-borough-month coverage the evaluation
reads. The fixture lives in the City of London in December 2027, which no other test uses."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from openbwv.access.policy.queries import principal_for_user
from openbwv.analytics import registry
from openbwv.composition import compose
from openbwv.db.session import unit_of_work
from openbwv.incidents.compliance import queries
from openbwv.incidents.compliance.queries import Filters
from openbwv.incidents.queries import coverage_by_borough_month, coverage_cells
from tests.incidents.helpers import apply, at, number, recording, row, team_officers
from tests.support.stack import Stack

CITY, DAY = "E09000001", 400  # 2027-12-07, a Tuesday (week of 2027-12-06)


def d(minutes: float) -> Any:
    return at(minutes, day=DAY)


@pytest.fixture(scope="module")
def world(stack: Stack) -> dict[str, Any]:
    team, (first, second) = team_officers(2, borough=CITY)
    numbers = {name: number() for name in ("i1", "i2", "i3", "i4", "i5", "i6")}
    recording(first, d(5), 20)  # i1: all of 5–25
    recording(first, d(64), 6)  # i2: 64–70 of 62–72: 2 min late, 2 min early, 60%
    recording(second, d(305.5), 9.5)  # i6: 30 s late (inside the 60 s grace), 95%
    apply(
        [
            row(numbers["i1"], first, d(0), d(5), d(25)),
            row(numbers["i2"], first, d(60), d(62), d(72), kind="stop_search"),
            row(numbers["i3"], first, d(120), d(125), d(140), kind="theft"),
            row(numbers["i4"], first, d(200), d(200), d(210), kind="admin"),  # excluded type
            row(numbers["i5"], first, d(220), d(221), d(230), closing="CANCELLED"),  # excluded
            row(numbers["i6"], second, d(300), d(305), d(315), kind="theft"),
        ]
    )
    supervisor = stack.user("supervisor", borough=CITY, team=team)
    with unit_of_work() as session:
        team_id = first.team_id
        people = {
            name: principal_for_user(session, session.merge(user))
            for name, user in (("first", first), ("second", second), ("supervisor", supervisor))
        }
    return {
        "team_id": team_id,
        "numbers": numbers,
        "people": people,
        "stack": stack,
        "supervisor": supervisor,
        "first": first,
    }


def _league(world: dict[str, Any], who: str, by: Any) -> list[queries.Row]:
    with unit_of_work() as session:
        return queries.league(session, world["people"][who], by, Filters(team_id=world["team_id"]))


def test_team_officer_and_type_figures(world: dict[str, Any]) -> None:
    (team,) = _league(world, "supervisor", "team")
    # i1, i2, i3, i6 (i4 and i5 excluded): 3 recorded; one late start (i2; i6's 30 s is within
    # grace), one early stop (i2); mean coverage (1 + 0.6 + 0 + 0.95) / 4; i2 not whole.
    assert (team.attended, team.recorded, team.late, team.early) == (4, 3, 1, 1)
    assert (team.coverage, team.not_whole) == (0.6375, 1)
    first, second = _league(world, "supervisor", "officer")  # worst share recorded first
    assert (first.attended, first.recorded, first.coverage) == (3, 2, 0.5333)
    assert (second.attended, second.recorded, second.coverage) == (1, 1, 0.95)
    types = {row.key: row for row in _league(world, "supervisor", "type")}
    assert set(types) == {"disturbance", "stop_search", "theft"}
    assert (types["theft"].share, types["theft"].target, types["theft"].met) == (0.5, 0.8, False)
    assert (types["stop_search"].target, types["stop_search"].met) == (1.0, True)
    (week,) = _league(world, "supervisor", "week")
    assert (week.key, week.attended) == ("2027-12-06", 4)


def test_scopes_and_misses(world: dict[str, Any]) -> None:
    (own,) = _league(world, "first", "team")
    assert (own.attended, own.recorded) == (3, 2)  # an officer sees their own figures only
    assert [(r.attended, r.recorded) for r in _league(world, "second", "officer")] == [(1, 1)]
    filters = Filters(team_id=world["team_id"])
    with unit_of_work() as session:
        supervisor = world["people"]["supervisor"]
        missed = queries.misses(session, supervisor, filters)
        partial = queries.misses(session, supervisor, filters, whole_only=True)
        theirs = queries.misses(session, world["people"]["second"], filters)
    assert [m.number for m in missed] == [world["numbers"]["i3"]]
    assert [(m.number, m.coverage) for m in partial] == [(world["numbers"]["i2"], 0.6)]
    assert theirs == []


def test_coverage_by_borough_and_month(world: dict[str, Any]) -> None:
    with unit_of_work() as session:
        found = coverage_by_borough_month(session, boroughs=[CITY])
    december = [c for c in found if c.month == "2027-12"]
    assert [(c.attendances, c.recorded, c.mean_coverage) for c in december] == [(4, 3, 0.6375)]


def test_the_evaluation_reads_coverage_as_a_share_of_attendances(world: dict[str, Any]) -> None:
    compose()
    measure = registry.measure("activation_coverage")
    assert measure is not None and measure.kind == "share"
    with unit_of_work() as session:
        cells = measure.cells(
            session, datetime(2027, 12, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC)
        )
        before = coverage_cells(
            session, datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 12, 1, tzinfo=UTC)
        )
    numerator, attendances = cells[(CITY, date(2027, 12, 1))]
    assert attendances == 4 and numerator == pytest.approx(4 * 0.6375)
    assert (CITY, date(2027, 12, 1)) not in before  # the month is outside [start, end)


def test_csv_export_and_page(world: dict[str, Any], live_server: str) -> None:
    stack: Stack = world["stack"]
    token = stack.user_token(world["supervisor"])
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=live_server, headers=headers) as api:
        params = {"by": "officer", "team": str(world["team_id"]), "format": "csv"}
        answer = api.get("/api/v1/compliance", params=params)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
        lines = answer.text.strip().splitlines()
        assert lines[0].startswith("key,label,attended,recorded,share_recorded")
        assert lines[1].split(",")[2:5] == ["3", "2", "0.6667"]
        misses = api.get("/api/v1/compliance/misses", params={"team": str(world["team_id"])})
        assert [m["incident_number"] for m in misses.json()["items"]] == [world["numbers"]["i3"]]
        assert api.get("/api/v1/compliance", params={"by": "colour"}).status_code == 422
