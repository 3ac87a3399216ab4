"""In a real browser: a supervisor opens Compliance and sees which incidents the team attended
without recording, drills down to one, and finds the officer marked "not recorded" beside a
colleague's recording on the incident's timeline. No script or CSP error; README screenshots."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.incidents.helpers import apply, at, number, recording, row, team_officers
from tests.support.stack import Stack
from tests.web.conftest import screenshot
from tests.web.pages import js_errors, signed_in


def test_a_supervisor_sees_incidents_attended_without_recording(
    page: Page, stack: Stack, live_server: str
) -> None:
    team, (recorder, forgetful) = team_officers(2)
    missed, fine = number(), number()
    recording(recorder, at(2, day=50), 12)
    recording(recorder, at(62, day=50), 10)
    apply(
        [
            row(missed, recorder, at(0, day=50), at(2, day=50), at(14, day=50), kind="domestic"),
            row(missed, forgetful, at(0, day=50), at(3, day=50), at(14, day=50), kind="domestic"),
            row(fine, recorder, at(60, day=50), at(62, day=50), at(72, day=50), kind="theft"),
        ]
    )
    signed_in(page, stack, "supervisor", team=team, next_path="/compliance")
    expect(page.get_by_role("heading", name="Attended without recording")).to_be_visible()
    table = page.locator("#missed")
    expect(table.get_by_role("link", name=missed)).to_be_visible()
    expect(table.get_by_role("link", name=fine)).to_have_count(0)
    expect(page.locator("#trend")).to_be_visible()
    screenshot(page, "compliance")

    table.get_by_role("link", name=missed).click()
    expect(page.get_by_role("heading", name=f"Incident {missed}")).to_be_visible()
    expect(page.locator("#officers tr.unrecorded")).to_have_count(1)
    expect(page.locator("#officers")).to_contain_text("not recorded")
    expect(page.locator("#case-timeline .clip")).to_have_count(1)
    screenshot(page, "incident")
    assert js_errors(page) == []
