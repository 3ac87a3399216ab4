"""Locked accounts and temporary passwords in a real browser: an administrator sees the lock with
the time left and unlocks it, sets a temporary password, and the user who signs in with it can do
nothing but choose a new one (on a phone-sized screen too); every change audited, and refused to
those who do not administer users."""

from __future__ import annotations

import random
import re
import uuid

import httpx
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from openbwv.access.models import User
from openbwv.audit.models import AuditEvent
from openbwv.config import get_settings
from openbwv.db.session import unit_of_work
from tests.support.stack import Stack
from tests.web.conftest import screenshot, sign_in, watch_page_errors
from tests.web.pages import PASSWORD, browser_client, js_errors, person, signed_in

TEMPORARY = "a temporary password 2"
CHOSEN = "my own new password 3"


def _lock(live_server: str, username: str) -> None:
    """Lock an account the real way, from a loopback address of its own (no shared window)."""
    address = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"
    transport = httpx.HTTPTransport(local_address=address)
    with httpx.Client(base_url=live_server, transport=transport) as client:
        for _ in range(get_settings().login_max_failures):
            wrong = {"username": username, "password": "wrong password!!"}
            assert client.post("/api/v1/auth/login", json=wrong).status_code == 401


def _stored(username: str) -> User:
    with unit_of_work() as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        session.expunge(user)
        return user


def _audited(action: str, actor: str, target_id: str) -> list[AuditEvent]:
    with unit_of_work() as session:
        query = select(AuditEvent).where(
            AuditEvent.action == action,
            AuditEvent.actor_name == actor,
            AuditEvent.target_id == target_id,
        )
        rows = list(session.scalars(query))
        for row in rows:
            session.expunge(row)
        return rows


def test_a_locked_account_shows_the_time_left_and_is_unlocked(
    page: Page, stack: Stack, live_server: str
) -> None:
    victim = person(stack, "officer")
    _lock(live_server, victim.username)
    minutes = get_settings().lockout_minutes
    left = re.compile(rf"Locked — ({minutes - 1}|{minutes}) minutes left")
    admin = signed_in(
        page, stack, "administrator", borough=None, next_path=f"/admin/users?q={victim.username}"
    )
    row = page.get_by_role("row").filter(has_text=victim.username)
    expect(row).to_contain_text(left)
    expect(row).to_contain_text(re.compile(r"until \d\d:\d\d London time"))
    row.get_by_role("link", name=victim.username).click()
    status = page.locator("dt:has-text('Status') + dd")
    expect(status).to_contain_text(left)
    screenshot(page, "admin-user-locked")
    page.get_by_role("button", name="Unlock user").click()
    expect(page.get_by_role("status")).to_have_text(
        "The user was unlocked: they can sign in again now."
    )
    expect(status).to_have_text("Active")
    expect(page.get_by_role("button", name="Unlock user")).to_have_count(0)
    stored = _stored(victim.username)
    assert stored.locked_until is None and stored.failed_logins == 0
    assert len(_audited("user.unlock", admin.username, str(victim.id))) == 1
    browser_client(live_server, victim.username)  # signs in again at once
    assert js_errors(page) == []


def test_a_temporary_password_must_be_changed_at_the_next_sign_in(
    page: Page, browser: Browser, stack: Stack, live_server: str
) -> None:
    victim = person(stack, "officer")
    admin = signed_in(
        page, stack, "administrator", borough=None, next_path=f"/admin/users/{victim.username}"
    )
    page.get_by_label("Temporary password").fill(TEMPORARY)
    page.get_by_role("button", name="Set temporary password").click()
    expect(page.get_by_role("status")).to_contain_text("The temporary password was set")
    [reset] = _audited("user.password.reset", admin.username, str(victim.id))
    assert reset.details["temporary"] is True and TEMPORARY not in str(reset.details)
    assert _stored(victim.username).must_change_password

    # The user, on a phone: the temporary password leads to the change page and nowhere else.
    phone = browser.new_context(
        base_url=live_server, locale="en-GB", viewport={"width": 390, "height": 844}
    )
    phone.set_default_timeout(20_000)
    try:
        user_page = phone.new_page()
        watch_page_errors(user_page)
        sign_in(user_page, victim.username, PASSWORD)  # the old password no longer works
        expect(user_page.get_by_role("alert")).to_contain_text("the username or password is wrong")
        sign_in(user_page, victim.username, TEMPORARY, next_path="/cases")
        expect(user_page).to_have_url(re.compile(r"/sign-in/change-password\?next=/cases$"))
        expect(user_page.get_by_role("heading", level=1)).to_have_text("Set a new password")
        assert user_page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
        screenshot(user_page, "change-password-phone")
        for path in ("/footage", "/admin", "/cases"):  # each sends the browser back, remembered
            user_page.goto(path)
            expect(user_page).to_have_url(re.compile(rf"/sign-in/change-password\?next={path}$"))
        missing = user_page.goto("/no/such/page")  # an error page shows no navigation, no 500
        assert missing is not None and missing.status == 404
        expect(user_page.get_by_role("navigation", name="Main")).to_have_count(0)
        user_page.goto("/sign-in/change-password?next=/cases")
        api = user_page.request.get("/api/v1/auth/me")
        assert api.status == 403 and api.json()["title"] == "Password change required"

        user_page.get_by_label("New password", exact=True).fill(CHOSEN)
        user_page.get_by_label("New password again").fill(CHOSEN + "x")
        user_page.get_by_role("button", name="Set new password").click()
        expect(user_page.get_by_role("alert")).to_have_text("the two new passwords differ")
        user_page.get_by_label("New password", exact=True).fill(TEMPORARY)
        user_page.get_by_label("New password again").fill(TEMPORARY)
        user_page.get_by_role("button", name="Set new password").click()
        expect(user_page.get_by_role("alert")).to_contain_text("not the temporary one")
        user_page.get_by_label("New password", exact=True).fill(CHOSEN)
        user_page.get_by_label("New password again").fill(CHOSEN)
        user_page.get_by_role("button", name="Set new password").click()
        expect(user_page).to_have_url(re.compile(r"/cases$"))
        expect(user_page.get_by_role("heading", level=1)).to_have_text("Cases")
        assert not _stored(victim.username).must_change_password
        assert len(_audited("auth.password_change", victim.username, str(victim.id))) == 1

        user_page.get_by_role("button", name="Sign out").click()
        sign_in(user_page, victim.username, TEMPORARY)
        expect(user_page.get_by_role("alert")).to_be_visible()  # the temporary one is spent
        sign_in(user_page, victim.username, CHOSEN, next_path="/footage")
        expect(user_page).to_have_url(re.compile(r"/footage$"))
        assert js_errors(user_page) == []
    finally:
        phone.close()


def test_only_administrators_unlock_or_set_passwords_from_pages(
    stack: Stack, live_server: str
) -> None:
    victim = person(stack, "officer")
    _lock(live_server, victim.username)
    for role in ("officer", "supervisor"):
        someone = person(stack, role)
        client, csrf = browser_client(live_server, someone.username)
        base = f"/admin/users/{victim.username}"
        unlock = client.post(f"{base}/unlock", data={"csrf_token": csrf})
        reset = client.post(
            f"{base}/password", data={"csrf_token": csrf, "temporary_password": TEMPORARY}
        )
        client.close()
        assert (unlock.status_code, reset.status_code) == (403, 403), role
    stored = _stored(victim.username)
    assert stored.locked_until is not None and not stored.must_change_password


def test_an_unknown_user_is_not_found_and_a_short_password_is_refused(
    stack: Stack, live_server: str
) -> None:
    victim = person(stack, "officer")
    admin = person(stack, "administrator", borough=None)
    client, csrf = browser_client(live_server, admin.username)
    missing = client.post(
        f"/admin/users/nobody{uuid.uuid4().hex[:6]}/unlock", data={"csrf_token": csrf}
    )
    short = client.post(
        f"/admin/users/{victim.username}/password",
        data={"csrf_token": csrf, "temporary_password": "short"},
    )
    client.close()
    assert missing.status_code == 404
    assert short.status_code == 422
    assert "Temporary password: passwords need at least 12 characters" in short.text
    assert not _stored(victim.username).must_change_password
