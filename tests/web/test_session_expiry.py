"""An expired session never drops work silently (issue 9, item 10): a form posted after the
session ended sends the browser to sign in, saying why, and back to the page it was on (never the
POST URL), with what was typed restored into the same form and a note, but not submitted: the
person submits again, with the new session's CSRF token, and that change is audited."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.support.stack import Stack
from tests.web.conftest import sign_in
from tests.web.evidence_world import audit_actions, make_item, person

EXPIRED = "Your session expired: sign in again to continue"
KEPT = "We kept what you typed; check it and submit again"
RECORDED = datetime(2026, 6, 3, 9, 30, tzinfo=UTC)


def expire_sessions(user: Any) -> None:
    """End every browser session of the user server-side, as the session lifetime does."""
    from sqlalchemy import update

    from openbwv.access.models import WebSession
    from openbwv.db.session import unit_of_work
    from openbwv.timeutil import utcnow

    with unit_of_work() as session:
        ended = session.execute(
            update(WebSession)
            .where(WebSession.user_id == user.id)
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
        assert ended.rowcount >= 1  # type: ignore[attr-defined]


def sign_in_here(page: Page, who: Any) -> None:
    """Sign in on the sign-in page the browser was sent to (keeping its `next`)."""
    page.get_by_label("Username").fill(who.username)
    page.get_by_label("Password").fill(who.password)
    page.get_by_role("button", name="Sign in").click()


def test_an_htmx_form_posted_after_expiry_is_kept_and_submitted_again(
    page: Page, stack: Stack
) -> None:
    officer = person(stack, "officer")
    item = make_item(officer.user, RECORDED, title=f"Expiry {uuid.uuid4().hex[:6]}")
    sign_in(page, officer.username, officer.password, f"/evidence/{item}")
    expect(page).to_have_url(re.compile(rf"/evidence/{item}$"))
    categories = page.locator("#categories")
    expect(categories.locator(".current-categories")).to_have_text("Uncategorised")

    expire_sessions(officer.user)
    categories.get_by_label("Public order").check()
    categories.get_by_role("button", name="Save categories").click()

    # The sign-in page says why, and will return to the item page, not the POST URL.
    expect(page).to_have_url(re.compile(r"/sign-in\?"))
    expect(page.get_by_role("status").filter(has_text="Your session")).to_have_text(EXPIRED)
    assert page.locator('input[name="next"]').input_value() == f"/evidence/{item}"
    assert "evidence.categorise" not in [a for a, _ in audit_actions(item)]

    sign_in_here(page, officer)
    expect(page).to_have_url(re.compile(rf"/evidence/{item}$"))
    categories = page.locator("#categories")
    expect(categories.get_by_text(KEPT)).to_be_visible()
    expect(categories.get_by_label("Public order")).to_be_checked()
    # Restored, not submitted: the item is as it was, and nothing was audited.
    expect(categories.locator(".current-categories")).to_have_text("Uncategorised")
    assert "evidence.categorise" not in [a for a, _ in audit_actions(item)]

    categories.get_by_role("button", name="Save categories").click()
    expect(page.locator("#categories [role=status]").last).to_have_text("Categories saved")
    expect(page.locator("#categories .current-categories")).to_have_text("Public order")
    actions = [a for a, _ in audit_actions(item, officer.user)]
    assert actions.count("evidence.categorise") == 1
    # Kept once: a reload shows the saved state and no note.
    page.reload()
    expect(page.locator("#categories .current-categories")).to_have_text("Public order")
    expect(page.get_by_text(KEPT)).to_have_count(0)
    assert page.js_errors == [], page.js_errors  # type: ignore[attr-defined]


def test_a_plain_form_posted_after_expiry_is_kept_and_submitted_again(
    page: Page, stack: Stack
) -> None:
    lead = person(stack, "investigator")
    reference = f"CR/{uuid.uuid4().hex[:8]}"
    sign_in(page, lead.username, lead.password, "/cases")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cases")
    page.get_by_label("Crime reference number").fill(reference)
    page.get_by_label("Title").fill("Robbery at the kiosk")

    expire_sessions(lead.user)
    page.get_by_role("button", name="Create case").click()
    expect(page).to_have_url(re.compile(r"/sign-in\?"))
    expect(page.get_by_text(EXPIRED)).to_be_visible()
    assert page.locator('input[name="next"]').input_value() == "/cases"

    sign_in_here(page, lead)
    expect(page).to_have_url(re.compile(r"/cases$"))
    expect(page.get_by_text(KEPT)).to_be_visible()
    expect(page.get_by_label("Crime reference number")).to_have_value(reference)
    expect(page.get_by_label("Title")).to_have_value("Robbery at the kiosk")
    assert reference not in page.locator("main").inner_text()  # no case yet: not re-submitted
    assert "case.create" not in [a for a, _ in audit_actions(actor=lead.user)]

    page.get_by_role("button", name="Create case").click()
    expect(page).to_have_url(re.compile(r"/cases/[0-9a-f-]{36}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    assert [a for a, _ in audit_actions(actor=lead.user)].count("case.create") == 1
    assert page.js_errors == [], page.js_errors  # type: ignore[attr-defined]


def test_a_page_opened_after_expiry_says_so_and_a_new_visitor_is_not_told(
    page: Page, stack: Stack, browser: Any, live_server: str
) -> None:
    officer = person(stack, "officer")
    item = make_item(officer.user, RECORDED)
    # Never signed in: sent to sign in, back to the page, and not told of any expiry.
    page.goto(f"/evidence/{item}")
    expect(page).to_have_url(re.compile(r"/sign-in\?"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_text("expired")).to_have_count(0)
    assert page.locator('input[name="next"]').input_value() == f"/evidence/{item}"

    sign_in_here(page, officer)
    expect(page).to_have_url(re.compile(rf"/evidence/{item}$"))
    expire_sessions(officer.user)
    page.goto("/footage")
    expect(page.get_by_text(EXPIRED)).to_be_visible()
    assert page.locator('input[name="next"]').input_value() == "/footage"
    # A wrong password keeps saying why they are here.
    page.get_by_label("Username").fill(officer.username)
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_text(EXPIRED)).to_be_visible()
    sign_in_here(page, officer)
    expect(page).to_have_url(re.compile(r"/footage$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My footage")
    assert page.js_errors == [], page.js_errors  # type: ignore[attr-defined]


def test_the_redirect_names_the_form_page_never_the_post_url(
    live_server: str, stack: Stack
) -> None:
    officer = person(stack, "officer")
    item = make_item(officer.user, RECORDED)
    post = f"/evidence/{item}/categories"
    stale = {"bwv_session": "a-session-that-ended-long-ago"}
    with httpx.Client(base_url=live_server, timeout=30) as client:
        cases = [
            ({}, {}, f"/sign-in?next=/evidence/{item}"),  # never signed in: no expiry flag
            (stale, {}, f"/sign-in?next=/evidence/{item}&expired=1"),
            (stale, {"Referer": f"{live_server}/footage?x=1"}, "/sign-in?next=/footage%3Fx%3D1"),
            # Another site's Referer, or the POST URL itself (405 to a GET): the form's page.
            (
                stale,
                {"Referer": f"https://elsewhere.example{post}"},
                f"/sign-in?next=/evidence/{item}",
            ),
            (stale, {"Referer": f"{live_server}{post}"}, f"/sign-in?next=/evidence/{item}"),
        ]
        for cookies, headers, location in cases:
            client.cookies.clear()
            for name, value in cookies.items():
                client.cookies.set(name, value)
            answer = client.post(post, data={"categories": "arrest"}, headers=headers)
            assert answer.status_code == 303, (headers, answer.text)
            assert answer.headers["location"].startswith(location), headers
            assert ("expired=1" in answer.headers["location"]) == bool(cookies), headers
        # htmx: the page htmx says it is on, with HX-Redirect.
        client.cookies.set("bwv_session", stale["bwv_session"])
        answer = client.post(
            post,
            data={"categories": "arrest"},
            headers={"HX-Request": "true", "HX-Current-URL": f"{live_server}/evidence/{item}"},
        )
        assert answer.status_code == 204
        assert answer.headers["hx-redirect"] == f"/sign-in?next=/evidence/{item}&expired=1"
        # The flag says only "expired"; nothing from the URL reaches the page as text.
        shown = client.get("/sign-in", params={"next": "/", "expired": "<b>owned</b>"})
        assert shown.status_code == 422 or "<b>owned</b>" not in shown.text
    assert "evidence.categorise" not in [a for a, _ in audit_actions(item)]
