"""The auditor's pages (issue 9, item 4): the log behind the "Audit log" link, filtered and
paginated, each entry with its leaf index and inclusion proof; an item's trail with its custody
report and no footage; the latest checkpoint with its verifier key; and "verify now". An officer
is refused; every page fits 390 px with no CSP error."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from openbwv.audit.models import AuditCheckpoint, AuditEvent, AuditLeaf
from openbwv.db.session import unit_of_work
from openbwv.media.synth import make_clip
from openbwv.web.render import LONDON
from tests.support.evidence import ingest
from tests.support.stack import Stack
from tests.support.waiting import wait_until
from tests.web.conftest import screenshot, sign_in, watch_page_errors
from tests.web.pages import PASSWORD, browser_client, person

PHONE = {"width": 390, "height": 844}


@dataclass
class Scene:
    auditor: str  # username (signs in with PASSWORD)
    officer: str
    item_id: str


@pytest.fixture(scope="module")
def scene(stack: Stack, live_server: str, tmp_path_factory: pytest.TempPathFactory) -> Scene:
    officer = person(stack, "officer", team="Audit Pages Team")
    auditor = person(stack, "auditor", borough=None)
    clip = make_clip(tmp_path_factory.mktemp("audit-pages") / "trail.mp4", seconds=1, seed=7171)
    with httpx.Client(
        base_url=live_server,
        headers={"Authorization": f"Bearer {stack.user_token(officer)}"},
        timeout=60,
    ) as api:
        url = ingest(api, clip)
        assert api.get(url).status_code == 200  # an evidence.view on the item's trail
    return Scene(auditor.username, officer.username, url.rstrip("/").rsplit("/", 1)[-1])


def _integrated(actor: str, action: str, count: int) -> list[int]:
    """The leaf indexes of `actor`'s `action` events once `count` are in a checkpoint."""

    def anchored() -> list[int] | None:
        with unit_of_work() as session:
            size = (
                session.scalar(
                    select(AuditCheckpoint.tree_size)
                    .order_by(AuditCheckpoint.tree_size.desc())
                    .limit(1)
                )
                or 0
            )
            indexes = session.scalars(
                select(AuditLeaf.leaf_index)
                .select_from(AuditEvent)
                .outerjoin(AuditLeaf, AuditLeaf.event_row == AuditEvent.id)
                .where(AuditEvent.actor_name == actor, AuditEvent.action == action)
            ).all()
        done = [i for i in indexes if i is not None and i < size]
        return sorted(done, reverse=True) if len(done) == count == len(indexes) else None

    return wait_until(anchored, timeout=60, what=f"{count} {action} events to be integrated")


def _column(page: Page, label: str) -> list[str]:
    return [
        t.strip()
        for t in page.locator(f'#audit-entries td[data-label="{label}"]').all_inner_texts()
    ]


def _fits_a_phone(page: Page) -> None:
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url
    page.set_viewport_size({"width": 1366, "height": 900})


def test_the_log_is_behind_the_nav_link_filters_and_pages(page: Page, scene: Scene) -> None:
    errors = watch_page_errors(page)
    sign_in(page, scene.auditor, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    expect(page).to_have_url(re.compile(r"/audit$"))
    expect(page.get_by_role("heading", name="Audit log", level=1)).to_be_visible()
    everything = page.locator("#audit-entries tbody tr").count()
    assert everything > 0
    _fits_a_phone(page)

    # By item: only the item's events, its ingest among them.
    page.get_by_label("Evidence item id").fill(scene.item_id)
    page.get_by_role("button", name="Filter").click()
    targets = _column(page, "Target or item")
    assert targets and all(scene.item_id in t for t in targets)
    assert "evidence.ingest" in _column(page, "Action")
    assert len(targets) < everything or everything < 50

    # By action, from the catalogue: only that action.
    page.goto("/audit")
    page.get_by_label("Action").select_option("audit.log")
    page.get_by_role("button", name="Filter").click()
    chosen = _column(page, "Action")
    assert chosen and set(chosen) == {"audit.log"}
    expect(page.get_by_label("Action")).to_have_value("audit.log")

    # Pagination: seven reads of the key by this auditor, three a page, newest first.
    for _ in range(7):
        assert page.request.get("/api/v1/audit/public-key").ok
    leaves = _integrated(scene.auditor, "audit.public_key", 7)
    page.goto(f"/audit?actor={scene.auditor}&action=audit.public_key&limit=3")
    seen: list[list[int]] = []
    for expected in (3, 3, 1):
        shown = [int(text) for text in _column(page, "Leaf")]
        assert len(shown) == expected
        seen.append(shown)
        older = page.get_by_role("link", name="Older entries")
        if expected == 1:
            expect(older).to_have_count(0)
        else:
            older.click()
    assert [leaf for shown in seen for leaf in shown] == leaves  # every one, newest first, once
    page.get_by_role("link", name="Newer entries").click()
    assert [int(text) for text in _column(page, "Leaf")] == seen[1]

    # Each anchored entry links to its inclusion proof against the latest checkpoint.
    href = page.locator("#audit-entries a.proof-link").first.get_attribute("href")
    assert href is not None and f"index={seen[1][0]}" in href
    proof = page.request.get(href)
    assert proof.ok and proof.json()["index"] == seen[1][0]
    screenshot(page, "audit-log")
    assert errors == []


def test_an_items_trail_shows_its_events_and_report_never_footage(page: Page, scene: Scene) -> None:
    errors = watch_page_errors(page)
    sign_in(page, scene.auditor, PASSWORD, f"/audit/items/{scene.item_id}")
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    actions = page.locator('#trail-events td[data-label="Action"]').all_inner_texts()
    assert "evidence.ingest" in actions and "evidence.view" in actions
    html_report = page.locator("#custody-html").get_attribute("href")
    pdf_report = page.locator("#custody-pdf").get_attribute("href")
    assert html_report == f"/api/v1/evidence/{scene.item_id}/custody-report"
    assert pdf_report == f"{html_report}?format=pdf"
    report = page.request.get(html_report)
    assert report.ok and scene.item_id in report.text()
    assert page.request.get(pdf_report).body().startswith(b"%PDF-")
    # The auditor never sees the footage: nothing on the page plays or pictures it.
    assert page.locator("video, img").count() == 0
    content = page.content()
    assert "/playback" not in content and "/thumbnail" not in content and "/strip" not in content
    screenshot(page, "audit-item-trail")
    _fits_a_phone(page)
    assert errors == []


def test_the_checkpoint_page_shows_the_note_and_key_and_verifies_now(
    page: Page, scene: Scene
) -> None:
    errors = watch_page_errors(page)
    sign_in(page, scene.auditor, PASSWORD, "/audit/checkpoint")
    note = page.locator("#checkpoint-note").inner_text()
    size = int(page.locator("#checkpoint-size").inner_text())
    assert note.startswith(f"openbwv.local/audit\n{size}\n") and "\n— " in note
    key = page.request.get("/api/v1/audit/public-key").text().strip()
    expect(page.locator("#verifier-key")).to_have_text(key)
    expect(page.get_by_text("docs/audit.md")).to_be_visible()
    _fits_a_phone(page)

    page.get_by_role("button", name="Verify now").click()
    result = page.locator("#verify-result")
    expect(result).to_contain_text("OK: every event, subtree hash and signed checkpoint verifies")
    assert int(page.locator("#verified-size").inner_text()) >= size
    assert int(page.locator("#verified-checkpoints").inner_text().split()[0]) >= 1
    expect(page.locator("#verify-time")).to_contain_text(" s")
    with unit_of_work() as session:
        recorded = session.scalars(
            select(AuditEvent.result).where(
                AuditEvent.actor_name == scene.auditor, AuditEvent.action == "audit.verify"
            )
        ).all()
    assert recorded and set(recorded) == {"success"}
    _fits_a_phone(page)
    screenshot(page, "audit-checkpoint")
    assert errors == []


def test_an_officer_is_refused_the_log_but_sees_their_own_items_trail(
    live_server: str, stack: Stack, scene: Scene
) -> None:
    client, csrf = browser_client(live_server, scene.officer)
    start = client.get("/", follow_redirects=True)
    assert start.status_code == 200 and 'href="/audit"' not in start.text
    for path in ("/audit", "/audit/checkpoint"):
        assert client.get(path).status_code == 403, path
    refused = client.post("/audit/verify", data={"csrf_token": csrf})
    assert refused.status_code == 403
    assert client.get(f"/audit/items/{scene.item_id}").status_code == 200  # as the API
    stranger = person(stack, "officer", borough="E09000030")
    other, _ = browser_client(live_server, stranger.username)
    assert other.get(f"/audit/items/{scene.item_id}").status_code == 404


def test_verify_now_needs_the_csrf_token(live_server: str, scene: Scene) -> None:
    client, csrf = browser_client(live_server, scene.auditor)
    assert client.post("/audit/verify", data={"csrf_token": "forged"}).status_code == 403
    shown = client.post("/audit/verify", data={"csrf_token": csrf})
    assert shown.status_code == 200 and 'id="verify-result"' in shown.text


def test_bad_filters_say_what_is_wrong(live_server: str, scene: Scene) -> None:
    client, _ = browser_client(live_server, scene.auditor)
    answer = client.get("/audit", params={"item": "not-an-id", "since": "yesterday"})
    assert answer.status_code == 200
    assert "The evidence item id is not a valid id" in answer.text
    assert "From is not a date and time" in answer.text


def test_the_time_range_is_london_time(live_server: str, scene: Scene) -> None:
    client, _ = browser_client(live_server, scene.auditor)
    ingest_row = "<code>evidence.ingest</code>"  # a row (the action list names it too)
    params = {"item": scene.item_id}
    assert ingest_row in client.get("/audit", params=params).text
    for window in ({"since": "2099-01-01T00:00"}, {"until": "2000-01-01T00:00"}):
        answer = client.get("/audit", params={**params, **window})
        assert answer.status_code == 200 and "No entries match." in answer.text, window
    with unit_of_work() as session:
        ingested = session.scalar(
            select(AuditEvent.occurred_at).where(
                AuditEvent.evidence_id == uuid.UUID(scene.item_id),
                AuditEvent.action == "evidence.ingest",
            )
        )
    assert ingested is not None
    london = ingested.astimezone(LONDON).replace(tzinfo=None, microsecond=0)
    around = {"since": london.isoformat(), "until": (london + timedelta(seconds=1)).isoformat()}
    narrowed = client.get("/audit", params={**params, **around})
    assert ingest_row in narrowed.text, around  # the wall-clock second it happened
    later = {"since": (london + timedelta(seconds=1)).isoformat()}
    assert ingest_row not in client.get("/audit", params={**params, **later}).text
