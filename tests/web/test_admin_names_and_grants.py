"""Administration shows boroughs by name (the GSS code only in small print), and offers, and
accepts, category grants only of restricted categories — an unrestricted one grants nothing."""

from __future__ import annotations

import uuid

import httpx
from playwright.sync_api import Page, expect
from sqlalchemy import select

from openbwv.access.models import Grant, User
from openbwv.categories.models import Category
from openbwv.db.session import unit_of_work
from tests.support.stack import Stack
from tests.web.pages import person, signed_in

CAMDEN = "E09000007"


def test_the_user_list_and_page_name_boroughs(page: Page, stack: Stack) -> None:
    signed_in(page, stack, "administrator", borough=None, next_path="/admin/users")
    camden = person(stack, "officer", borough=CAMDEN, team=f"Kentish Town {uuid.uuid4().hex[:6]}")
    page.goto(f"/admin/users?q={camden.username}")
    row = page.locator("tbody tr", has_text=camden.username)
    expect(row).to_have_count(1)
    cell = row.locator("td").nth(3)
    expect(cell).to_contain_text("Camden")
    expect(cell).not_to_contain_text(CAMDEN)
    expect(cell.locator(".borough-name")).to_have_attribute("title", f"GSS code {CAMDEN}")

    row.get_by_role("link", name=camden.username).click()
    borough = page.locator("dl.facts dt", has_text="Borough").locator(
        "xpath=following-sibling::dd[1]"
    )
    expect(borough).to_have_text("Camden")

    # A borough grant is listed by name too.
    page.get_by_label("Borough", exact=True).select_option(label="Islington")
    page.locator("#grant-borough-reason").fill("Covers Islington's night shift")
    page.get_by_role("button", name="Grant borough").click()
    expect(page.get_by_role("status")).to_have_text("The grant was added.")
    grants = page.locator("table", has_text="Reason").locator("tbody tr")
    expect(grants.first).to_contain_text("Islington")
    expect(grants.first).not_to_contain_text("E09000019")


def test_the_grant_select_lists_restricted_categories_only(page: Page, stack: Stack) -> None:
    signed_in(page, stack, "administrator", borough=None, next_path="/admin")
    target = person(stack, "officer")
    with unit_of_work() as session:
        categories = list(session.scalars(select(Category)))
        restricted = {c.name for c in categories if c.restricted}
        unrestricted = {c.name for c in categories if not c.restricted}
    assert restricted and unrestricted  # the built-in categories have both
    page.goto(f"/admin/users/{target.username}")
    options = page.locator("#grant-category option")
    offered = set(options.evaluate_all("options => options.map(o => o.value)"))
    assert offered == restricted
    assert not offered & unrestricted


def test_the_api_refuses_a_grant_of_an_unrestricted_category(
    stack: Stack, live_server: str
) -> None:
    admin = person(stack, "administrator", borough=None)
    target = person(stack, "officer")
    with unit_of_work() as session:
        open_category = session.scalar(select(Category).where(Category.restricted.is_(False)))
        assert open_category is not None
        name = open_category.name
    headers = {"Authorization": f"Bearer {stack.user_token(admin)}"}
    with httpx.Client(base_url=live_server, headers=headers, timeout=30) as client:
        refused = client.post(
            f"/api/v1/admin/users/{target.username}/grants",
            json={"kind": "category", "target": name, "reason": "Should grant nothing"},
        )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "not restricted" in refused.json()["detail"]
    with unit_of_work() as session:
        user = session.scalar(select(User).where(User.username == target.username))
        assert user is not None
        assert list(session.scalars(select(Grant).where(Grant.user_id == user.id))) == []
