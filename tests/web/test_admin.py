"""Administration in a real browser: users (create, roles, grants, disable), roles, categories,
API tokens (the secret shown once, then revoked) and the Axis connection file — each change made
by the same services as the admin API and recorded in the audit log."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect
from sqlalchemy import select

from openbwv.access.models import ApiToken, Grant, Role, User
from openbwv.audit.models import AuditEvent
from openbwv.categories.models import Category
from openbwv.db.session import unit_of_work
from tests.support.stack import Stack
from tests.web.conftest import screenshot
from tests.web.pages import PASSWORD, browser_client, js_errors, person, signed_in


def _audited(action: str, actor: str, target_id: str | None = None) -> list[AuditEvent]:
    with unit_of_work() as session:
        query = select(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.actor_name == actor
        )
        if target_id is not None:
            query = query.where(AuditEvent.target_id == target_id)
        rows = list(session.scalars(query.order_by(AuditEvent.id)))
        for row in rows:
            session.expunge(row)
        return rows


def _accept_confirmations(page: Page) -> None:
    page.on("dialog", lambda dialog: dialog.accept() if dialog.type == "confirm" else None)


def test_users_roles_and_grants(page: Page, stack: Stack, live_server: str) -> None:
    admin = signed_in(page, stack, "administrator", borough=None, next_path="/admin")
    _accept_confirmations(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Administration")
    screenshot(page, "admin-overview")
    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Users").click()
    page.get_by_role("link", name="Create a user").click()
    username = f"new{uuid.uuid4().hex[:8]}"
    # A bad username is refused on the form, with the values kept.
    page.get_by_label("Username").fill("Not Valid!")
    page.get_by_label("Display name").fill("PC Ada Lovelace")
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_role("alert")).to_contain_text("Username: use 2–64 lower-case letters")
    expect(page.get_by_label("Display name")).to_have_value("PC Ada Lovelace")
    page.get_by_label("Username").fill(username)
    page.get_by_label("officer", exact=True).check()
    page.get_by_label("Borough", exact=True).select_option(label="Westminster")
    page.get_by_label("Team", exact=True).fill("Charing Cross Response")
    page.get_by_label("Initial password").fill(PASSWORD)
    screenshot(page, "admin-user-new")
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_role("status")).to_have_text("The user was created.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("PC Ada Lovelace")
    with unit_of_work() as session:
        created = session.scalar(select(User).where(User.username == username))
        assert created is not None and created.role_names == ["officer"]
        assert created.borough == "E09000033"
        user_id = str(created.id)
    assert len(_audited("user.create", admin.username, user_id)) == 1
    browser_client(live_server, username)  # the initial password works

    # Roles.
    page.get_by_label("investigator", exact=True).check()
    page.get_by_role("button", name="Save roles").click()
    expect(page.get_by_role("status")).to_have_text("The roles were changed.")
    [changed] = _audited("user.roles", admin.username, user_id)
    assert changed.details == {"before": ["officer"], "after": ["investigator", "officer"]}

    # A grant of the restricted category (domestic abuse), with a reason, then revoked.
    page.get_by_label("Category").select_option(label="Domestic abuse (restricted)")
    page.locator("#grant-category-reason").fill("Joins the domestic abuse review team")
    page.get_by_role("button", name="Grant category").click()
    expect(page.get_by_role("status")).to_have_text("The grant was added.")
    grants = page.locator("table", has_text="Reason").locator("tbody tr")
    expect(grants).to_have_count(1)
    expect(grants.first).to_contain_text("domestic_abuse")
    with unit_of_work() as session:
        [grant] = session.scalars(select(Grant).where(Grant.user_id == uuid.UUID(user_id)))
        assert (grant.kind, grant.target, grant.revoked_at) == ("category", "domestic_abuse", None)
    assert _audited("user.grant", admin.username, user_id)[0].reason == (
        "Joins the domestic abuse review team"
    )
    screenshot(page, "admin-user")
    page.get_by_role("button", name="Revoke the category grant of domestic_abuse").click()
    expect(page.get_by_role("status")).to_have_text("The grant was revoked.")
    expect(grants.first).to_have_text("No grants.")
    assert len(_audited("user.grant_revoke", admin.username, str(grant.id))) == 1

    # Disabling ends the user's sessions at once.
    client, _ = browser_client(live_server, username)
    assert client.get("/upload").status_code == 200
    page.get_by_role("button", name="Disable user").click()
    expect(page.get_by_role("status")).to_contain_text("The user was disabled")
    assert client.get("/upload", follow_redirects=False).status_code == 303  # to sign in
    assert len(_audited("user.disable", admin.username, user_id)) == 1

    # The list finds the user by name.
    page.goto("/admin/users")
    page.get_by_label("Name or username contains").fill("ada lovelace")
    page.get_by_role("button", name="Find").click()
    row = page.locator("tbody tr", has_text=username)
    expect(row).to_contain_text("Disabled")
    screenshot(page, "admin-users")
    assert js_errors(page) == []


def test_roles_and_categories(page: Page, stack: Stack) -> None:
    admin = signed_in(page, stack, "administrator", borough=None, next_path="/admin/roles")
    role = f"custody_{uuid.uuid4().hex[:6]}"
    page.get_by_role("link", name="Create a role").click()
    page.get_by_label("Name").fill(role)
    page.get_by_label("Description").fill("Custody sergeant: the suite's footage")
    page.get_by_label("Scope of footage").select_option("borough")
    page.get_by_label("evidence.view", exact=True).check()
    page.get_by_role("button", name="Save role").click()
    expect(page.get_by_role("status")).to_have_text("The role was saved.")
    page.get_by_role("link", name=role).click()
    page.get_by_label("evidence.play", exact=True).check()
    page.get_by_label("Scope of footage").select_option("team")
    page.get_by_role("button", name="Save role").click()
    expect(page.locator("tr", has_text=role)).to_contain_text("evidence.play")
    with unit_of_work() as session:
        saved = session.get(Role, role)
        assert saved is not None
        assert (saved.scope, saved.permissions) == ("team", ["evidence.play", "evidence.view"])
    events = _audited("policy.role", admin.username, role)
    assert [e.details["after"]["scope"] for e in events] == ["borough", "team"]
    screenshot(page, "admin-roles")

    name = f"road_traffic_{uuid.uuid4().hex[:6]}"
    page.goto("/admin/categories/new")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Label").fill("Road traffic collision")
    page.get_by_label("Retention in days").fill("abc")
    page.get_by_role("button", name="Save category").click()
    expect(page.get_by_role("alert")).to_contain_text("Retention: give 1–36500 days")
    page.get_by_label("Retention in days").fill("400")
    page.get_by_role("button", name="Save category").click()
    expect(page.get_by_role("status")).to_have_text("The category was saved.")
    page.get_by_role("link", name="Road traffic collision").click()
    page.get_by_label("Label").fill("Road traffic collision (fatal)")
    page.get_by_label("Retention in days").fill("")
    page.get_by_label("Restricted", exact=False).check()
    page.get_by_role("button", name="Save category").click()
    row = page.locator("tr", has_text="Road traffic collision (fatal)")
    expect(row).to_contain_text("Reviewed, not deleted automatically")
    expect(row).to_contain_text("Restricted")
    with unit_of_work() as session:
        category = session.get(Category, name)
        assert category is not None
        assert (category.label, category.retention_days, category.restricted) == (
            "Road traffic collision (fatal)",
            None,
            True,
        )
    [_, edit] = _audited("policy.category", admin.username, name)
    assert edit.details["before"]["retention_days"] == 400
    assert edit.details["after"]["restricted"] is True
    screenshot(page, "admin-categories")
    assert js_errors(page) == []


def test_tokens_secret_once_and_revoke(page: Page, stack: Stack, live_server: str) -> None:
    admin = signed_in(page, stack, "administrator", borough=None, next_path="/admin/tokens")
    _accept_confirmations(page)
    name = f"Dock gateway {uuid.uuid4().hex[:6]}"
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Role").select_option("device")
    page.get_by_label("Expires after (days)").fill("30")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("status")).to_contain_text("shown only this once")
    secret = page.get_by_label("Secret").input_value()
    assert secret.startswith("bwv_")
    screenshot(page, "admin-token-created")
    bearer = {"Authorization": f"Bearer {secret}"}
    assert httpx.get(f"{live_server}/api/v1/auth/me", headers=bearer).status_code == 200
    page.goto("/admin/tokens")
    assert secret not in page.content()  # never shown again
    row = page.locator("tbody tr", has_text=name)
    expect(row).to_contain_text(secret[:10])  # the prefix identifies it
    row.get_by_role("button", name=f"Revoke {name}").click()
    expect(page.get_by_role("status")).to_have_text("The token was revoked.")
    expect(page.locator("tbody tr", has_text=name)).to_contain_text("Revoked")
    assert httpx.get(f"{live_server}/api/v1/auth/me", headers=bearer).status_code == 401
    assert len(_audited("token.create", admin.username)) == 1
    assert len(_audited("token.revoke", admin.username)) == 1
    # The API and the page share the service: an unknown permission is refused by both.
    refused = httpx.post(
        f"{live_server}/api/v1/admin/tokens",
        headers={"Authorization": f"Bearer {stack.token('administrator')}"},
        json={"name": "odd", "role": "device", "scopes": ["evidence.teleport"]},
    )
    assert refused.status_code == 422 and "evidence.teleport" in refused.json()["detail"]
    assert js_errors(page) == []


def test_axis_connection_file_download(
    page: Page, stack: Stack, live_server: str, tmp_path: Path
) -> None:
    admin = signed_in(page, stack, "administrator", borough=None, next_path="/admin/axis")
    account = f"bws-{uuid.uuid4().hex[:6]}"
    page.get_by_label("Credential name").fill(account)
    page.get_by_label("Site name").fill("Met BWV")
    screenshot(page, "admin-axis")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download connection file").click()
    target = tmp_path / "connection.json"
    download.value.save_as(target)
    assert download.value.suggested_filename == "openbwv-axis-connection.json"
    document = json.loads(target.read_text())
    assert document["BlobAPIUserName"] == account and document["SiteName"] == "Met BWV"
    assert document["AuthenticationTokenURI"] == [f"{live_server}/auth/v1.0"]
    assert document["WantEncryption"] is True and document["PublicKey"]
    # The credential inside is real: the body worn system authenticates with it.
    answer = httpx.get(
        document["AuthenticationTokenURI"][0],
        headers={"X-Auth-User": account, "X-Auth-Key": document["BlobAPIKey"]},
    )
    assert answer.status_code in (200, 204) and answer.headers["X-Auth-Token"]
    assert len(_audited("axis.connection_file.create", admin.username)) == 1
    # A bad address is refused on the form.
    page.goto("/admin/axis")
    page.get_by_label("Addresses the body worn system reaches").fill("ftp://nowhere")
    page.get_by_role("button", name="Download connection file").click()
    expect(page.get_by_role("alert")).to_contain_text("is not an http(s) URL")
    assert js_errors(page) == []


def test_administration_is_for_administrators(stack: Stack, live_server: str) -> None:
    paths = ["/admin", "/admin/users", "/admin/roles", "/admin/categories", "/admin/tokens"]
    name = f"refused-{uuid.uuid4().hex[:6]}"
    for roles in (("officer",), ("fleet_manager",), ("auditor",)):
        client, csrf = browser_client(live_server, person(stack, *roles).username)
        for path in [*paths, "/admin/axis"]:
            assert client.get(path).status_code == 403, (roles, path)
        refused = client.post(
            "/admin/tokens", data={"csrf_token": csrf, "name": name, "role": "administrator"}
        )
        assert refused.status_code == 403
    with unit_of_work() as session:
        assert session.scalar(select(ApiToken).where(ApiToken.name == name)) is None
