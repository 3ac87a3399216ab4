"""Small defects of the case forms (issue 9, item 16): the crime-reference pattern is a valid
expression in Chromium (so the browser check works), CAD numbers may hold spaces, and search
does not offer "Add to case" for an item already in the case."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from playwright.sync_api import Page, expect

from tests.support import factories
from tests.support.stack import Stack
from tests.web.conftest import sign_in, watch_page_errors
from tests.web.evidence_world import PASSWORD


def test_the_crime_reference_pattern_is_checked_by_the_browser(page: Page, stack: Stack) -> None:
    investigator = stack.user(
        "investigator", borough="E09000019", team=factories.unique("Forms"), password=PASSWORD
    )
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    sign_in(page, investigator.username, PASSWORD, "/cases")
    field = page.get_by_label("Crime reference number")
    field.fill("ab!")
    assert field.evaluate("input => input.validity.patternMismatch") is True
    field.fill("CR/2026-123")
    assert field.evaluate("input => input.validity.valid") is True
    assert not [text for text in console if "pattern" in text.lower()], console


def test_cad_numbers_may_hold_spaces(page: Page, stack: Stack) -> None:
    investigator = stack.user(
        "investigator", borough="E09000019", team=factories.unique("Cad"), password=PASSWORD
    )
    sign_in(page, investigator.username, PASSWORD, "/cases")
    reference = f"CR/{uuid.uuid4().hex[:8]}"
    page.get_by_label("Crime reference number").fill(reference)
    page.get_by_label("Title").fill("Disorder outside the station")
    page.get_by_label("CAD incident number (optional)").fill("  CAD 1234   03DEC ")
    page.get_by_role("button", name="Create case").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    expect(page.locator("main")).to_contain_text("CAD 1234 03DEC")


def test_search_offers_add_to_case_only_for_items_not_in_it(page: Page, stack: Stack) -> None:
    team = factories.unique("Linked")
    investigator = stack.user("investigator", borough="E09000019", team=team, password=PASSWORD)
    title = factories.unique("Linked clip")
    when = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
    inside = factories.item(investigator, title=f"{title} one", occurred=when)
    factories.item(investigator, title=f"{title} two", occurred=when)
    case_id = factories.case(investigator, [(investigator, "oic")], [inside])
    errors = watch_page_errors(page)
    sign_in(page, investigator.username, PASSWORD)
    page.goto(f"/search?text={title}&add_to={case_id}")
    rows = page.locator(".results-grid li, .results-table tbody tr").filter(has_text=title)
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="one").get_by_role("button", name="Add to case")).to_have_count(0)
    expect(rows.filter(has_text="one")).to_contain_text("In ")
    expect(rows.filter(has_text="two").get_by_role("button", name="Add to case")).to_have_count(1)
    assert errors == []
