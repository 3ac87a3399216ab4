"""Each role lands where its work is, with empty states that say what to do next, and external
users see no internal navigation (issue 9, item 5)."""

from __future__ import annotations

import re

import httpx
import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.support import factories
from tests.support.stack import Stack
from tests.web.conftest import sign_in, watch_page_errors
from tests.web.evidence_world import PASSWORD

LANDINGS = {
    "officer": "/footage",
    "supervisor": "/team",
    "investigator": "/cases",
    "professional_standards": "/cases",
    "external": "/shared",
    "auditor": "/audit",
    "fleet_manager": "/fleet",
    "administrator": "/admin",
    "information_rights": "/subject-access",
}


@pytest.mark.parametrize("role", sorted(LANDINGS))
def test_each_role_lands_where_its_work_is(stack: Stack, live_server: str, role: str) -> None:
    user = stack.user(
        role,
        borough="E09000032",
        team=factories.unique("Landing"),
        kind="external" if role == "external" else "internal",
    )
    headers = {"Authorization": f"Bearer {stack.user_token(user)}", "Accept": "text/html"}
    with httpx.Client(base_url=live_server, headers=headers, timeout=30) as client:
        start = client.get("/")
        assert start.status_code == 303
        assert start.headers["location"] == LANDINGS[role]


def test_a_supervisor_sees_the_team_and_what_needs_a_category(page: Page, stack: Stack) -> None:
    team = factories.unique("Night Team")
    sergeant = stack.user("supervisor", borough="E09000032", team=team, password=PASSWORD)
    constable = stack.user("officer", borough="E09000032", team=team)
    for _ in range(2):
        factories.item(constable, title=factories.unique("Team clip"))
    errors = watch_page_errors(page)
    sign_in(page, sergeant.username, PASSWORD)
    expect(page).to_have_url(re.compile(r"/team$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your team's footage")
    expect(page.locator("#uncategorised-count")).to_contain_text("2 recordings need a category")
    expect(page.get_by_role("link", name="Team footage")).to_have_attribute("aria-current", "page")
    assert errors == []


def test_external_users_see_no_internal_navigation(page: Page, stack: Stack) -> None:
    lawyer = stack.user("external", kind="external", password=PASSWORD)
    sign_in(page, lawyer.username, PASSWORD)
    # A second factor is mandatory for external accounts: enrolment comes first.
    expect(page).to_have_url(re.compile(r"/sign-in/enrol-second-factor"))
    secret = page.locator("#totp-secret").input_value()
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/shared$"))
    navigation = page.get_by_role("navigation", name="Main")
    expect(navigation.get_by_role("link", name="Shared with you")).to_be_visible()
    for hidden in ("My footage", "Search", "Team footage", "Upload", "Cases"):
        expect(navigation.get_by_role("link", name=hidden)).to_have_count(0)


def test_an_empty_search_without_filters_does_not_blame_the_filters(
    page: Page, stack: Stack
) -> None:
    newcomer = stack.user(
        "officer", borough="E09000032", team=factories.unique("New"), password=PASSWORD
    )
    sign_in(page, newcomer.username, PASSWORD, "/search")
    expect(page.locator(".notice")).to_contain_text("There is no footage you can see yet")
    expect(page.locator(".notice")).not_to_contain_text("fewer filters")
