"""The trial design from the database: teams' arms and strength from the monthly counts,
allegations from the complaints about their officers; with equal teams and months, the
Poisson rate ratio is the ratio of the arms' totals, so the effect is known exactly."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import httpx
import pytest

from openbwv.analytics.complaints import service as complaints
from openbwv.analytics.evaluation import service as counts
from openbwv.db.session import unit_of_work
from openbwv.simulate.outcomes_load import LOADER
from tests.support import factories

BOROUGH = "E09000025"  # Newham, in 2018: no other test counts there then
MONTHS = [date(2018, m, 1) for m in (1, 2, 3, 4)]
# Complaints a month per team: three teams with cameras, three without.
WITH = ([1, 0, 1, 1], [0, 1, 0, 1], [1, 1, 0, 0])
WITHOUT = ([2, 1, 3, 2], [1, 2, 2, 1], [2, 2, 1, 3])


def test_the_trial_design_from_the_database(api: httpx.Client) -> None:
    teams = [(True, n) for n in WITH] + [(False, n) for n in WITHOUT]
    officers = [factories.officer(borough=BOROUGH, team=factories.unique("Trial ")) for _ in teams]
    with unit_of_work() as session:
        rows = []
        for (camera, per_month), officer in zip(teams, officers, strict=True):
            for month, complaints_that_month in zip(MONTHS, per_month, strict=True):
                rows.append(counts.CountRow(BOROUGH, month, "officers", 50, officer.team_id))
                rows.append(
                    counts.CountRow(BOROUGH, month, "trial_arm", int(camera), officer.team_id)
                )
                for k in range(complaints_that_month):
                    when = datetime(month.year, month.month, 5 + k, 12, tzinfo=UTC)
                    spec = complaints.ComplaintSpec(
                        reference=f"CO/TRIAL/{uuid.uuid4().hex[:8]}",
                        received_on=when.date(),
                        allegations=["impolite_language"],
                        officers=[officer.warrant_number],
                        occurred_from=when,
                    )
                    complaints.create_complaint(session, LOADER, spec)
        counts.put_counts(session, LOADER, rows, source="csv:trial.csv")
    body = api.get(
        "/api/v1/analytics/evaluation", params={"from": "2018-01", "to": "2018-04"}
    ).json()
    trial = body["trial"]
    with_total, without_total = sum(map(sum, WITH)), sum(map(sum, WITHOUT))
    assert trial["estimate"] == pytest.approx(100 * (with_total / without_total - 1), abs=1e-4)
    assert trial["low"] < trial["estimate"] < trial["high"]
    assert (trial["boroughs"], trial["boroughs_with_cameras"], trial["months"]) == (6, 3, 4)
    assert trial["baseline"] == pytest.approx(1000 * without_total / (3 * 4 * 50))
    page = api.get("/evaluation", params={"start": "2018-01", "end": "2018-04"})
    assert 'id="trial"' in page.text and "6 teams (3 with cameras), 4 months" in page.text
