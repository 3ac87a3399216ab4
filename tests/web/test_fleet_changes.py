"""Fleet changes from the pages, in a real browser: a fleet manager assigns a camera, returns it
to a dock and changes its status on the camera's page — each seen in the API's view of the camera
and in the audit log — and a refused change shows the service's message with what was typed
kept; firmware versions and plans are registered, created and cancelled on the firmware page; a
supervisor (`fleet.read` only) sees the pages without forms and a POST from them is refused and
recorded; the pages fit 390 px with no CSP error."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
from playwright.sync_api import Page, expect
from sqlalchemy import select

from openbwv.audit.models import AuditEvent
from openbwv.db.session import unit_of_work
from openbwv.fleet.cameras import queries
from tests.fleet.helpers import assign
from tests.support import factories
from tests.support.stack import Stack
from tests.web.conftest import screenshot
from tests.web.pages import browser_client, js_errors, signed_in

PHONE = {"width": 390, "height": 844}


def _api(live_server: str, stack: Stack, user: Any) -> httpx.Client:
    token = stack.user_token(user)
    return httpx.Client(
        base_url=live_server, timeout=30, headers={"Authorization": f"Bearer {token}"}
    )


def _events(action: str, target: str | None = None, actor: str | None = None) -> list[AuditEvent]:
    with unit_of_work() as session:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        if target is not None:
            query = query.where(AuditEvent.target_id == target)
        if actor is not None:
            query = query.where(AuditEvent.actor_name == actor)
        found = list(session.scalars(query))
        for event in found:
            session.expunge(event)
        return found


def test_a_fleet_manager_assigns_returns_and_changes_status(
    page: Page, stack: Stack, live_server: str
) -> None:
    serial = factories.camera(prefix="PAGE-")
    officer = factories.officer(display_name="PC Page Test")
    manager = signed_in(
        page, stack, "fleet_manager", borough=None, next_path=f"/fleet/cameras/{serial}"
    )
    api = _api(live_server, stack, manager)
    dock = factories.unique("DOCK-")
    assert api.post("/api/v1/fleet/docks", json={"serial": dock}).status_code == 201
    expect(page.locator("#camera-status")).to_have_text("In stock")

    # An unknown officer: the service's message, the reference kept, nothing changed.
    wrong = factories.unique("NOSUCH")
    page.get_by_label("Officer", exact=True).fill(wrong)
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_role("alert")).to_contain_text("no officer with warrant number")
    expect(page.get_by_label("Officer", exact=True)).to_have_value(wrong)
    assert api.get(f"/api/v1/fleet/cameras/{serial}").json()["holder"] is None

    # Assign by warrant number.
    page.get_by_label("Officer", exact=True).fill(officer.warrant_number)
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_role("status")).to_contain_text("The camera is assigned.")
    expect(page.locator("#camera-status")).to_have_text("Issued")
    expect(page.locator("#camera-holder")).to_contain_text(officer.warrant_number)
    seen = api.get(f"/api/v1/fleet/cameras/{serial}").json()
    assert seen["status"] == "issued"
    assert seen["holder"]["officer"]["warrant_number"] == officer.warrant_number
    started = _events("fleet.assignment.start", serial, manager.username)
    assert len(started) == 1 and started[0].details["officer"] == str(officer.id)

    # An illegal status change: refused with the service's message, the reason kept.
    page.get_by_label("New status").select_option("retired")
    page.locator("#status-reason").fill("typed and kept")
    page.get_by_role("button", name="Change status").click()
    expect(page.get_by_role("alert")).to_contain_text(
        f"camera {serial} cannot go from issued to retired"
    )
    expect(page.locator("#status-reason")).to_have_value("typed and kept")
    expect(page.get_by_label("New status")).to_have_value("retired")
    assert api.get(f"/api/v1/fleet/cameras/{serial}").json()["status"] == "issued"
    assert _events("fleet.camera.status", serial) == []

    # Return it into a dock, with a reason.
    page.get_by_label("Into a dock").check()
    page.locator("#return-dock").fill(dock)
    page.locator("#return-reason").fill("end of secondment")
    page.get_by_role("button", name="Return").click()
    expect(page.get_by_role("status")).to_contain_text("The camera is returned.")
    expect(page.locator("#camera-status")).to_have_text("Docked")
    expect(page.locator("#camera-holder")).to_have_text("No one")
    expect(page.locator("#history tbody tr").first).to_contain_text("end of secondment")
    seen = api.get(f"/api/v1/fleet/cameras/{serial}").json()
    assert seen["status"] == "docked" and seen["holder"] is None and seen["last_dock"] == dock
    ended = _events("fleet.assignment.end", serial, manager.username)
    assert len(ended) == 1 and ended[0].reason == "end of secondment"

    # A status change with its reason.
    page.get_by_label("New status").select_option("faulty")
    page.locator("#status-reason").fill("cracked lens")
    page.get_by_role("button", name="Change status").click()
    expect(page.get_by_role("status")).to_contain_text("The camera's status is changed.")
    expect(page.locator("#camera-status")).to_have_text("Faulty")
    assert api.get(f"/api/v1/fleet/cameras/{serial}").json()["status"] == "faulty"
    changed = _events("fleet.camera.status", serial, manager.username)
    assert [(e.reason, e.details["from"], e.details["to"]) for e in changed] == [
        ("cracked lens", "docked", "faulty")
    ]
    # A faulty camera cannot be issued: the service says so.
    page.get_by_label("Officer", exact=True).fill(officer.warrant_number)
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_role("alert")).to_contain_text("is faulty and cannot be issued")
    screenshot(page, "fleet-camera")
    api.close()
    assert js_errors(page) == []


def test_a_fleet_reader_sees_no_forms_and_is_refused(
    page: Page, stack: Stack, live_server: str
) -> None:
    serial = factories.camera(prefix="READ-")
    officer = factories.officer()
    supervisor = signed_in(page, stack, "supervisor", next_path=f"/fleet/cameras/{serial}")
    expect(page.locator("#camera-status")).to_have_text("In stock")
    assert page.locator("main form[method=post]").count() == 0
    page.goto("/fleet/firmware")
    expect(page.get_by_role("heading", name="Update plans")).to_be_visible()
    assert page.locator("main form[method=post]").count() == 0
    page.goto(f"/fleet/cameras?q={serial}")
    expect(page.get_by_role("link", name=serial)).to_be_visible()

    client, csrf = browser_client(live_server, supervisor.username)
    try:
        posts = [
            (f"/fleet/cameras/{serial}/assign", {"officer": officer.warrant_number}),
            (f"/fleet/cameras/{serial}/status", {"status": "faulty", "reason": "no"}),
            (f"/fleet/cameras/{serial}/return", {"status": "in_stock"}),
            ("/fleet/firmware/plans", {"name": factories.unique("nope"), "model": "Axis W110"}),
        ]
        for path, form in posts:
            refused = client.post(path, data={"csrf_token": csrf, **form})
            assert refused.status_code == 403, path
        denied = _events("fleet.manage", actor=supervisor.username)
        assert [e.result for e in denied] == ["denied"] * len(posts)
        assert [e.details["path"] for e in denied] == [path for path, _ in posts]
        without_csrf = client.post(f"/fleet/cameras/{serial}/assign", data={"officer": "x"})
        assert without_csrf.status_code == 403
    finally:
        client.close()
    with unit_of_work() as session:
        assert queries.get_camera(session, serial).status == "in_stock"
    assert _events("fleet.assignment.start", serial) == []
    assert js_errors(page) == []


def test_a_fleet_manager_creates_and_cancels_a_firmware_plan(
    page: Page, stack: Stack, live_server: str
) -> None:
    tag = uuid.uuid4().hex[:6].upper()
    model, version, name = f"Axis T{tag}", f"12.{tag}", f"Rollout {tag}"
    cameras = [factories.camera(prefix="FW-", model=model, firmware="11.0") for _ in range(2)]
    manager = signed_in(page, stack, "fleet_manager", borough=None, next_path="/fleet")
    page.get_by_role("link", name="Firmware plans").click()
    expect(page).to_have_url(re.compile(r"/fleet/firmware$"))

    page.get_by_label("Model", exact=True).fill(model)
    page.get_by_label("Version", exact=True).fill(version)
    page.get_by_label("Released on").fill("2026-11-30")
    page.get_by_role("button", name="Register version").click()
    expect(page.get_by_role("status")).to_contain_text("The firmware version is registered.")
    assert len(_events("fleet.firmware.register", f"{model}/{version}", manager.username)) == 1

    def fill_plan() -> None:
        page.get_by_label("Plan name").fill(name)
        page.get_by_label("Camera model").fill(model)
        page.get_by_label("Target version").fill(version)
        page.locator("#stage-0-percent").fill("50")
        page.locator("#stage-0-at").fill("2026-12-01T09:00")
        page.get_by_role("button", name="Create plan").click()

    fill_plan()
    expect(page.get_by_role("status")).to_contain_text("The plan is created.")
    row = page.locator("#plans tr", has_text=name)
    expect(row).to_contain_text("50% of the force from 2026-12-01T09:00:00Z")
    expect(row.locator('td[data-label="Cameras"]')).to_have_text("1")
    with _api(live_server, stack, manager) as api:
        plans = {p["name"]: p for p in api.get("/api/v1/fleet/firmware/plans").json()}
    assert plans[name]["model"] == model and plans[name]["cameras"] == 1
    assert not plans[name]["cancelled"] and len(cameras) == 2
    made = _events("fleet.firmware.plan", plans[name]["id"], manager.username)
    assert len(made) == 1 and made[0].details["cameras"] == 1

    # The same name again: refused, with what was typed kept.
    fill_plan()
    expect(page.get_by_role("alert")).to_contain_text(f"a firmware plan named {name!r} already")
    expect(page.get_by_label("Plan name")).to_have_value(name)
    expect(page.locator("#stage-0-percent")).to_have_value("50")

    page.get_by_role("button", name=f"Cancel plan {name}").click()
    expect(page.get_by_role("status")).to_contain_text("The plan is cancelled")
    expect(page.locator("#plans tr", has_text=name)).to_contain_text("Cancelled")
    assert len(_events("fleet.firmware.cancel", plans[name]["id"], manager.username)) == 1
    assert js_errors(page) == []


def test_the_pages_fit_a_phone(page: Page, stack: Stack) -> None:
    serial = factories.camera(prefix="PHONE-")
    officer = factories.officer()
    assign(serial, officer.warrant_number)
    page.set_viewport_size(PHONE)
    signed_in(page, stack, "fleet_manager", borough=None, next_path=f"/fleet/cameras/{serial}")
    for path in (f"/fleet/cameras/{serial}", f"/fleet/cameras?q={serial}", "/fleet/firmware"):
        page.goto(path)
        expect(page.locator("h1")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path, width)
    screenshot(page, "fleet-firmware-phone")
    assert js_errors(page) == []
