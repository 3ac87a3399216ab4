"""Break glass in the pages (issue 9, item 8): an item outside a person's scope offers, to those
who may break glass, a reason form with a warning that the access is recorded and reported; the
same service as the API opens it, with the same rules and audit. The break-glass report page
shows supervisors and professional standards who did it, when, which item, why and until when.
Every page fits 390 px with no CSP error."""

from __future__ import annotations

import re
import uuid
from typing import Any

from playwright.sync_api import Page, expect
from sqlalchemy import select

from openbwv.audit.models import AuditEvent
from openbwv.db.session import unit_of_work
from openbwv.timeutil import parse_rfc3339
from openbwv.web.render import london
from tests.support import factories
from tests.support.stack import Stack
from tests.web.conftest import screenshot, sign_in, watch_page_errors
from tests.web.pages import PASSWORD, browser_client, person

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
WARNING = "reported to your supervisors and to professional standards"


def _fits_a_phone(page: Page) -> None:
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url
    page.set_viewport_size(DESKTOP)


def _events(actor_id: Any, action: str, item: str) -> list[AuditEvent]:
    with unit_of_work() as session:
        found = list(
            session.scalars(
                select(AuditEvent)
                .where(
                    AuditEvent.actor_id == actor_id,
                    AuditEvent.action == action,
                    AuditEvent.evidence_id == uuid.UUID(item),
                )
                .order_by(AuditEvent.id)
            )
        )
        session.expunge_all()
    return found


def _team() -> str:
    return f"BG {uuid.uuid4().hex[:8]}"


def _away_item(stack: Stack) -> str:
    """An item of an officer in another borough: outside anyone's scope made here."""
    away = person(stack, "officer", borough="E09000030", team=_team())
    return str(factories.item(away, stored=True))


def test_an_officer_breaks_glass_with_a_reason_sees_the_item_and_it_is_reported(
    page: Page, stack: Stack
) -> None:
    errors = watch_page_errors(page)
    team = _team()
    officer = person(stack, "officer", team=team)
    supervisor = person(stack, "supervisor", team=team)
    item = _away_item(stack)
    sign_in(page, officer.username, PASSWORD, f"/evidence/{item}")

    # Out of scope: still a 404 page, now with the form and its warning.
    response = page.goto(f"/evidence/{item}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Not found or outside your scope")).to_be_visible()
    expect(page.locator("#break-glass-warning")).to_contain_text(WARNING)
    assert _events(officer.id, "evidence.view", item)[-1].result == "denied"
    _fits_a_phone(page)

    # A blank reason is refused with a message, and nothing is opened.
    page.get_by_label("Reason").fill("     ")
    page.get_by_role("button", name="Break glass and open the item").click()
    expect(page.locator("#break-glass-error")).to_contain_text("Give the reason you need this item")
    assert _events(officer.id, "evidence.break_glass", item) == []
    _fits_a_phone(page)
    page.set_viewport_size(PHONE)
    screenshot(page, "break-glass-form-phone")
    page.set_viewport_size(DESKTOP)

    reason = f"Suspect seen near this camera at 22:10, ref {uuid.uuid4().hex[:6]}"
    page.get_by_label("Reason").fill(reason)
    page.get_by_role("button", name="Break glass and open the item").click()
    expect(page).to_have_url(re.compile(rf"/evidence/{item}$"))
    expect(page.get_by_role("heading", name="Not found or outside your scope")).to_have_count(0)
    expect(page.locator("h1")).to_be_visible()
    [broke] = _events(officer.id, "evidence.break_glass", item)
    assert broke.result == "success" and broke.reason == reason
    assert _events(officer.id, "evidence.view", item)[-1].result == "success"
    assert errors == []

    # The officer's supervisor sees it in the report page, in London time, with a link.
    page.context.clear_cookies()
    sign_in(page, supervisor.username, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Break-glass report"
    ).click()
    expect(page).to_have_url(re.compile(r"/reports/break-glass$"))
    expect(page.get_by_role("heading", name="Break-glass report", level=1)).to_be_visible()
    row = page.locator("#break-glass-entries tbody tr").filter(has_text=reason)
    expect(row).to_have_count(1)
    expect(row.locator('td[data-label="Who"]')).to_contain_text(officer.username)
    expect(row.locator('td[data-label="When"]')).to_have_text(london(broke.occurred_at))
    until = parse_rfc3339(broke.details["expires_at"])
    expect(row.locator('td[data-label="Access until"]')).to_have_text(london(until))
    expect(row.get_by_role("link")).to_have_attribute("href", f"/evidence/{item}")
    expect(page.locator("#bg-count")).to_contain_text(re.compile(r"Showing \d+ of \d+"))
    with unit_of_work() as session:
        read = session.scalar(
            select(AuditEvent.id).where(
                AuditEvent.actor_id == supervisor.id, AuditEvent.action == "report.break_glass"
            )
        )
    assert read is not None
    _fits_a_phone(page)
    page.set_viewport_size(PHONE)
    screenshot(page, "break-glass-report-phone")
    page.set_viewport_size(DESKTOP)
    assert errors == []


def test_an_empty_reason_is_refused_with_a_message(stack: Stack, live_server: str) -> None:
    officer = person(stack, "officer", team=_team())
    item = _away_item(stack)
    client, csrf = browser_client(live_server, officer.username)
    for reason in ("", "short"):
        refused = client.post(
            f"/evidence/{item}/break-glass", data={"reason": reason, "csrf_token": csrf}
        )
        assert refused.status_code == 422
        assert "Give the reason you need this item, in 10 to 2000 characters" in refused.text
    assert client.get(f"/evidence/{item}").status_code == 404
    assert _events(officer.id, "evidence.break_glass", item) == []
    # Without the session's CSRF token the post is refused before anything is looked at.
    forged = client.post(
        f"/evidence/{item}/break-glass",
        data={"reason": "A reason that is long enough", "csrf_token": "forged"},
    )
    assert forged.status_code == 403
    assert _events(officer.id, "evidence.break_glass", item) == []


def test_the_form_tells_no_more_than_the_api_whether_an_item_exists(
    stack: Stack, live_server: str
) -> None:
    officer = person(stack, "officer", team=_team())
    client, csrf = browser_client(live_server, officer.username)
    unknown = str(uuid.uuid4())
    hidden = _away_item(stack)
    shown = {item: client.get(f"/evidence/{item}") for item in (unknown, hidden)}
    for answer in shown.values():
        assert answer.status_code == 404 and WARNING in answer.text
    alike = {item: answer.text.replace(item, "ID") for item, answer in shown.items()}
    assert alike[unknown] == alike[hidden]  # the same page for a made-up id and a hidden item
    missing = client.post(
        f"/evidence/{unknown}/break-glass",
        data={"reason": "Suspect seen on this camera", "csrf_token": csrf},
    )
    assert missing.status_code == 404 and "There is no evidence item with this id" in missing.text
    with unit_of_work() as session:
        refused = session.scalar(
            select(AuditEvent.id).where(
                AuditEvent.actor_id == officer.id,
                AuditEvent.action == "evidence.break_glass",
                AuditEvent.result == "denied",
                AuditEvent.target_id == unknown,
            )
        )
    assert refused is not None


def test_without_the_right_there_is_no_form_and_a_post_is_refused(
    stack: Stack, live_server: str
) -> None:
    someone = person(stack, "auditor", borough=None)  # reads reports and trails, never footage
    item = _away_item(stack)
    client, csrf = browser_client(live_server, someone.username)
    page = client.get(f"/evidence/{item}")
    assert page.status_code == 404 and WARNING not in page.text
    refused = client.post(
        f"/evidence/{item}/break-glass",
        data={"reason": "curiosity is not a reason", "csrf_token": csrf},
    )
    assert refused.status_code == 403 and "your role cannot break glass" in refused.text
    with unit_of_work() as session:  # recorded as the API's refusal is (by the path, no item)
        denied = session.scalars(
            select(AuditEvent.details).where(
                AuditEvent.actor_id == someone.id,
                AuditEvent.action == "evidence.break_glass",
                AuditEvent.result == "denied",
            )
        ).all()
    assert [d["path"] for d in denied] == [f"/evidence/{item}/break-glass"]


def test_the_report_is_refused_without_reports_read(stack: Stack, live_server: str) -> None:
    officer = person(stack, "officer", team=_team())
    client, _ = browser_client(live_server, officer.username)
    refused = client.get("/reports/break-glass")
    assert refused.status_code == 403
    assert "Break-glass report" not in refused.text.split("</nav>")[0]


def test_an_empty_report_says_what_it_is_for(page: Page, stack: Stack, live_server: str) -> None:
    errors = watch_page_errors(page)
    supervisor = person(stack, "supervisor", team=_team())
    sign_in(page, supervisor.username, PASSWORD, "/reports/break-glass")
    page.goto("/reports/break-glass")
    expect(page.locator(".notice")).to_contain_text("No one within your oversight broke glass")
    expect(page.locator("#bg-count")).to_contain_text("Showing 0 of 0")
    _fits_a_phone(page)
    client, _ = browser_client(live_server, supervisor.username)
    bad = client.get("/reports/break-glass", params={"since": "yesterday"})
    assert bad.status_code == 200 and "From is not a date" in bad.text
    assert errors == []
