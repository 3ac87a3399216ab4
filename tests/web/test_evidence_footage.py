"""My footage: the signed-in officer's own recordings, uncategorised first, with a category and a
note set in place (htmx), across keyset pages, and nobody else's."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from openbwv.timeutil import utcnow
from tests.support.stack import Stack
from tests.web.conftest import screenshot, sign_in
from tests.web.evidence_world import (
    audit_actions,
    make_item,
    person,
    record_clip,
    wait_ready,
    watch,
)


def test_my_footage_uncategorised_first_with_quick_category_and_note(
    page: Page, stack: Stack, tmp_path: Path
) -> None:
    watch(page)
    team = f"Footage-{uuid.uuid4().hex[:6]}"
    officer = person(stack, "officer", team=team)
    colleague = person(stack, "officer", team=team)
    now = utcnow().replace(microsecond=0)
    # Categorised recordings are the newest, yet the uncategorised ones come first.
    categorised = [
        make_item(officer.user, now - timedelta(minutes=i), categories=("arrest",))
        for i in range(1, 20)
    ]
    older = [make_item(officer.user, now - timedelta(days=2, minutes=i)) for i in range(3)]
    real = record_clip(tmp_path, officer.username, "FT-1", now - timedelta(days=1), seed=61)
    make_item(colleague.user, now)  # a teammate's: never on this officer's list
    wait_ready(real)
    uncategorised = [real, *older]  # newest first

    sign_in(page, officer.username, officer.password, "/footage")
    expect(page.get_by_role("heading", level=1)).to_have_text("My footage")
    assert page.js_errors == [], page.js_errors  # type: ignore[attr-defined]
    headings = page.locator(".list-heading")
    expect(headings).to_have_text(["Needs a category", "Categorised"])
    rows = page.locator(".footage-row")
    expect(rows).to_have_count(20)
    first_page = rows.evaluate_all("rows => rows.map(r => r.id.slice(4))")
    assert first_page[:4] == uncategorised
    assert first_page[4:] == categorised[:16]
    screenshot(page, "footage")

    # Set a category in place: the row updates, the list does not reload.
    row = page.locator(f"#row-{real}")
    row.get_by_label("Category").select_option("public_order")
    row.get_by_role("button", name="Set category").click()
    expect(page.locator(f"#row-{real} .row-categories")).to_have_text("Public order")
    expect(page.locator(f"#row-{real} [role=status]")).to_have_text("Categories saved")
    assert page.js_errors == [], page.js_errors  # type: ignore[attr-defined]
    # A note in place.
    row = page.locator(f"#row-{real}")
    row.get_by_text("Add a note").click()
    row.get_by_label("Note").fill("Street disorder outside the Red Lion.")
    row.get_by_role("button", name="Add note").click()
    expect(page.locator(f"#row-{real} .meta")).to_contain_text("1 note")
    assert page.js_errors == [], page.js_errors  # type: ignore[attr-defined]
    actions = [a for a, _ in audit_actions(real, officer.user)]
    assert "evidence.categorise" in actions and "evidence.note" in actions

    # The next page carries on where the first stopped; nothing twice, nothing missed.
    page.get_by_role("link", name="More recordings").click()
    expect(page).to_have_url(re.compile(r"/footage\?cursor="))
    second_page = page.locator(".footage-row").evaluate_all("rows => rows.map(r => r.id.slice(4))")
    assert second_page == [*categorised[16:], real]  # categorised since, and a day older
    assert page.get_by_role("link", name="More recordings").count() == 0

    # A restricted category takes the recording out of the officer's own view, and says so.
    assert page.js_errors == [], page.js_errors  # type: ignore[attr-defined]
    page.goto("/footage")
    row = page.locator(f"#row-{older[0]}")
    row.get_by_label("Category").select_option("domestic_abuse")
    row.get_by_role("button", name="Set category").click()
    expect(page.locator(f"#row-{older[0]}")).to_contain_text("visible only to people with access")
    page.reload()
    expect(page.locator(f"#row-{older[0]}")).to_have_count(0)
    assert page.js_errors == [], page.js_errors  # type: ignore[attr-defined]
