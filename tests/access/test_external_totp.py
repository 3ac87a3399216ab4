"""External accounts (CPS, defence) must have a second factor: signing in without one leads to
enrolment before anything else, in pages and API alike."""

from __future__ import annotations

import re
import uuid

import httpx
import pyotp

from tests.support.stack import Stack

PASSWORD = "a long external password"


def _sign_in(client: httpx.Client, username: str) -> httpx.Response:
    client.get("/sign-in")  # the login CSRF cookie
    return client.post(
        "/sign-in",
        data={
            "username": username,
            "password": PASSWORD,
            "csrf_token": client.cookies.get("bwv_login_csrf", ""),
            "next": "/shared",
        },
    )


def test_an_external_user_enrols_a_second_factor_before_anything_else(
    live_server: str, stack: Stack
) -> None:
    user = stack.user(
        "external", kind="external", username=f"x{uuid.uuid4().hex[:8]}", password=PASSWORD
    )
    with httpx.Client(base_url=live_server, timeout=30) as browser:
        signed = _sign_in(browser, user.username)
        assert signed.status_code == 303
        assert signed.headers["location"].startswith("/sign-in/enrol-second-factor")
        # Nothing else until enrolled: pages go back to enrolment, the API refuses.
        page = browser.get("/shared")
        assert (
            page.status_code == 303 and "/sign-in/enrol-second-factor" in page.headers["location"]
        )
        assert browser.get("/api/v1/shares").status_code == 403
        form = browser.get("/sign-in/enrol-second-factor")
        secret = re.search(r'id="totp-secret" readonly value="([A-Z2-7]+)"', form.text)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert secret and csrf
        wrong = browser.post(
            "/sign-in/enrol-second-factor", data={"code": "000000", "csrf_token": csrf[1]}
        )
        assert wrong.status_code == 400
        done = browser.post(
            "/sign-in/enrol-second-factor",
            data={"code": pyotp.TOTP(secret[1]).now(), "csrf_token": csrf[1], "next": "/shared"},
        )
        assert done.status_code == 303 and done.headers["location"] == "/shared"
        assert browser.get("/api/v1/shares").status_code == 200
        # No internal pages: the case list and item pages lead to what is shared.
        assert browser.get("/cases").headers["location"] == "/shared"
        item = str(uuid.uuid4())
        assert browser.get(f"/evidence/{item}").headers["location"] == f"/shared/items/{item}"
        assert browser.get(f"/shared/items/{item}").status_code == 404
    # From now on the password alone is not enough: the second factor is asked for.
    with httpx.Client(base_url=live_server, timeout=30) as later:
        again = _sign_in(later, user.username)
        assert again.headers["location"].startswith("/sign-in/second-factor")
        api = later.post(
            "/api/v1/auth/login", json={"username": user.username, "password": PASSWORD}
        )
        assert api.json()["second_factor_required"] is True
