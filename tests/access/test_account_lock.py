"""Locked accounts and temporary passwords through the API and the CLI: the lock is shown with its
end, an administrator unlocks it or sets a temporary password (each audited, the password never
recorded), non-administrators are refused, and a temporary password cannot sign in to the API
until it is changed in a browser."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pyotp
from sqlalchemy import select
from typer.testing import CliRunner

from openbwv.access.models import User
from openbwv.access.signin.passwords import verify_password
from openbwv.audit.models import AuditEvent
from openbwv.composition import cli
from openbwv.config import get_settings
from openbwv.db.session import unit_of_work
from tests.support.stack import Stack

PASSWORD = "correct horse battery staple"
TEMPORARY = "a temporary password 1"
LONDON = ZoneInfo("Europe/London")


def _user(stack: Stack, *roles: str) -> Any:
    return stack.user(
        *roles or ("officer",),
        borough="E09000033",
        password=PASSWORD,
        username=f"lk{uuid.uuid4().hex[:10]}",
    )


def _fresh_address() -> httpx.HTTPTransport:
    """A loopback source address of its own, so no other test's failures share its window."""
    address = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"
    return httpx.HTTPTransport(local_address=address)


def _login(client: httpx.Client, username: str, password: str = PASSWORD) -> httpx.Response:
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def lock(live_server: str, username: str) -> None:
    """Lock an account the real way: as many wrong passwords as the settings allow."""
    with httpx.Client(base_url=live_server, transport=_fresh_address()) as client:
        for _ in range(get_settings().login_max_failures):
            assert _login(client, username, "wrong password!!").status_code == 401


def _admin(live_server: str, stack: Stack, role: str = "administrator") -> httpx.Client:
    token = stack.user_token(stack.user(role, borough="E09000033"))
    return httpx.Client(base_url=live_server, headers={"Authorization": f"Bearer {token}"})


def _stored(username: str) -> User:
    with unit_of_work() as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        session.expunge(user)
        return user


def _events(action: str, target_id: str) -> list[AuditEvent]:
    with unit_of_work() as session:
        query = select(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.target_id == target_id
        )
        rows = list(session.scalars(query.order_by(AuditEvent.id)))
        for row in rows:
            session.expunge(row)
        return rows


def test_the_api_shows_a_lock_and_an_administrator_unlocks_it(
    live_server: str, stack: Stack
) -> None:
    user = _user(stack)
    with _admin(live_server, stack) as admin:
        assert admin.get(f"/api/v1/admin/users/{user.username}").json()["locked_until"] is None
        lock(live_server, user.username)
        shown = admin.get(f"/api/v1/admin/users/{user.id}").json()
        until = datetime.fromisoformat(shown["locked_until"])
        minutes = get_settings().lockout_minutes
        left = until - datetime.now(UTC)
        assert timedelta(minutes=minutes - 1) < left <= timedelta(minutes=minutes)

        unlocked = admin.post(f"/api/v1/admin/users/{user.username}/unlock")
        assert unlocked.status_code == 200, unlocked.text
        assert unlocked.json()["locked_until"] is None
    stored = _stored(user.username)
    assert stored.locked_until is None and stored.failed_logins == 0
    [event] = _events("user.unlock", str(user.id))
    assert event.result == "success" and event.details["was_locked_until"] is not None
    with httpx.Client(base_url=live_server, transport=_fresh_address()) as client:
        assert _login(client, user.username).status_code == 200  # in again at once


def test_unlock_takes_an_id_too(live_server: str, stack: Stack) -> None:
    user = _user(stack)
    lock(live_server, user.username)
    with _admin(live_server, stack) as admin:
        assert admin.post(f"/api/v1/admin/users/{user.id}/unlock").status_code == 200
    assert _stored(user.username).locked_until is None


def test_the_lock_message_says_how_long_and_until_when(live_server: str, stack: Stack) -> None:
    user = _user(stack)
    settings = get_settings()
    with httpx.Client(base_url=live_server, transport=_fresh_address()) as client:
        wrong = _login(client, user.username, "wrong password!!")
        # A wrong password never says whether the account exists, but says how long a lock lasts.
        assert f"locked for {settings.lockout_minutes} minutes" in wrong.json()["detail"]
        for _ in range(settings.login_max_failures - 1):
            _login(client, user.username, "wrong password!!")
        locked = _login(client, user.username)
    assert locked.status_code == 401
    detail = locked.json()["detail"]
    ends = _stored(user.username).locked_until
    assert ends is not None
    assert f"locked for {settings.lockout_minutes} minutes" in detail
    assert f"ends at {ends.astimezone(LONDON):%H:%M} London time" in detail


def test_a_temporary_password_is_set_hashed_and_audited_without_the_password(
    live_server: str, stack: Stack
) -> None:
    user = _user(stack)
    with _admin(live_server, stack) as admin:
        short = admin.post(f"/api/v1/admin/users/{user.username}/password", json={"password": "x"})
        assert short.status_code == 422
        made = admin.post(
            f"/api/v1/admin/users/{user.username}/password", json={"password": TEMPORARY}
        )
    assert made.status_code == 200, made.text
    assert made.json()["must_change_password"] is True
    stored = _stored(user.username)
    assert stored.must_change_password
    assert stored.password_hash and stored.password_hash.startswith("$argon2id$")
    assert verify_password(stored.password_hash, TEMPORARY)
    [event] = _events("user.password.reset", str(user.id))
    assert event.details["temporary"] is True and event.details["sessions_ended"] == 0
    assert TEMPORARY not in str(event.details) and TEMPORARY not in str(event.reason)

    with httpx.Client(base_url=live_server, transport=_fresh_address()) as client:
        assert _login(client, user.username).status_code == 401  # the old one is gone
        refused = _login(client, user.username, TEMPORARY)
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["title"] == "Password change required"
        assert "bwv_session" not in client.cookies  # no session for the API
        assert client.get("/api/v1/auth/me").status_code == 401


def test_a_permanent_password_needs_no_change(live_server: str, stack: Stack) -> None:
    user = _user(stack)
    with _admin(live_server, stack) as admin:
        made = admin.post(
            f"/api/v1/admin/users/{user.username}/password",
            json={"password": TEMPORARY, "temporary": False},
        )
    assert made.status_code == 200 and made.json()["must_change_password"] is False
    with httpx.Client(base_url=live_server, transport=_fresh_address()) as client:
        assert _login(client, user.username, TEMPORARY).status_code == 200


def test_non_administrators_may_neither_unlock_nor_set_passwords(
    live_server: str, stack: Stack
) -> None:
    user = _user(stack)
    lock(live_server, user.username)
    for role in ("officer", "supervisor", "auditor"):
        with _admin(live_server, stack, role) as client:
            unlock = client.post(f"/api/v1/admin/users/{user.username}/unlock")
            reset = client.post(
                f"/api/v1/admin/users/{user.username}/password", json={"password": TEMPORARY}
            )
            assert (unlock.status_code, reset.status_code) == (403, 403), role
    stored = _stored(user.username)
    assert stored.locked_until is not None and not stored.must_change_password
    assert _events("user.unlock", str(user.id)) == []
    assert _events("user.password.reset", str(user.id)) == []


def _bwv(stack: Stack, *args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(cli(), list(args), env=stack.env, input=input)


def test_cli_unlock_and_set_password(live_server: str, stack: Stack) -> None:
    user = _user(stack)
    lock(live_server, user.username)
    unlocked = _bwv(stack, "user", "unlock", user.username)
    assert unlocked.exit_code == 0, unlocked.output
    assert _stored(user.username).locked_until is None
    [event] = _events("user.unlock", str(user.id))
    assert event.actor_name.startswith("cli:")

    missing = _bwv(stack, "user", "unlock", f"nobody{uuid.uuid4().hex[:6]}")
    assert missing.exit_code == 1 and "no user" in missing.output

    weak = _bwv(stack, "user", "set-password", user.username, input="short\nshort\n")
    assert weak.exit_code == 2 and "at least 12 characters" in weak.output
    made = _bwv(
        stack, "user", "set-password", user.username, "--temporary", input=f"{TEMPORARY}\n" * 2
    )
    assert made.exit_code == 0, made.output
    assert TEMPORARY not in made.output
    stored = _stored(user.username)
    assert stored.must_change_password and verify_password(stored.password_hash, TEMPORARY)
    [reset] = _events("user.password.reset", str(user.id))
    assert reset.details["temporary"] is True and TEMPORARY not in str(reset.details)


def test_a_temporary_password_after_a_second_factor_is_refused_by_the_api_too(
    live_server: str, stack: Stack
) -> None:
    user = _user(stack)
    secret = pyotp.random_base32()
    with unit_of_work() as session:
        stored = session.get(User, user.id)
        assert stored is not None
        stored.totp_secret, stored.totp_enabled = secret, True
    with _admin(live_server, stack) as admin:
        made = admin.post(
            f"/api/v1/admin/users/{user.username}/password", json={"password": TEMPORARY}
        )
        assert made.status_code == 200, made.text
    with httpx.Client(base_url=live_server, transport=_fresh_address()) as client:
        first = _login(client, user.username, TEMPORARY)
        assert first.status_code == 200 and first.json()["second_factor_required"] is True
        second = client.post("/api/v1/auth/totp", json={"code": pyotp.TOTP(secret).now()})
        assert second.status_code == 403, second.text
        assert second.json()["title"] == "Password change required"
        assert client.get("/api/v1/auth/me").status_code == 401  # the half-way session ended
    assert _stored(user.username).must_change_password
