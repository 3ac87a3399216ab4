"""Web security, checked over every page a crawler reaches as an administrator, an officer and a
supervisor: a strict Content-Security-Policy and no violation of it anywhere; a CSRF token in
every form that changes something, and a 403 without it; script and attribute-breaking payloads
in every free-text field rendered as text; and no item of footage revealed to someone who may
not see it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from openbwv.access.models import User
from openbwv.db.session import unit_of_work
from openbwv.media.synth import make_clip
from tests.support import tus
from tests.support.evidence import ingest
from tests.support.stack import Stack
from tests.web.conftest import sign_in, watch_page_errors
from tests.web.crawl import Crawl, Form, crawl, static_problems
from tests.web.pages import PASSWORD, browser_client, person

SCRIPT = '<script>alert("xss-script")</script>'
ATTRIBUTE = '"><img src=x onerror=alert("xss-attr")>'
SINGLE = "'><svg onload=alert('xss-svg')>"
# Every page these tests must reach, whoever builds the rest: the dashboard, administration,
# uploads and the shell.
MUST_VISIT = {
    "administrator": {
        "/",
        "/fleet",
        "/fleet/boroughs/{code}",
        "/fleet/import",
        "/admin",
        "/admin/users",
        "/admin/users/new",
        "/admin/users/{username}",
        "/admin/roles",
        "/admin/roles/new",
        "/admin/roles/{name}",
        "/admin/categories",
        "/admin/categories/new",
        "/admin/categories/{name}",
        "/admin/tokens",
        "/admin/axis",
        "/incidents",
    },
    "officer": {"/", "/upload", "/upload/recent", "/incidents", "/incidents/queue", "/compliance"},
    "supervisor": {
        "/",
        "/upload",
        "/upload/recent",
        "/fleet",
        "/fleet/boroughs/{code}",
        "/incidents",
        "/incidents/queue",
        "/compliance",
    },
}


@dataclass
class World:
    hidden_item: dict[str, str]  # another borough's item: no one crawled may learn of it
    hidden_clip: Path


def _api(live_server: str, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=live_server, timeout=60, headers={"Authorization": f"Bearer {token}"}
    )


@pytest.fixture(scope="module")
def world(stack: Stack, live_server: str, tmp_path_factory: pytest.TempPathFactory) -> World:
    folder = tmp_path_factory.mktemp("security")
    outsider = stack.user("officer", borough="E09000030", team="Poplar Response")
    hidden_clip = make_clip(folder / "hidden-bethnal-green.mp4", seconds=1, seed=4242)
    with _api(live_server, stack.user_token(outsider)) as client:
        hidden_url = ingest(client, hidden_clip)
        hidden = client.get(hidden_url).json()
    return World(
        hidden_item={"id": hidden["id"], "sha256": hidden["sha256"], "name": hidden_clip.name},
        hidden_clip=hidden_clip,
    )


def _signed_in(context: BrowserContext, stack: Stack, role: str) -> tuple[Page, object]:
    page = context.new_page()
    watch_page_errors(page)
    user = person(stack, role, borough=None if role == "administrator" else "E09000033")
    sign_in(page, user.username, PASSWORD)
    return page, user


@dataclass
class Visit:
    crawl: Crawl
    page: Page  # still signed in, for the requests that follow


@pytest.fixture(scope="module")
def crawls(
    browser: Browser,
    stack: Stack,
    live_server: str,
    world: World,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Visit]]:
    found: dict[str, Visit] = {}
    contexts = []
    for role in MUST_VISIT:
        context = browser.new_context(base_url=live_server, locale="en-GB")
        context.set_default_timeout(20_000)
        contexts.append(context)
        page, user = _signed_in(context, stack, role)
        if role == "officer":  # the officer's own clip: its pages and forms are crawled too
            clip = make_clip(tmp_path_factory.mktemp("own") / "own.mp4", seconds=1, seed=4343)
            with _api(live_server, stack.user_token(user)) as client:
                ingest(client, clip)
        visited = crawl(page, ["/", "/fleet", "/upload", "/admin"], live_server)
        found[role] = Visit(visited, page)
    yield found
    for context in contexts:
        context.close()


def test_every_page_is_reached(crawls: dict[str, Visit]) -> None:
    for role, must in MUST_VISIT.items():
        reached = crawls[role].crawl.templates
        assert must <= reached, (role, must - reached)


def test_strict_csp_and_no_violation_anywhere(crawls: dict[str, Visit], live_server: str) -> None:
    anonymous = httpx.get(f"{live_server}/sign-in")
    assert static_problems(anonymous.text) == []
    for role, visit in crawls.items():
        found = visit.crawl
        for url, headers in found.headers.items():
            csp = headers["content-security-policy"]
            directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
            assert directives["script-src"] == "'self'", (role, url)
            assert "unsafe" not in csp and "*" not in csp, (role, url)
            assert headers["x-frame-options"] == "DENY"
            assert static_problems(found.html[url]) == [], (role, url)
            assert found.errors[url] == [], (role, url, found.errors[url])


def _post_forms(found: Crawl) -> dict[str, Form]:
    """One form per action that changes something (the first seen)."""
    forms: dict[str, Form] = {}
    for form in found.forms:
        if form.method == "post":
            forms.setdefault(form.action, form)
    return forms


def test_every_form_needs_its_csrf_token(crawls: dict[str, Visit], live_server: str) -> None:
    checked = set()
    for role, visit in crawls.items():
        page = visit.page
        for action, form in _post_forms(visit.crawl).items():
            assert form.value("csrf_token"), f"{form.page}: the form for {action} has no token"
            fields = {n: v for n, t, v in form.fields if n != "csrf_token" and t != "file"}
            for token in (None, "forged-token"):
                sent = fields if token is None else {**fields, "csrf_token": token}
                refused = page.request.post(action, form=sent, max_redirects=0)
                assert refused.status == 403, (role, action, token, refused.status)
            checked.add(action)
    assert {"/sign-out", "/admin/users", "/admin/tokens", "/admin/axis/connection-file"} <= checked
    # The sign-in form's own (double-submit) token: a forged one is refused too.
    forged = httpx.post(
        f"{live_server}/sign-in",
        data={"username": "x", "password": "y", "csrf_token": "forged"},
        cookies={"bwv_login_csrf": "other"},
    )
    assert forged.status_code == 403


@pytest.fixture(scope="module")
def payloads(stack: Stack, live_server: str) -> dict[str, str]:
    """Free text with script and attribute-breaking payloads in every field these pages show."""
    admin = _api(live_server, stack.token("administrator", name=f"xss {SCRIPT}"))
    suffix = uuid.uuid4().hex[:6]
    username = f"xss{suffix}"
    made = admin.post(
        "/api/v1/admin/users",
        json={
            "username": username,
            "display_name": f"PC {SCRIPT} {ATTRIBUTE}",
            "organisation": f"Org {SINGLE}",
            "roles": ["officer"],
            "borough": "E09000030",
            "team": f"Team {ATTRIBUTE}",
            "password": PASSWORD,
        },
    )
    assert made.status_code == 201, made.text
    role = f"xss_{suffix}"
    assert admin.put(
        f"/api/v1/admin/roles/{role}",
        json={"description": f"Role {SCRIPT}{SINGLE}", "permissions": [], "scope": "none"},
    ).is_success
    category = f"xss_{suffix}"
    assert admin.put(
        f"/api/v1/admin/categories/{category}", json={"label": f"Cat {ATTRIBUTE}{SCRIPT}"}
    ).is_success
    assert admin.post(
        "/api/v1/admin/tokens", json={"name": f"Token {SCRIPT}{ATTRIBUTE}", "role": "device"}
    ).is_success
    # The officer's upload, under a file name that tries to break out of the page.
    with _api(live_server, stack.user_token(_user(username))) as officer:
        created = tus.create(officer, 4, {"filename": f"{ATTRIBUTE}.mp4"})
        assert created.status_code == 201, created.text
    return {"user": username, "role": role, "category": category, "borough": "E09000030"}


def _user(username: str) -> object:
    with unit_of_work() as session:
        found = session.scalar(select(User).where(User.username == username))
        session.expunge(found)
    return found


def _rendered_as_text(page: Page, path: str, texts: list[str], dialogs: list[str]) -> None:
    page.goto(path)
    for text in texts:
        expect(page.get_by_text(text, exact=False).first).to_be_visible()
    assert page.locator('img[src="x"], svg[onload], script:not([src])').count() == 0, path
    assert dialogs == [], (path, dialogs)
    assert page.js_errors == [], (path, page.js_errors)  # type: ignore[attr-defined]


def test_free_text_is_escaped_everywhere(
    context: BrowserContext, stack: Stack, payloads: dict[str, str]
) -> None:
    dialogs: list[str] = []

    def check(page: Page, path: str, texts: list[str]) -> None:
        _rendered_as_text(page, path, texts, dialogs)

    admin, _ = _signed_in(context, stack, "administrator")
    admin.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    name = f"PC {SCRIPT} {ATTRIBUTE}"
    check(admin, f"/admin/users?q={payloads['user']}", [name, f"Org {SINGLE}"])
    check(admin, f"/admin/users/{payloads['user']}", [name, f"Team {ATTRIBUTE}"])
    check(admin, "/admin/roles", [f"Role {SCRIPT}{SINGLE}"])
    check(admin, f"/admin/roles/{payloads['role']}", [])
    expect(admin.get_by_label("Description")).to_have_value(f"Role {SCRIPT}{SINGLE}")
    check(admin, "/admin/categories", [f"Cat {ATTRIBUTE}{SCRIPT}"])
    check(admin, f"/admin/categories/{payloads['category']}", [])
    expect(admin.get_by_label("Label")).to_have_value(f"Cat {ATTRIBUTE}{SCRIPT}")
    check(admin, "/admin/tokens", [f"Token {SCRIPT}{ATTRIBUTE}", f"xss {SCRIPT}"])
    check(admin, f"/fleet/boroughs/{payloads['borough']}", [name, f"Team {ATTRIBUTE}"])
    # Values sent back on a refused form are escaped too.
    admin.goto("/admin/users/new")
    admin.get_by_label("Username").fill("Bad Name")
    admin.get_by_label("Display name").fill(ATTRIBUTE + SCRIPT)
    admin.get_by_role("button", name="Create user").click()
    expect(admin.get_by_label("Display name")).to_have_value(ATTRIBUTE + SCRIPT)
    admin.goto("/admin/axis")
    admin.get_by_label("Addresses the body worn system reaches").fill(f"</textarea>{SCRIPT}")
    admin.get_by_role("button", name="Download connection file").click()
    expect(admin.get_by_role("alert")).to_contain_text(SCRIPT)
    assert admin.locator("script:not([src])").count() == 0 and dialogs == []
    assert admin.js_errors == []  # type: ignore[attr-defined]
    officer = context.new_page()
    officer.js_errors = []  # type: ignore[attr-defined]
    officer.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in(officer, payloads["user"], PASSWORD, "/upload")
    check(officer, "/upload", [f"{ATTRIBUTE}.mp4"])


def test_no_page_reveals_a_hidden_item(crawls: dict[str, Visit], world: World) -> None:
    """Nobody crawled may see the other borough's item: no page names it in any way."""
    secrets = [world.hidden_item["id"], world.hidden_item["sha256"], world.hidden_item["name"]]
    for role, visit in crawls.items():
        for url, html in visit.crawl.html.items():
            leaked = [s for s in secrets if s in html]
            assert leaked == [], (role, url, leaked)


def test_uploads_list_is_the_uploaders_own(stack: Stack, live_server: str, world: World) -> None:
    """Identical bytes become the first uploader's item: a second uploader, who may not see that
    item, gets neither its link nor its state in the list of their uploads."""
    other = person(stack, "officer", borough="E09000033")
    with _api(live_server, stack.user_token(other)) as client:
        response = tus.upload(client, world.hidden_clip.read_bytes(), {"filename": "mine.mp4"})
        assert response.status_code == 204
    browser, _ = browser_client(live_server, other.username)
    listing = browser.get("/upload/recent").text
    assert "mine.mp4" in listing and "Received" in listing
    assert world.hidden_item["id"] not in listing and "/evidence/" not in listing
    assert world.hidden_item["name"] not in listing
