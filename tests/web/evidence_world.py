"""Real footage and people for the evidence and case page tests: clips made now with
`media.synth`, imported with sidecars (officer, camera, recorded time, GPS track) and processed by
the stack's real worker."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page

from tests.support import factories
from tests.support.stack import Stack
from tests.support.waiting import wait_until
from tests.web.conftest import sign_in, watch_page_errors

PASSWORD = "a long test password"
HOME = "E09000033"  # Westminster
AWAY = "E09000007"  # Camden
# Whitehall, southwards: a short walk with a fix every second.
WHITEHALL = (51.5055, -0.1265)


@dataclass
class Person:
    user: Any
    username: str
    password: str = PASSWORD


def person(stack: Stack, *roles: str, borough: str = HOME, team: str | None = None) -> Person:
    username = f"w{uuid.uuid4().hex[:10]}"
    user = stack.user(
        *roles,
        borough=borough,
        team=team or f"T-{uuid.uuid4().hex[:6]}",
        username=username,
        password=PASSWORD,
    )
    return Person(user, username)


def walk(start: datetime, seconds: int, origin: tuple[float, float] = WHITEHALL) -> list[Any]:
    lat, lon = origin
    return [
        [(start + timedelta(seconds=i)).isoformat().replace("+00:00", "Z"), lat - i * 2e-4, lon]
        for i in range(seconds + 1)
    ]


def record_clip(
    folder: Path,
    officer: str,
    camera: str,
    start: datetime,
    *,
    seconds: int = 6,
    seed: int = 0,
    track: list[Any] | None = None,
) -> str:
    """A real clip, imported as the officer's recording; returns its evidence id."""
    from openbwv.ingest.importer import import_file
    from openbwv.media.synth import make_clip

    path = make_clip(
        folder / f"{camera}-{seed}-{uuid.uuid4().hex[:6]}.mp4",
        seconds=seconds,
        seed=seed,
        label=camera,
        start_time=start,
    )
    sidecar: dict[str, Any] = {
        "officer": officer,
        "camera_serial": camera,
        "recorded_start": start.isoformat().replace("+00:00", "Z"),
    }
    if track is not None:
        sidecar["gps_track"] = track
    path.with_name(path.name + ".json").write_text(json.dumps(sidecar))
    evidence_id, created = import_file(path)
    assert created
    return evidence_id


def wait_ready(*evidence_ids: str, timeout: float = 120) -> None:
    from openbwv.db.session import unit_of_work
    from openbwv.evidence.models import EvidenceItem

    def ready() -> bool:
        with unit_of_work() as session:
            states = [session.get(EvidenceItem, uuid.UUID(i)) for i in evidence_ids]
            return all(item is not None and item.status == "ready" for item in states)

    wait_until(ready, timeout=timeout, what=f"processing of {len(evidence_ids)} clip(s)")


def signed_in_page(browser: Browser, live_server: str, who: Person, next_path: str = "/") -> Page:
    """A fresh browser context signed in as `who`, collecting JS errors and CSP violations."""
    context: BrowserContext = browser.new_context(
        base_url=live_server, locale="en-GB", timezone_id="Europe/London"
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    watch(page)
    sign_in(page, who.username, who.password, next_path)
    return page


def watch(page: Page) -> list[str]:
    errors = watch_page_errors(page)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs  # type: ignore[attr-defined]
    return errors


def audit_actions(evidence_id: str | None = None, actor: Any = None) -> list[tuple[str, Any]]:
    """(action, details) of audit events, oldest first, filtered by item and/or actor."""
    from sqlalchemy import select

    from openbwv.audit.models import AuditEvent
    from openbwv.db.session import unit_of_work

    query = select(AuditEvent.action, AuditEvent.details).order_by(AuditEvent.id)
    if evidence_id is not None:
        query = query.where(AuditEvent.evidence_id == uuid.UUID(evidence_id))
    if actor is not None:
        query = query.where(AuditEvent.actor_id == actor.id)
    with unit_of_work() as session:
        return [(action, details) for action, details in session.execute(query)]


def wait_js(page: Page, function: str, what: str, timeout: float = 20) -> Any:
    """Poll a JavaScript function in the page until it returns something truthy. (Playwright's
    wait_for_function evaluates strings inside the page, which the strict CSP refuses.)"""
    return wait_until(lambda: page.evaluate(function), timeout=timeout, what=what)


def make_item(
    owner: Any,
    occurred: datetime,
    *,
    categories: tuple[str, ...] = (),
    camera: str | None = None,
    title: str | None = None,
    track: list[Any] | None = None,
    duration: float = 30.0,
    recording: str | None = None,
) -> str:
    """An evidence record without media (for lists and searches, where the bytes do not matter):
    owned by `owner`, in their borough and team, recorded at `occurred`."""
    made = factories.item(
        owner,
        occurred=occurred,
        categories=categories,
        camera=camera,
        title=title,
        track=track,
        duration=duration,
        recording=recording,
    )
    return str(made)
