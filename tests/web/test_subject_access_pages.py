"""A subject access request in a real browser, as an information rights officer: from the
dashboard (where they land) open a request, see its clock, find the requester's footage by
officer, add it (held), record a restriction with its s.45(4) reason, and back on the dashboard
the request shows its days left; no script or CSP error. Each page leaves a README screenshot."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.subject_access.helpers import HERE, filmed, hours_ago
from tests.support import factories
from tests.support.stack import Stack
from tests.web.conftest import screenshot
from tests.web.pages import js_errors, signed_in


def test_from_the_dashboard_to_a_request_with_its_footage_held(page: Page, stack: Stack) -> None:
    officer = factories.officer(borough="E09000033", team=factories.unique("SAR browser"))
    clip = filmed(
        officer, hours_ago(20), HERE, title="Stop and search outside the station", stored=False
    )
    signed_in(page, stack, "information_rights")
    expect(page).to_have_url(re.compile(r"/subject-access$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Subject access requests")
    expect(page.get_by_role("link", name="Subject access")).to_have_attribute(
        "aria-current", "page"
    )

    page.get_by_label("Requester's name").fill("Robin Browser")
    page.get_by_label("How to contact them").fill("robin@example.org")
    page.get_by_label("How they describe themselves and the occasion").fill(
        "Green jacket, stopped outside the station yesterday afternoon"
    )
    screenshot(page, "subject-access-dashboard")
    page.get_by_role("button", name="Open the request").click()
    expect(page).to_have_url(re.compile(r"/subject-access/SAR-\d{4}-\d{4}$"))
    reference = page.url.rsplit("/", 1)[1]
    clock = page.locator("#clock")
    expect(clock).to_contain_text("days left")
    expect(page.locator("#requester-name")).to_have_text("Robin Browser")
    expect(page.locator("#identity")).to_contain_text("Not checked yet")

    page.get_by_label("How the identity was checked").fill("Driving licence seen at the counter")
    page.get_by_role("button", name="Record the check").click()
    expect(page.locator("#identity")).to_contain_text("Driving licence seen")

    page.get_by_label("Officer (username, warrant or shoulder number)").fill(officer.username)
    page.get_by_role("button", name="Find").click()
    found = page.locator(f"#found-{clip}")
    expect(found).to_contain_text("Stop and search outside the station")
    page.get_by_role("button", name="Add the ticked items").click()
    expect(page.get_by_role("status")).to_contain_text("each held until it closes")
    row = page.locator(f"#item-{clip}")
    expect(row).to_contain_text("Held")
    expect(row.get_by_role("link", name="Redact third parties")).to_have_attribute(
        "href", f"/evidence/{clip}/redactions"
    )
    row.get_by_label("Restriction", exact=True).select_option("partial")
    row.get_by_label("Because it is necessary to").select_option("others")
    row.get_by_label("Note").fill("Bystanders' faces to be blurred")
    screenshot(page, "subject-access-request")
    row.get_by_role("button", name="Record").click()
    expect(page.locator(f"#item-{clip}")).to_contain_text(
        "protect the rights and freedoms of others"
    )

    page.get_by_role("link", name="Open requests").click()
    listed = page.locator(f"#request-{reference}")
    expect(listed).to_contain_text("Robin Browser")
    expect(listed).to_contain_text("days left")
    expect(listed).to_contain_text("1")
    assert js_errors(page) == []
