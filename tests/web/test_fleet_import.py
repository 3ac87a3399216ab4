"""Fleet CSV import in a real browser: a fleet manager checks a file (nothing changes), imports it
(good rows land, bad rows are listed by row and column, payloads shown as text), re-imports it
(nothing changes twice); an all-or-nothing import with a bad row imports nothing; and people
without `fleet.manage` cannot reach the page."""

from __future__ import annotations

import re
import uuid

import httpx
from playwright.sync_api import Page, expect
from sqlalchemy import select

from openbwv.db.session import unit_of_work
from openbwv.fleet.models import Camera
from tests.support.stack import Stack
from tests.web.conftest import screenshot
from tests.web.pages import browser_client, js_errors, person, signed_in

SCRIPT = '<script>alert("xss-import")</script>'


def _cameras(serials: list[str]) -> dict[str, Camera]:
    with unit_of_work() as session:
        found = session.scalars(select(Camera).where(Camera.serial.in_(serials)))
        return {camera.serial: camera for camera in found}


def _upload(page: Page, name: str, text: str, *, check: bool = False, strict: bool = False) -> None:
    page.get_by_role("radio", name="Cameras").check()
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode()}]
    )
    page.get_by_label("Check only: report every row, change nothing").set_checked(check)
    page.get_by_label("All or nothing: import nothing if any row has an error").set_checked(strict)
    page.get_by_role("button", name="Import").click()


def test_a_fleet_manager_checks_imports_and_reimports_cameras(page: Page, stack: Stack) -> None:
    tag = uuid.uuid4().hex[:6].upper()
    good = [f"IMP-{tag}-1", f"IMP-{tag}-2"]
    csv_text = (
        "serial,model,firmware_version,borough,station,pool,status\n"
        f"{good[0]},Axis W110,11.5.70,Camden,Import Station {tag},no,in_stock\n"
        f"{good[1]},Axis W110,11.5.70,E09000007,,yes,docked\n"
        f"IMP-{tag}-3,Axis W110,,Atlantis {SCRIPT},,no,in_stock\n"
    )
    signed_in(page, stack, "fleet_manager", borough=None, next_path="/fleet")
    page.get_by_role("link", name="Import officers or cameras from CSV").click()
    expect(page).to_have_url(re.compile(r"/fleet/import$"))

    # A check changes nothing, and says what an import would do.
    _upload(page, "cameras.csv", csv_text, check=True)
    expect(page.get_by_role("heading", name="Checked: cameras")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("2 new, 0 updated, 0 unchanged, 1 with")
    assert _cameras(good) == {}

    # The import: the good rows land, the bad one is listed by row and column, as text.
    _upload(page, "cameras.csv", csv_text)
    expect(page.get_by_role("heading", name="Imported: cameras")).to_be_visible()
    errors = page.locator(".import-errors tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.first.locator("td").nth(0)).to_have_text("4")
    expect(errors.first.locator("td").nth(1)).to_have_text("borough")
    assert page.locator("script:not([src])").count() == 0
    screenshot(page, "fleet-import")
    made = _cameras(good)
    assert set(made) == set(good)
    assert made[good[0]].status == "in_stock" and not made[good[0]].pool
    assert made[good[1]].status == "docked" and made[good[1]].pool

    # The same file again changes nothing.
    _upload(page, "cameras.csv", csv_text)
    expect(page.get_by_role("status")).to_contain_text("0 new, 0 updated, 2 unchanged, 1 with")

    # All or nothing: one bad row, nothing imported.
    other = f"IMP-{tag}-4"
    bad = f"serial,model,borough\n{other},Axis W110,Camden\nIMP-{tag}-5,,Camden\n"
    _upload(page, "more.csv", bad, strict=True)
    expect(page.get_by_role("heading", name="Nothing imported: cameras")).to_be_visible()
    assert _cameras([other]) == {}
    assert js_errors(page) == []


def test_bad_files_get_clear_errors_and_change_nothing(stack: Stack, live_server: str) -> None:
    manager = person(stack, "fleet_manager", borough=None)
    client, csrf = browser_client(live_server, manager.username)
    try:
        form = {"csrf_token": csrf, "kind": "cameras"}
        missing = client.post("/fleet/import", data=form)
        assert missing.status_code == 422 and "Choose a CSV file to import." in missing.text
        wrong_kind = client.post(
            "/fleet/import",
            data={**form, "kind": "docks"},
            files={"file": ("x.csv", b"serial\n", "text/csv")},
        )
        assert wrong_kind.status_code == 422 and "Choose officers or cameras." in wrong_kind.text
        headerless = client.post(
            "/fleet/import",
            data=form,
            files={"file": ("x.csv", b"\xff\xfe\x00garbage", "text/csv")},
        )
        assert headerless.status_code == 200
        assert "0 new" in headerless.text and "1 with errors" in headerless.text
        assert "not UTF-8 text" in headerless.text
    finally:
        client.close()


def test_only_fleet_managers_may_import(stack: Stack, live_server: str) -> None:
    for role in ("officer", "supervisor", "auditor"):
        someone = person(stack, role)
        client, csrf = browser_client(live_server, someone.username)
        try:
            assert client.get("/fleet/import").status_code == 403, role
            refused = client.post(
                "/fleet/import",
                data={"csrf_token": csrf, "kind": "cameras"},
                files={"file": ("x.csv", b"serial,model\nNOPE-1,Axis\n", "text/csv")},
            )
            assert refused.status_code == 403, role
            assert _cameras(["NOPE-1"]) == {}
        finally:
            client.close()
    anonymous = httpx.get(f"{live_server}/fleet/import", follow_redirects=False)
    assert anonymous.status_code in (302, 303, 401)
