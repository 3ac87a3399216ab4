"""The retention pages in a real browser, as professional standards: restore an item from the
deletion queue with a reason; place a complaint hold on an officer's footage in a time window
after its scope preview, then release it; decide a MoPI review (keep, next review date); the
forecast shows figures; the policy lists its rules with their sources; no CSP error. Each page
leaves a README screenshot."""

from __future__ import annotations

from datetime import timedelta

import httpx
from playwright.sync_api import Page, expect

from openbwv.web.render import LONDON
from tests.retention.helpers import now, old_item, sweep
from tests.support import factories
from tests.support.stack import Stack
from tests.web.conftest import screenshot
from tests.web.pages import js_errors, signed_in


def _retention(live_server: str, stack: Stack, user: object, item: object) -> dict:
    token = stack.user_token(user)
    with httpx.Client(base_url=live_server, headers={"Authorization": f"Bearer {token}"}) as api:
        return api.get(f"/api/v1/evidence/{item}/retention").json()


def _minute(moment: object) -> str:
    return moment.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")  # type: ignore[attr-defined]


def test_queue_holds_reviews_forecast_and_policy(
    page: Page, stack: Stack, live_server: str
) -> None:
    officer = factories.officer(borough="E09000007", team=factories.unique("Kept"))
    queued = old_item(officer, 40, stored=False)
    review = old_item(officer, 7 * 366, "arrest", stored=False)
    leaving = old_item(officer, 20, stored=False)
    recent = old_item(officer, 2, stored=False)
    sweep(now(), queued, review, leaving, recent)
    standards = signed_in(page, stack, "professional_standards", next_path="/retention/queue")

    # The deletion queue: restore with a reason.
    row = page.locator(f"#queued-{queued}")
    expect(row).to_contain_text("Non-evidential, 31 days from recording")
    row.get_by_label("Reason").fill("Complaint expected: the handler asked us to keep it")
    screenshot(page, "retention-queue")
    row.get_by_role("button", name="Restore").click()
    expect(page.get_by_role("status")).to_contain_text("out of the deletion queue")
    expect(page.locator(f"#queued-{queued}")).to_have_count(0)
    assert _retention(live_server, stack, standards, queued)["state"] == "kept"

    # Holds: an officer in a time window, previewed, placed, then released.
    page.get_by_role("link", name="Holds", exact=True).click()
    expect(page.get_by_label("Item ids (for items)")).to_have_value("")
    page.get_by_label("Type", exact=True).select_option("complaint")
    reference = factories.unique("CO/2026/")
    page.get_by_label("Reference", exact=True).fill(reference)
    page.get_by_label("Reason", exact=True).fill("Complaint about the stop on the high street")
    page.get_by_label("An officer's footage in a time window").check()
    page.get_by_label("Officer's warrant number (for an officer)").fill(officer.warrant_number)
    recorded = now() - timedelta(days=2)
    page.get_by_label("From (London time; officer or area)").fill(
        _minute(recorded - timedelta(hours=1))
    )
    page.get_by_label("To (London time)").fill(_minute(recorded + timedelta(hours=1)))
    page.get_by_role("button", name="Preview what it would hold").click()
    preview = page.locator("#hold-preview")
    expect(preview.get_by_role("heading")).to_have_text("This would hold 1 item now")
    expect(preview).to_contain_text(str(recent))
    screenshot(page, "retention-holds")
    preview.get_by_role("button", name="Place the hold").click()
    expect(page.get_by_role("status")).to_contain_text("The hold is placed")
    placed = page.locator("#holds tr", has_text=reference)
    expect(placed).to_contain_text(f"officer {officer.warrant_number}")
    assert _retention(live_server, stack, standards, recent)["state"] == "held"
    placed.get_by_label("Reason for releasing").fill("Complaint withdrawn in writing")
    placed.get_by_role("button", name="Release").click()
    expect(page.get_by_role("status")).to_contain_text("The hold is released")
    expect(page.locator("#holds tr", has_text=reference)).to_have_count(0)
    assert _retention(live_server, stack, standards, recent)["state"] == "kept"

    # A MoPI review: keep it, with the next review date.
    page.get_by_role("link", name="MoPI reviews").click()
    due = page.locator(f"#review-{review}")
    due.get_by_label("Keep until the next review").check()
    next_review = (now() + timedelta(days=400)).astimezone(LONDON).date().isoformat()
    due.get_by_label("Next review (when keeping)").fill(next_review)
    due.get_by_label("Reason").fill("Linked intelligence still current")
    screenshot(page, "retention-reviews")
    due.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("status")).to_contain_text("review decision is recorded")
    expect(page.locator(f"#review-{review}")).to_have_count(0)
    assert _retention(live_server, stack, standards, review)["state"] == "kept"

    # The forecast: growth a month, and what leaves per borough.
    page.get_by_role("link", name="Forecast").click()
    expect(page.locator("#growth-30")).to_contain_text("items")
    expect(page.locator("#growth-90")).to_contain_text("items")
    expect(page.locator("#forecast-borough")).to_contain_text("Camden")
    screenshot(page, "retention-forecast")

    page.get_by_role("link", name="Policy").click()
    expect(page.locator("#rule-non_evidential_days")).to_contain_text("Metropolitan Police")
    screenshot(page, "retention-policy")
    assert js_errors(page) == []
