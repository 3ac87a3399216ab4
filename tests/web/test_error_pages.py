"""Error pages keep the navigation and Sign out, and no page asks for a missing favicon
(issue 9, item 16)."""

from __future__ import annotations

import secrets

from playwright.sync_api import Page, Response, expect

from tests.support.stack import Stack
from tests.web.conftest import sign_in


def test_a_missing_page_keeps_the_navigation_and_sign_out(page: Page, stack: Stack) -> None:
    password = secrets.token_urlsafe(16)
    officer = stack.user("officer", borough="E09000028", team="Error Team", password=password)
    missing: list[str] = []

    def note(response: Response) -> None:
        if response.status == 404 and "/no-such-page" not in response.url:
            missing.append(response.url)

    page.on("response", note)
    sign_in(page, officer.username, password)
    answer = page.goto("/no-such-page")
    assert answer is not None and answer.status == 404
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()  # the page's CSRF token is the session's
    page.wait_for_url("**/sign-in**")
    assert missing == [], missing  # the favicon (and everything else the pages ask for) exists
