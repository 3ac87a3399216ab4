"""Security of the evidence and case pages: script and attribute-breaking text in every free-text
field renders as text (no dialog, no CSP violation, no injected element); every form refuses a
post without the session's CSRF token; changes obey the access policy and reveal nothing."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect

from openbwv.timeutil import utcnow
from tests.support.stack import Stack
from tests.web.conftest import sign_in
from tests.web.evidence_world import (
    AWAY,
    person,
    record_clip,
    signed_in_page,
    wait_ready,
    watch,
)

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = "\"><img src=x onerror=alert(2)>'"
QUOTED = "' onmouseover='alert(3)' x=\""
CLOSE = "</textarea></title><svg onload=alert(4)>"
PAYLOAD = f"{SCRIPT}{ATTRIBUTE}{QUOTED}{CLOSE}"
NAME = f"{ATTRIBUTE}{SCRIPT}{QUOTED}"  # saved-search names are at most 100 characters
TAGS = ["<script>alert(5)</script>", '"><img src=x onerror=alert(6)>']


def _no_injection(page: Page) -> None:
    assert page.locator("script:not([src])").count() == 0
    assert page.locator("img[src='x'], svg[onload], [onerror], [onmouseover]").count() == 0
    assert page.dialogs == []  # type: ignore[attr-defined]
    assert page.js_errors == []  # type: ignore[attr-defined]


def _clip(stack: Stack, tmp_path: Path, officer: Any) -> str:
    start = (utcnow() - timedelta(hours=5)).replace(microsecond=0)
    item = record_clip(tmp_path, officer.username, f"SX-{uuid.uuid4().hex[:6]}", start, seed=51)
    wait_ready(item)
    return item


def test_every_free_text_field_renders_as_text(
    page: Page, browser: Browser, stack: Stack, tmp_path: Path, live_server: str
) -> None:
    watch(page)
    investigator = person(stack, "investigator", team="CID")
    officer = person(stack, "officer")
    item = _clip(stack, tmp_path, officer)
    sign_in(page, investigator.username, investigator.password, f"/evidence/{item}")

    # Title, note, marker label, tags: typed into the item page.
    page.get_by_text("Edit title").click()
    page.get_by_label("Title", exact=True).fill(PAYLOAD)
    page.get_by_role("button", name="Save title").click()
    expect(page.locator("#item-heading")).to_have_text(PAYLOAD)
    page.get_by_label("Add a note").fill(PAYLOAD)
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#notes .note-text")).to_have_text([PAYLOAD])
    page.get_by_label("Label").fill(PAYLOAD)
    page.get_by_role("button", name="Add marker").click()
    expect(page.locator("#markers .marker-label")).to_have_text([PAYLOAD])
    page.get_by_label("Tags, separated by commas").fill(", ".join(TAGS))
    page.get_by_role("button", name="Save tags").click()
    expect(page.locator("#tags .tag")).to_have_text(sorted(t.lower() for t in TAGS))
    _no_injection(page)
    page.reload()
    expect(page.locator("#item-heading")).to_have_text(PAYLOAD)
    expect(page.locator("#notes .note-text")).to_have_text([PAYLOAD])
    expect(page.locator("#markers .marker-label")).to_have_text([PAYLOAD])
    expect(page.locator("#title-input")).to_have_value(PAYLOAD)
    _no_injection(page)

    # A case whose title is the payload; the item linked to it.
    reference = f"SX/{uuid.uuid4().hex[:8]}"
    page.goto("/cases")
    page.get_by_label("Crime reference number").fill(reference)
    page.get_by_label("Title").fill(PAYLOAD)
    page.get_by_role("button", name="Create case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{reference}: {PAYLOAD}")
    case_url = page.url
    page.get_by_label("Link an item by its evidence ID").fill(item)
    page.get_by_role("button", name="Link item").click()
    expect(page.locator(".case-items a").first).to_have_text(PAYLOAD)
    _no_injection(page)

    # Search: the payload in the text box finds the item by its title and note.
    page.goto("/search")
    page.get_by_label("Words in titles and notes").fill(PAYLOAD)
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_label("Words in titles and notes")).to_have_value(PAYLOAD)
    expect(page.locator(".results-grid .card-title")).to_have_text([PAYLOAD])
    page.get_by_label("Save this search as").fill(NAME)
    page.get_by_role("button", name="Save search").click()
    expect(page.locator(".saved-list a")).to_have_text([NAME])
    _no_injection(page)
    page.reload()
    expect(page.locator(".saved-list a")).to_have_text([NAME])

    # Every page that shows these texts, read back.
    for path in ("/search?view=table&text=" + "alert", "/cases", case_url, case_url + "/timeline"):
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        expect(page.locator("main")).to_contain_text(PAYLOAD)
        _no_injection(page)
    author = signed_in_page(browser, live_server, officer, "/footage")
    expect(author.locator(".footage-row h3").first).to_have_text(PAYLOAD)
    _no_injection(author)
    author.context.close()


FORMS = (
    "/evidence/{item}/notes",
    "/evidence/{item}/markers",
    "/evidence/{item}/categories",
    "/evidence/{item}/tags",
    "/evidence/{item}/title",
    "/evidence/{item}/cases",
    "/search/saved",
    "/search/saved/{saved}/delete",
    "/cases",
    "/cases/{case}/items",
    "/cases/{case}/items/{item}/remove",
    "/cases/{case}/members",
)


def _token(page: Page) -> str:
    return str(page.locator('meta[name="csrf-token"]').get_attribute("content"))


def test_every_form_refuses_a_post_without_the_csrf_token(
    page: Page, stack: Stack, tmp_path: Path
) -> None:
    from openbwv.cases.models import Case
    from openbwv.db.session import unit_of_work
    from openbwv.evidence.annotations.models import Note
    from openbwv.evidence.search.models import SavedSearch

    investigator = person(stack, "investigator")
    item = _clip(stack, tmp_path, person(stack, "officer"))
    with unit_of_work() as session:
        case = Case(crime_reference=f"CS{uuid.uuid4().hex[:8]}", title="t", borough="E09000033")
        session.add(case)
        session.flush()
        saved = SavedSearch(user_id=investigator.user.id, name="mine", query="text=x")
        session.add(saved)
        session.flush()
        ids = {"item": item, "case": str(case.id), "saved": str(saved.id)}
    sign_in(page, investigator.username, investigator.password, "/search")
    form = {"text": "x", "label": "x", "offset": "1", "title": "x", "tags": "x", "name": "n"}
    form |= {"crime_reference": "CR-1", "evidence_id": item, "username": investigator.username}
    for template in FORMS:
        url = template.format(**ids)
        missing = page.request.post(url, form=form, max_redirects=0)
        forged = page.request.post(
            url, form={**form, "csrf_token": "forged"}, headers={"X-CSRF-Token": "forged"}
        )
        htmx = page.request.post(url, form=form, headers={"HX-Request": "true"})
        assert (missing.status, forged.status, htmx.status) == (403, 403, 403), url
    with unit_of_work() as session:
        assert session.query(Note).filter(Note.evidence_id == uuid.UUID(item)).count() == 0
        assert session.get(SavedSearch, saved.id) is not None
    # With the token the same post goes through: the refusals above were about the token.
    accepted = page.request.post(
        f"/evidence/{item}/notes", form={**form, "csrf_token": _token(page)}, max_redirects=0
    )
    assert accepted.status == 303
    with unit_of_work() as session:
        assert session.query(Note).filter(Note.evidence_id == uuid.UUID(item)).count() == 1


def test_changes_obey_the_policy_and_reveal_nothing(
    page: Page, browser: Browser, live_server: str, stack: Stack, tmp_path: Path
) -> None:
    from openbwv.db.session import unit_of_work
    from openbwv.evidence.annotations.models import Note

    owner = person(stack, "officer")
    item = _clip(stack, tmp_path, owner)
    stranger = signed_in_page(browser, live_server, person(stack, "officer", borough=AWAY))
    token = _token(stranger)
    for part, form in (
        ("notes", {"text": "sneaky"}),
        ("markers", {"label": "sneaky", "offset": "1"}),
        ("categories", {"categories": "arrest"}),
        ("tags", {"tags": "sneaky"}),
        ("title", {"title": "sneaky"}),
    ):
        answers = set()
        for target in (item, str(uuid.uuid4())):
            response = stranger.request.post(
                f"/evidence/{target}/{part}",
                form={**form, "csrf_token": token},
                headers={"HX-Request": "true"},
            )
            assert response.status == 404, (part, target)
            answers.add(response.text().replace(target, "ID"))
        assert len(answers) == 1, answers  # an existing item and a made-up one: alike
    with unit_of_work() as session:
        assert session.query(Note).filter(Note.evidence_id == uuid.UUID(item)).count() == 0
    stranger.context.close()

    # A role that may view but not change (information rights, force-wide) sees no forms and
    # is refused with 403 when it posts anyway.
    reader = person(stack, "information_rights")
    sign_in(page, reader.username, reader.password, f"/evidence/{item}")
    expect(page.locator("#item-heading")).to_be_visible()
    assert page.locator("form[action$='/notes'], form[action$='/markers']").count() == 0
    refused = page.request.post(
        f"/evidence/{item}/notes",
        form={"text": "no", "csrf_token": _token(page)},
        headers={"HX-Request": "true"},
    )
    assert refused.status == 403
    assert re.search("may not edit", refused.text())
