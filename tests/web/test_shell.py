"""The shell every page shares: sign-in, strict CSP, security headers, errors as pages."""

from __future__ import annotations

import re
import uuid

import httpx
from playwright.sync_api import Page, expect

from tests.support.stack import Stack
from tests.web.conftest import screenshot, sign_in

PASSWORD = "a long demo password"


def test_sign_in_page_and_security_headers(live_server: str) -> None:
    response = httpx.get(f"{live_server}/sign-in")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in response.text  # no inline scripts at all


def test_pages_need_sign_in_and_come_back(page: Page, stack: Stack) -> None:
    username = f"web{uuid.uuid4().hex[:8]}"
    stack.user("officer", borough="E09000033", username=username, password=PASSWORD)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/$"))
    screenshot(page, "sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("wrong password!!")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("wrong")
    sign_in(page, username, PASSWORD)
    me = page.request.get("/api/v1/auth/me").json()
    assert me["name"] == username
    assert page.js_errors == []  # type: ignore[attr-defined]


def test_unknown_pages_are_html_errors(page: Page, stack: Stack) -> None:
    username = f"web{uuid.uuid4().hex[:8]}"
    stack.user("officer", borough="E09000033", username=username, password=PASSWORD)
    sign_in(page, username, PASSWORD)
    response = page.goto("/no-such-page")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not Found")
