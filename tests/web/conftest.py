"""Browser tests: Playwright driving Debian's Chromium (never a downloaded browser), headless,
against the real server. Screenshots of each main page are kept in test-artifacts/screenshots/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

CHROMIUM = os.environ.get("BWV_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
# One margin for every wait: actions (the context's default below) and assertions alike. The
# assertions' own default, 5 s, is less than a page's first load takes when the suite's other
# process keeps both cores busy (the API browser's title missed it once under CI's load).
WAIT_MS = 20_000
expect.set_options(timeout=WAIT_MS)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test that drives Chromium is marked `browser` (`make test-fast` leaves them out).

    Browser tests run on the embedded deployment only, unless BWV_TEST_BROWSER_SCALED=1: a page
    is the same code on both, and what differs between deployments (the database, the store,
    the broker) is exercised on both by the API and page tests over HTTP, which cost a fraction
    of a browser's time (docs/decisions.md)."""
    scaled_too = os.environ.get("BWV_TEST_BROWSER_SCALED") == "1"
    kept, deselected = [], []
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
            callspec = getattr(item, "callspec", None)
            if not scaled_too and callspec and callspec.params.get("stack") == "scaled":
                deselected.append(item)
                continue
        kept.append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        raise RuntimeError(
            f"{CHROMIUM} is missing: run `make test` (it installs Debian's chromium)"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Browser, live_server: str) -> Iterator[BrowserContext]:
    made = browser.new_context(
        base_url=live_server,
        locale="en-GB",
        timezone_id="Europe/London",
        viewport={"width": 1366, "height": 900},
    )
    made.set_default_timeout(WAIT_MS)
    yield made
    made.close()


def watch_page_errors(page: Page) -> list[str]:
    """The page's script errors and security (CSP) console errors, collected from now on; the
    same list on a second call, so a page is watched once."""
    errors: list[str] | None = getattr(page, "js_errors", None)
    if errors is not None:
        return errors
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Security" in message.text
            else None
        ),
    )
    page.js_errors = errors  # type: ignore[attr-defined]
    return errors


@pytest.fixture
def page(context: BrowserContext) -> Page:
    opened = context.new_page()
    watch_page_errors(opened)
    return opened


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    return target


def sign_in(page: Page, username: str, password: str, next_path: str = "/") -> None:
    page.goto(f"/sign-in?next={next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
