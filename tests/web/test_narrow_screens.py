"""Every page fits a phone and a desktop without scrolling sideways (issue 9, item 15: at 390 px
the evidence page was 1,077 px wide with the player cut off, and /cases 689 px)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from tests.support import factories
from tests.support.stack import Stack
from tests.web.conftest import sign_in, watch_page_errors
from tests.web.evidence_world import PASSWORD

WIDTHS = (360, 390, 1280, 1920)


def _overflow(page: Page) -> list[str]:
    """The widest elements that stick out past the viewport, for a useful failure message."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          const wide = [];
          for (const element of document.querySelectorAll("body *")) {
            const box = element.getBoundingClientRect();
            if (box.right > width + 1 && box.width > 0) {
              const name = `${element.tagName.toLowerCase()}.${element.className}`;
              wide.push(`${name}: ${Math.round(box.right)}`);
            }
          }
          return wide.slice(0, 8);
        }"""
    )


def _fits(page: Page, path: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    response = page.goto(path)
    assert response is not None and response.status == 200, (path, response and response.status)
    assert urlsplit(page.url).path == urlsplit(path).path, f"{path} led to {page.url}"
    page.wait_for_load_state("networkidle")
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{path} at {width} px is {scroll} px wide: {_overflow(page)}"


@pytest.fixture(scope="module")
def world(stack: Stack) -> dict[str, object]:
    team = factories.unique("Narrow")
    investigator = stack.user("investigator", borough="E09000022", team=team, password=PASSWORD)
    when = datetime(2026, 5, 6, 9, 30, tzinfo=UTC)
    items = [
        factories.item(
            investigator,
            stored=True,
            title=factories.unique("A rather long title for a narrow screen"),
            occurred=when,
            camera=factories.unique("AXB-"),
        )
        for _ in range(2)
    ]
    case_id = factories.case(investigator, [(investigator, "oic")], items)
    return {"investigator": investigator, "items": items, "case": case_id}


@pytest.mark.parametrize("width", WIDTHS)
def test_the_investigators_pages_fit(page: Page, world: dict, width: int) -> None:
    errors = watch_page_errors(page)
    sign_in(page, world["investigator"].username, PASSWORD)
    item, case = world["items"][0], world["case"]
    for path in (
        "/footage",
        "/search",
        f"/evidence/{item}",
        "/cases",
        f"/cases/{case}",
        f"/cases/{case}/timeline",
    ):
        _fits(page, path, width)
    assert errors == []


ROLE_PAGES = {
    "officer": ("/footage", "/upload"),
    "supervisor": ("/team", "/fleet"),
    "fleet_manager": ("/fleet", "/fleet/import"),
    "administrator": (
        "/admin",
        "/admin/users",
        "/admin/users/new",
        "/admin/roles",
        "/admin/roles/new",
        "/admin/categories",
        "/admin/categories/new",
        "/admin/tokens",
        "/admin/axis",
        "/retention/policy",
    ),
    "auditor": ("/audit", "/audit/checkpoint"),
    "professional_standards": (
        "/retention/queue",
        "/retention/holds",
        "/retention/reviews",
        "/retention/forecast",
    ),
}


@pytest.mark.parametrize("width", (360, 1280))
@pytest.mark.parametrize("role", sorted(ROLE_PAGES))
def test_every_roles_pages_fit(page: Page, stack: Stack, role: str, width: int) -> None:
    person = stack.user(
        role, borough="E09000022", team=factories.unique("Narrow"), password=PASSWORD
    )
    errors = watch_page_errors(page)
    sign_in(page, person.username, PASSWORD)
    for path in ROLE_PAGES[role]:
        _fits(page, path, width)
    assert errors == []
