"""Sign-in: Argon2id passwords, TOTP, sessions in cookies, CSRF, fixation, lockout, spraying."""

from __future__ import annotations

import random
import uuid

import httpx
import pyotp
from sqlalchemy import select

from tests.support.stack import Stack

PASSWORD = "correct horse battery staple"


def _user(stack: Stack, *roles: str) -> object:
    return stack.user(
        *roles or ("officer",),
        borough="E09000033",
        password=PASSWORD,
        username=f"u{uuid.uuid4().hex[:10]}",
    )


def _login(client: httpx.Client, username: str, password: str = PASSWORD) -> httpx.Response:
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def test_password_is_stored_as_argon2id(stack: Stack) -> None:
    from openbwv.access.models import User
    from openbwv.db.session import unit_of_work

    user = _user(stack)
    with unit_of_work() as session:
        stored = session.get(User, user.id).password_hash  # type: ignore[attr-defined,union-attr]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_sign_in_sets_a_httponly_strict_session_cookie(live_server: str, stack: Stack) -> None:
    user = _user(stack)
    with httpx.Client(base_url=live_server) as client:
        response = _login(client, user.username)  # type: ignore[attr-defined]
        assert response.status_code == 200
        cookie = response.headers.get_list("set-cookie")
        session_cookie = next(c for c in cookie if c.startswith("bwv_session="))
        assert "HttpOnly" in session_cookie and "SameSite=strict" in session_cookie
        me = client.get("/api/v1/auth/me").json()
        assert me["name"] == user.username and me["roles"] == ["officer"]  # type: ignore[attr-defined]


def test_wrong_password_and_unknown_user_look_the_same(live_server: str, stack: Stack) -> None:
    user = _user(stack)
    with httpx.Client(base_url=live_server) as client:
        wrong = _login(client, user.username, "not the password")  # type: ignore[attr-defined]
        unknown = _login(client, f"nobody{uuid.uuid4().hex[:6]}", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]


def test_changes_from_a_browser_need_the_csrf_token(live_server: str, stack: Stack) -> None:
    user = _user(stack, "supervisor")
    with httpx.Client(base_url=live_server) as client:
        csrf = _login(client, user.username).json()["csrf_token"]  # type: ignore[attr-defined]
        body = {"crime_reference": f"CR{uuid.uuid4().hex[:10]}", "title": "Theft"}
        forged = client.post("/api/v1/cases", json=body)
        assert forged.status_code == 403 and "CSRF" in forged.json()["title"]
        wrong = client.post("/api/v1/cases", json=body, headers={"X-CSRF-Token": "guess"})
        assert wrong.status_code == 403
        honest = client.post("/api/v1/cases", json=body, headers={"X-CSRF-Token": csrf})
        assert honest.status_code == 201
        assert client.get("/api/v1/cases").status_code == 200  # reads need no token


def test_session_fixation_a_planted_session_id_is_worthless(live_server: str, stack: Stack) -> None:
    user = _user(stack)
    planted = "attacker-chosen-session-id-0123456789abcdef"
    with httpx.Client(base_url=live_server, cookies={"bwv_session": planted}) as client:
        assert client.get("/api/v1/auth/me").status_code == 401
        response = _login(client, user.username)  # type: ignore[attr-defined]
        issued = response.cookies.get("bwv_session")
        assert issued and issued != planted
    with httpx.Client(base_url=live_server, cookies={"bwv_session": planted}) as attacker:
        assert attacker.get("/api/v1/auth/me").status_code == 401


def test_sign_out_ends_the_session(live_server: str, stack: Stack) -> None:
    user = _user(stack)
    with httpx.Client(base_url=live_server) as client:
        csrf = _login(client, user.username).json()["csrf_token"]  # type: ignore[attr-defined]
        stolen = client.cookies.get("bwv_session")
        assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    with httpx.Client(base_url=live_server, cookies={"bwv_session": stolen or ""}) as replay:
        assert replay.get("/api/v1/auth/me").status_code == 401


def test_totp_second_factor_and_replay(live_server: str, stack: Stack) -> None:
    user = _user(stack)
    with httpx.Client(base_url=live_server) as client:
        csrf = _login(client, user.username).json()["csrf_token"]  # type: ignore[attr-defined]
        secret = client.post("/api/v1/auth/totp/enrol", headers={"X-CSRF-Token": csrf}).json()
        totp = pyotp.TOTP(secret["secret"])
        assert secret["otpauth_uri"].startswith("otpauth://totp/")
        confirm = client.post(
            "/api/v1/auth/totp/confirm", json={"code": totp.now()}, headers={"X-CSRF-Token": csrf}
        )
        assert confirm.status_code == 200
    with httpx.Client(base_url=live_server) as client:
        first = _login(client, user.username).json()  # type: ignore[attr-defined]
        assert first["second_factor_required"] is True
        assert client.get("/api/v1/auth/me").status_code == 401  # half signed-in is not in
        assert client.post("/api/v1/auth/totp", json={"code": "000000"}).status_code == 401
    with httpx.Client(base_url=live_server) as client:
        _login(client, user.username)  # type: ignore[attr-defined]
        # the enrolment code's time step was used: only a later step is accepted
        now_code = totp.at(int(__import__("time").time()) + 30)
        done = client.post("/api/v1/auth/totp", json={"code": now_code})
        assert done.status_code == 200 and done.json()["second_factor_required"] is False
        assert client.get("/api/v1/auth/me").status_code == 200
    with httpx.Client(base_url=live_server) as client:
        _login(client, user.username)  # type: ignore[attr-defined]
        replay = client.post("/api/v1/auth/totp", json={"code": now_code})
        assert replay.status_code == 401  # a used code does not work twice


def test_lockout_after_repeated_failures(live_server: str, stack: Stack) -> None:
    from openbwv.audit.models import AuditEvent
    from openbwv.db.session import unit_of_work

    user = _user(stack)
    with httpx.Client(base_url=live_server) as client:
        for _ in range(5):
            assert _login(client, user.username, "wrong password!!").status_code == 401  # type: ignore[attr-defined]
        locked = _login(client, user.username)  # type: ignore[attr-defined]
        assert locked.status_code == 401  # even the right password, while locked
    with unit_of_work() as session:
        failures = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "auth.login",
                AuditEvent.actor_id == user.id,  # type: ignore[attr-defined]
                AuditEvent.result == "failure",
            )
        )
        reasons = [event.details["why"] for event in failures]
    assert reasons.count("bad credentials") == 5 and "locked" in reasons


def test_password_spraying_from_one_address_is_throttled(live_server: str, stack: Stack) -> None:
    victim = _user(stack)
    # A fresh loopback source address (127.0.0.0/8), so no other test shares its window.
    address = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"
    transport = httpx.HTTPTransport(local_address=address)
    with httpx.Client(base_url=live_server, transport=transport) as client:
        for index in range(20):
            assert (
                _login(client, f"sprayed{index}{uuid.uuid4().hex[:4]}", "Summer2026!").status_code
                == 401
            )
        refused = _login(client, victim.username)  # type: ignore[attr-defined]
        assert refused.status_code == 429


def test_a_disabled_user_is_out_at_once(live_server: str, stack: Stack) -> None:
    from openbwv.access.admin.queries import find_user
    from openbwv.access.admin.service import disable_user
    from openbwv.db.session import unit_of_work

    user = _user(stack)
    token = stack.user_token(user)
    with httpx.Client(base_url=live_server) as client:
        _login(client, user.username)  # type: ignore[attr-defined]
        assert client.get("/api/v1/auth/me").status_code == 200
        with unit_of_work() as session:
            disable_user(session, find_user(session, user.username))  # type: ignore[attr-defined]
        assert client.get("/api/v1/auth/me").status_code == 401
    with httpx.Client(base_url=live_server, headers={"Authorization": f"Bearer {token}"}) as api:
        me = api.get("/api/v1/auth/me").json()
        assert me["permissions"] == []  # its tokens can do nothing any more
