"""The fleet and roll-out dashboard in a real browser: the borough map (33 shapes, labelled,
keyboard reachable), figures checked against the seeded demo force, the borough drill-down, and
who may see what."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from openbwv.db.session import unit_of_work
from openbwv.evidence.models import EvidenceItem
from openbwv.fleet.demo import generate_force
from openbwv.fleet.models import Camera
from openbwv.timeutil import utcnow
from tests.support.stack import Stack
from tests.web.conftest import screenshot
from tests.web.pages import browser_client, js_errors, person, signed_in

# Boroughs only these tests roll out (others' tests use Camden, Sutton, Merton, Kingston).
BOROUGHS = ("Havering", "Bexley", "Enfield", "Hillingdon")
CODES = {"Havering": "E09000016", "Bexley": "E09000004", "Enfield": "E09000010"}
CODES["Hillingdon"] = "E09000017"
OFFICERS = 12
LONDON = ZoneInfo("Europe/London")


@dataclass
class Seeded:
    issued: dict[str, int]  # cameras first issued, per borough (counted straight from the table)
    uploads: dict[date, int]  # Havering uploads per London day
    uploaders: set[str]  # Havering officers with recent footage (usernames)
    item_ids: list[str]
    sha256s: list[str]


@pytest.fixture(scope="module")
def seeded(stack: Stack) -> Seeded:
    """The demo force in four boroughs (first complete … last not started), and six items of
    footage from three Havering officers on three London days."""
    from openbwv.access.models import User

    now = utcnow().replace(microsecond=0)
    with unit_of_work() as session:
        summary = generate_force(
            session, boroughs=BOROUGHS, officers_per_borough=OFFICERS, seed=97, now=now
        )
    with unit_of_work() as session:
        issued = {
            name: int(
                session.scalar(
                    select(func.count()).where(
                        Camera.home_borough == code, Camera.first_issued_at.is_not(None)
                    )
                )
                or 0
            )
            for name, code in CODES.items()
        }
        havering = list(
            session.scalars(
                select(User)
                .where(
                    User.borough == CODES["Havering"],
                    User.warrant_number.in_(summary.warrant_numbers),
                )
                .order_by(User.username)
            )
        )
        when = [now, now, now - timedelta(days=1), now - timedelta(days=1), now - timedelta(days=5)]
        when.append(now - timedelta(days=3))
        authors = [havering[0], havering[1], havering[0], havering[2], havering[1], havering[2]]
        items = []
        for moment, author in zip(when, authors, strict=True):
            item = EvidenceItem(
                sha256=uuid.uuid4().hex * 2,
                size_bytes=1000,
                media_type="video/mp4",
                source="import",
                original_filename=f"secret-{uuid.uuid4().hex[:6]}.mp4",
                officer_user_id=author.id,
                borough=CODES["Havering"],
                ingested_at=moment,
                occurred_at=moment,
            )
            session.add(item)
            items.append(item)
        session.flush()
        uploads: dict[date, int] = {}
        for moment in when:
            day = moment.astimezone(LONDON).date()
            uploads[day] = uploads.get(day, 0) + 1
        return Seeded(
            issued=issued,
            uploads=uploads,
            uploaders={a.username for a in authors},
            item_ids=[str(i.id) for i in items],
            sha256s=[i.sha256 for i in items],
        )


def _map_label(page: Page, code: str) -> str:
    return page.locator(f'svg.map a[data-gss="{code}"]').get_attribute("aria-label") or ""


def test_dashboard_map_figures_and_keyboard(page: Page, stack: Stack, seeded: Seeded) -> None:
    signed_in(page, stack, "fleet_manager", borough=None, next_path="/fleet")
    expect(page.get_by_role("heading", level=1)).to_have_text("Fleet and roll-out")
    boroughs = page.locator("svg.map a.borough")
    expect(boroughs).to_have_count(33)
    assert all(boroughs.nth(n).get_attribute("aria-label") for n in range(33))
    # The first borough rolled out is complete, the last has not started: in words, not colour.
    assert _map_label(page, CODES["Havering"]) == (
        f"Havering: 100% of cameras issued ({OFFICERS} of {OFFICERS}), complete"
    )
    assert seeded.issued["Havering"] == OFFICERS and seeded.issued["Hillingdon"] == 0
    assert _map_label(page, CODES["Hillingdon"]).startswith(
        f"Hillingdon: 0% of cameras issued (0 of {OFFICERS})"
    )
    for name in ("Bexley", "Enfield"):
        share = 100 * seeded.issued[name] // OFFICERS
        assert _map_label(page, CODES[name]).startswith(
            f"{name}: {share}% of cameras issued ({seeded.issued[name]} of {OFFICERS})"
        )
        row = page.locator(f'#projection-table tr[data-gss="{CODES[name]}"]')
        expect(row).to_contain_text(f"{seeded.issued[name]} of {OFFICERS} ({share}%)")
    assert "not policed by the Metropolitan Police" in _map_label(page, "E09000001")
    assert "no roll-out plan" in _map_label(page, "E09000006")  # Bromley: nobody plans it
    expect(page.locator(".map-and-legend .attribution")).to_contain_text(
        "Contains National Statistics data © Crown copyright and database right; contains OS "
        "data © Crown copyright and database right"
    )
    expect(page.locator(".legend li")).to_have_count(8)
    expect(page.locator("#cameras-by-status")).to_be_visible()
    expect(page.locator("#quiet-total")).to_contain_text("no footage recorded in the last 7 days")
    html = page.content()
    assert not any(i in html for i in seeded.item_ids + seeded.sha256s), "aggregates only"
    assert "secret-" not in html
    screenshot(page, "fleet-dashboard")
    # Keyboard: Tab reaches the boroughs (in name order) and Enter opens one.
    page.locator("#force-projection").click()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.gss || ''"):
            break
    assert page.evaluate("document.activeElement.dataset.gss") == "E09000002"  # Barking and D.
    focused_fill = "getComputedStyle(document.activeElement.querySelector('path')).fill"
    assert (
        page.evaluate(focused_fill) == "rgb(255, 221, 0)"
    )  # visible focus: the shape turns yellow
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.gss") == "E09000003"  # Barnet
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/fleet/boroughs/E09000003$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Barnet")
    expect(page.get_by_text("No roll-out plan for Barnet yet.")).to_be_visible()
    assert js_errors(page) == []


def test_borough_page_phases_cameras_officers(page: Page, stack: Stack, seeded: Seeded) -> None:
    code = CODES["Havering"]
    signed_in(page, stack, "supervisor", borough=code, next_path="/fleet")
    page.locator(f'svg.map a[data-gss="{code}"]').click()
    expect(page).to_have_url(re.compile(f"/fleet/boroughs/{code}$"))
    expect(page.locator("#borough-issued")).to_have_text(f"{OFFICERS} of {OFFICERS} (100%)")
    # The plan's two phases (other tests of the session may add later ones to this borough).
    expect(page.locator("#phases tbody tr", has_text="Pilot")).to_have_count(1)
    pilot = OFFICERS // 4
    expect(page.locator("#phases tbody tr", has_text="Pilot")).to_contain_text(
        f"{pilot} ({pilot} in all by then)"
    )
    expect(page.locator("#phases tbody tr", has_text="Met").first).to_be_visible()
    expect(page.locator("#camera-list tbody tr")).to_have_count(OFFICERS)
    expect(page.locator("#officer-list tbody tr")).to_have_count(OFFICERS)
    for username in seeded.uploaders:
        row = page.locator("#officer-list tbody tr", has_text=f"({username})")
        expect(row.locator("td").last).to_have_text("Yes")
    quiet = page.locator("#officer-list tbody tr td:last-child", has_text="No")
    expect(quiet).to_have_count(OFFICERS - len(seeded.uploaders))
    table = page.locator("#borough-uploads")
    for day, count in seeded.uploads.items():
        row = table.locator("tr", has_text=day.strftime("%a %d %b"))
        expect(row.locator("td").last).to_have_text(str(count))
    expect(table.locator("caption")).to_contain_text(f"{len(seeded.item_ids)} in all")
    html = page.content()
    assert not any(i in html for i in seeded.item_ids + seeded.sha256s)
    screenshot(page, "fleet-borough")
    assert js_errors(page) == []


def test_who_sees_the_dashboard(live_server: str, stack: Stack, seeded: Seeded) -> None:
    officer = person(stack, "officer")
    client, _ = browser_client(live_server, officer.username)
    assert client.get("/fleet").status_code == 403
    assert client.get(f"/fleet/boroughs/{CODES['Havering']}").status_code == 403
    # An auditor reads the roll-out aggregates, but no officer or camera lists (personal data).
    auditor = person(stack, "auditor", borough=None)
    client, _ = browser_client(live_server, auditor.username)
    page = client.get("/fleet")
    assert page.status_code == 200 and 'data-gss="E09000016"' in page.text
    assert "quiet-table" not in page.text and "Officers without a recent upload" not in page.text
    borough = client.get(f"/fleet/boroughs/{CODES['Havering']}")
    assert borough.status_code == 200 and 'id="phases"' in borough.text
    assert "officer-list" not in borough.text and "camera-list" not in borough.text
    assert client.get("/fleet/boroughs/E09999999").status_code == 404
    city = client.get("/fleet/boroughs/E09000001")
    assert "City of London Police" in city.text
