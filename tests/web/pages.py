"""Helpers for the page tests of the dashboard, administration, uploads and security: users who
sign in, and plain HTTP clients holding a signed-in browser's cookies."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
from playwright.sync_api import Page

from tests.support.stack import Stack
from tests.web.conftest import sign_in

PASSWORD = "a long test password"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def person(stack: Stack, *roles: str, borough: str | None = "E09000033", **kwargs: Any) -> Any:
    """A new user who can sign in with PASSWORD."""
    username = f"p{uuid.uuid4().hex[:10]}"
    return stack.user(*roles, borough=borough, username=username, password=PASSWORD, **kwargs)


def signed_in(page: Page, stack: Stack, *roles: str, next_path: str = "/", **kwargs: Any) -> Any:
    user = person(stack, *roles, **kwargs)
    sign_in(page, user.username, PASSWORD, next_path)
    return user


def browser_client(live_server: str, username: str) -> tuple[httpx.Client, str]:
    """An HTTP client signed in through the sign-in form, as a browser is; with the session's
    CSRF token (as pages embed it)."""
    client = httpx.Client(base_url=live_server, timeout=30, headers={"Accept": "text/html"})
    form = client.get("/sign-in")
    token = CSRF_FIELD.search(form.text)
    assert token is not None
    response = client.post(
        "/sign-in",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
    )
    assert response.status_code == 303, response.text
    csrf = client.cookies.get("bwv_csrf")
    assert csrf, "signed in, the browser holds the session's CSRF token"
    return client, csrf


def js_errors(page: Page) -> list[str]:
    return list(page.js_errors)  # type: ignore[attr-defined]
