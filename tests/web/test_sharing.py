"""Sharing from the case page, in a browser: a disclosure officer shares a case with the CPS in
one form; the CPS lawyer signs in with their second factor, finds it under "Shared with you",
plays the footage and downloads the evidence package; the disclosure officer sees both among the
receipts and downloads the case's package from the sharing page. (The sharing API, links,
expiry and revocation: tests/sharing.)"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from pathlib import Path

import pyotp
from playwright.sync_api import Browser, expect

from openbwv.access.models import User
from openbwv.db.session import unit_of_work
from openbwv.sharing import queries as sharing_queries
from openbwv.sharing import service as sharing
from openbwv.sharing.cli import OPERATOR
from openbwv.timeutil import utcnow
from tests.support import factories
from tests.support.stack import Stack
from tests.web.conftest import screenshot
from tests.web.evidence_world import (
    PASSWORD,
    person,
    record_clip,
    signed_in_page,
    wait_js,
    wait_ready,
    watch,
)


def _lawyer(stack: Stack, organisation: str) -> tuple[str, str]:
    """An external user of the organisation with a second factor enrolled; (username, secret)."""
    username = f"cps{uuid.uuid4().hex[:8]}"
    user = stack.user("external", kind="external", username=username, password=PASSWORD)
    secret = pyotp.random_base32()
    with unit_of_work() as session:
        found = session.get(User, user.id)
        assert found is not None
        found.display_name, found.totp_secret, found.totp_enabled = "Jo Lawyer", secret, True
        org = sharing.create_organisation(session, OPERATOR, organisation, "cps")
        sharing.add_member(session, OPERATOR, org, user.id, True)
    return username, secret


def test_a_disclosure_officer_shares_a_case_and_the_cps_plays_it(
    browser: Browser, live_server: str, stack: Stack, tmp_path: Path
) -> None:
    officer = person(stack, "officer")
    dco = person(stack, "disclosure_officer")
    start = (utcnow() - timedelta(hours=5)).replace(microsecond=0)
    item = record_clip(tmp_path, officer.username, f"SH-{uuid.uuid4().hex[:6]}", start, seed=7)
    wait_ready(item)
    case = factories.case(officer.user, [(officer.user, "oic")], [uuid.UUID(item)])
    organisation = f"CPS London {uuid.uuid4().hex[:4]}"
    username, secret = _lawyer(stack, organisation)

    page = signed_in_page(browser, live_server, dco, f"/cases/{case}")
    page.get_by_role("link", name="Share and disclose").click()
    page.get_by_label("Recipient", exact=True).select_option(label=f"{organisation} (CPS)")
    page.get_by_label("Download the originals").check()
    page.get_by_label("Reason for sharing").fill("Pre-charge advice")
    screenshot(page, "share-form")
    page.get_by_role("button", name="Share", exact=True).click()
    expect(page.locator("#share-done")).to_contain_text(f"1 items shared with {organisation}")
    screenshot(page, "share-done")

    lawyer = browser.new_context(base_url=live_server, locale="en-GB", timezone_id="Europe/London")
    lawyer.set_default_timeout(20_000)
    cps = lawyer.new_page()
    errors = watch(cps)
    cps.goto("/sign-in")
    cps.get_by_label("Username").fill(username)
    cps.get_by_label("Password").fill(PASSWORD)
    cps.get_by_role("button", name="Sign in").click()
    cps.get_by_label("Six-digit code from your authenticator app").fill(pyotp.TOTP(secret).now())
    cps.get_by_role("button", name="Continue").click()
    expect(cps).to_have_url(re.compile(r"/shared$"))
    expect(cps.get_by_role("heading", level=1)).to_have_text("Shared with you")
    screenshot(cps, "share-recipient")
    cps.locator(f'a[href="/shared/items/{item}"]').click()
    wait_js(cps, "() => document.getElementById('shared-player').readyState >= 1", "metadata")
    cps.evaluate(
        "() => { const v = document.getElementById('shared-player'); v.muted = true; v.play(); }"
    )
    wait_js(cps, "() => document.getElementById('shared-player').currentTime > 0.3", "playback")
    expect(cps.get_by_role("link", name="Download the original")).to_be_visible()
    screenshot(cps, "share-player")
    cps.goto("/shared")
    with cps.expect_download() as fetched:
        cps.get_by_role("link", name="Download the evidence package (verify offline)").click()
    assert fetched.value.suggested_filename.endswith(".zip")
    assert Path(fetched.value.path()).read_bytes()[:2] == b"PK"
    assert errors == []

    page.goto(f"/cases/{case}/sharing")
    expect(page.locator("#receipts")).to_contain_text(f"{organisation} — {username} played SH-")
    expect(page.locator("#receipts")).to_contain_text("downloaded the evidence package")
    screenshot(page, "share-receipts")
    with page.expect_download() as built:
        page.get_by_role("button", name="Download package").click()
    assert Path(built.value.path()).read_bytes()[:2] == b"PK"
    with unit_of_work() as session:
        (made,) = sharing_queries.shares_of_case(session, case)
        ends = made.expires_at
    row = page.locator(f'tr[data-share="{made.id}"]')
    row.get_by_role("button", name="Extend").click()
    with unit_of_work() as session:
        found = sharing_queries.find_share(session, made.id)
        assert found is not None and found.expires_at - ends == timedelta(days=30)
    page.locator("#schedule select").select_option("sensitive")
    page.get_by_label("Reason for the decision").fill("Third party's address")
    page.locator("#schedule").get_by_role("button", name="Save").click()
    expect(page.locator("#schedule select")).to_have_value("sensitive")
    # Revoke (its confirmation is the page script's; the form itself is what is tested here).
    page.locator(f'tr[data-share="{made.id}"] form[action$="/revoke"]').evaluate("f => f.submit()")
    expect(page.locator(f'tr[data-share="{made.id}"] .share-status')).to_have_text("revoked")
    cps.reload()  # the lawyer's player page: the share has ended, at once
    expect(cps.get_by_role("heading", level=1)).not_to_have_text(re.compile("SH-"))
    assert cps.goto(f"/shared/items/{item}").status == 404
    lawyer.close()
