"""The accountability pages in a real browser. Professional standards record a complaint about
an officer's stop, see its footage found, hold it all in one step and link a clip, and record
the outcome; complaint rates list the borough. A supervisor opens the roll-out evaluation on
simulated data: labelled simulated, the effects with their intervals drawn, a chart per measure,
the report to download. No CSP or script error. Each page leaves a README screenshot."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from playwright.sync_api import Page, expect

from openbwv.analytics import registry
from openbwv.composition import compose
from openbwv.db.session import unit_of_work
from openbwv.simulate.outcomes import OutcomeConfig, generate
from openbwv.simulate.outcomes_load import load
from openbwv.web.render import LONDON
from tests.retention.helpers import now
from tests.support import factories
from tests.support.stack import Stack
from tests.web.conftest import screenshot
from tests.web.pages import js_errors, signed_in


def _minute(moment: object) -> str:
    return moment.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")  # type: ignore[attr-defined]


def test_a_complaint_is_recorded_and_its_footage_held(
    page: Page, stack: Stack, live_server: str
) -> None:
    officer = factories.officer(borough="E09000021", team=factories.unique("Kingston "))
    at = now() - timedelta(days=3)
    clip = factories.item(officer, occurred=at + timedelta(minutes=2))
    standards = signed_in(page, stack, "professional_standards", next_path="/complaints")
    reference = factories.unique("CO/2026/")
    page.get_by_label("Reference").fill(reference)
    page.get_by_label("Received on").fill(now().date().isoformat())
    page.get_by_label("Officers (warrant numbers)").fill(officer.warrant_number)
    page.get_by_label("From", exact=True).fill(_minute(at))
    page.get_by_label("To", exact=True).fill(_minute(at + timedelta(minutes=10)))
    page.get_by_label("Police powers: use of force").check()
    page.get_by_label("Summary").fill("Says the officer pushed them during a stop.")
    page.get_by_role("button", name="Record the complaint").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Complaint {reference}")
    row = page.locator("#footage tbody tr", has_text=officer.username)
    expect(row).to_contain_text(f"officer {officer.warrant_number}")
    screenshot(page, "complaint")
    page.get_by_role("button", name="Hold all this footage (complaint hold)").click()
    expect(page.get_by_role("status")).to_contain_text("The footage is held")
    expect(page.locator("#holds")).to_contain_text("2 placed")
    token = stack.user_token(standards)
    with httpx.Client(base_url=live_server, headers={"Authorization": f"Bearer {token}"}) as api:
        assert api.get(f"/api/v1/evidence/{clip}/retention").json()["state"] == "held"
    page.get_by_label(f"Link {clip}").check()
    page.get_by_role("button", name="Link the chosen footage").click()
    expect(page.locator("#linked")).to_contain_text(officer.username)
    page.get_by_label("Outcome", exact=True).select_option("service_acceptable")
    page.get_by_role("button", name="Record the outcome").click()
    expect(page.locator("#outcome")).to_contain_text("acceptable")
    page.get_by_role("link", name="Complaint rates").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Complaints per 1,000 officers")
    assert js_errors(page) == []


def test_the_evaluation_page_on_simulated_data(page: Page, stack: Stack) -> None:
    config = OutcomeConfig(
        boroughs=("E09000014", "E09000015", "E09000016", "E09000017", "E09000018"),
        start=date(2020, 1, 1),
        months=12,
        change_months=(None, 3, 5, 7, 9),
        court_outcomes=2,
        da_decisions=2,
        seed=11,
    )
    with unit_of_work() as session:
        load(session, generate(config))
    signed_in(page, stack, "supervisor", next_path="/evaluation")
    page.goto("/evaluation?start=2020-01&end=2020-12")
    expect(page.locator("#simulated")).to_contain_text("SIMULATED DATA")
    compose()  # every registered measure is a row (the incidents domain adds activation coverage)
    expect(page.locator("#effects tbody tr")).to_have_count(len(registry.measures()))
    expect(page.locator("#effects")).to_contain_text("Allegations per 1,000 officers")
    expect(page.locator("#effects")).to_contain_text("5 boroughs (4 with cameras), 12 months")
    expect(page.locator("figure svg")).to_have_count(1 + len(registry.measures()))
    expect(page.locator("#report-pdf")).to_have_attribute(
        "href", "/api/v1/analytics/evaluation/report.pdf?from=2020-01&to=2020-12"
    )
    screenshot(page, "evaluation")
    with page.expect_download() as download:
        page.locator("#report-csv").click()
    assert download.value.suggested_filename == "bwv-evaluation-2020-01-2021-01.csv"
    assert js_errors(page) == []
