"""The subject access pages without a browser: only `sar.handle` may open each page or post each
form; the dashboard orders open requests by days left with the overdue in red and the paused
marked; a refused change shows the service's message with what was typed kept; the report page
and the information rights officer's landing."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from openbwv.db.session import unit_of_work
from openbwv.subject_access import queries, service
from openbwv.subject_access.cli import OPERATOR
from tests.subject_access.helpers import redacted
from tests.support import factories
from tests.support.stack import Stack

NOBODY_ID = "00000000-0000-7000-8000-000000000000"


def _client(live_server: str, stack: Stack, user: Any) -> httpx.Client:
    headers = {"Authorization": f"Bearer {stack.user_token(user)}", "Accept": "text/html"}
    return httpx.Client(base_url=live_server, headers=headers, timeout=30)


def _open(days_ago: int, name: str = "Pat Page") -> str:
    with unit_of_work() as session:
        return service.open_request(
            session,
            OPERATOR,
            requester_name=name,
            requester_contact="pat@example.org",
            requester_description=None,
            received_on=queries.today() - timedelta(days=days_ago),
        ).reference


def _routes(reference: str) -> list[tuple[str, str, dict[str, str]]]:
    base = f"/subject-access/{reference}"
    return [
        ("GET", "/subject-access", {}),
        ("GET", "/subject-access/report", {}),
        ("GET", base, {}),
        ("POST", "/subject-access", {"requester_name": ""}),
        ("POST", f"{base}/identity", {"method": "x"}),
        ("POST", f"{base}/pause", {"start_on": "1990-01-01", "reason": "Which day?"}),
        ("POST", f"{base}/resume", {"end_on": "1990-01-01"}),
        ("POST", f"{base}/extension", {"months": "9", "notice_on": "1990-01-01"}),
        ("POST", f"{base}/items", {"evidence_id": NOBODY_ID}),
        ("POST", f"{base}/items/{NOBODY_ID}/remove", {"reason": "Not theirs at all"}),
        ("POST", f"{base}/items/{NOBODY_ID}/restriction", {"restriction": "none"}),
        ("POST", f"{base}/release", {"method": "Post"}),
        ("POST", f"{base}/close", {"outcome": "lost"}),
    ]


@pytest.mark.parametrize(
    "role", ["information_rights", "officer", "supervisor", "professional_standards", "auditor"]
)
def test_each_page_and_form_is_for_sar_handle_only(
    role: str, live_server: str, stack: Stack
) -> None:
    reference = _open(2)
    person = stack.user(role, borough="E09000033", team=factories.unique("SAR pages"))
    failures = []
    with _client(live_server, stack, person) as client:
        for method, path, form in _routes(reference):
            response = client.request(method, path, data=form if method == "POST" else None)
            refused = response.status_code in (401, 403)
            if refused == (role == "information_rights") or response.status_code >= 500:
                failures.append(f"{method} {path}: {response.status_code}")
    assert failures == []


def test_the_dashboard_puts_the_overdue_first_in_red_and_marks_the_paused(
    live_server: str, stack: Stack
) -> None:
    overdue, fresh, paused = _open(45, "Late Lee"), _open(1, "Fresh Fay"), _open(3, "Wait Wyn")
    with unit_of_work() as session:
        found = queries.get(session, OPERATOR, paused)
        service.pause(session, OPERATOR, found, queries.today(), "Which clothes were you wearing?")
    handler = stack.user("information_rights", borough="E09000033")
    with _client(live_server, stack, handler) as client:
        page = client.get("/subject-access")
        assert page.status_code == 200
        html = page.text
        assert f'<tr id="request-{overdue}" class="overdue">' in html
        assert html.index(overdue) < html.index(paused) and html.index(overdue) < html.index(fresh)
        row = html.split(f'id="request-{overdue}"', 1)[1].split("</tr>", 1)[0]
        assert 'data-state="overdue"' in row and "Overdue by" in row
        paused_row = html.split(f'id="request-{paused}"', 1)[1].split("</tr>", 1)[0]
        assert 'data-state="paused"' in paused_row and "Paused" in paused_row
        shown = client.get(f"/subject-access/{paused}")
        assert 'id="clock"' in shown.text and "awaiting clarification" in shown.text
        assert "Resume the clock" in shown.text
        # A refused change: the page again, with the message and what was typed.
        late = client.post(
            f"/subject-access/{overdue}/extension",
            data={"months": "1", "notice_on": queries.today().isoformat(), "reason": "Lots"},
        )
        assert late.status_code == 422 and "within the first month" in late.text
        assert 'value="Lots"' in late.text
        searched = client.get(f"/subject-access/{fresh}", params={"find": "1", "cad": "NONE 9"})
        assert (
            searched.status_code == 422
            and "No case or incident has the CAD number" in searched.text
        )
        report = client.get("/subject-access/report")
        assert report.status_code == 200 and 'id="report"' in report.text
        start = client.get("/", follow_redirects=False)
        assert start.status_code == 303 and start.headers["location"] == "/subject-access"
        assert 'href="/subject-access"' in page.text  # in the main navigation


def test_the_release_form_downloads_the_package_and_the_page_lists_it(
    live_server: str, stack: Stack, clip: Path
) -> None:
    officer = stack.user("officer", borough="E09000033")
    item = factories.item(officer, stored=True, content=clip.read_bytes(), title="Released clip")
    reference = _open(5)
    handler = stack.user("information_rights", borough="E09000033")
    with _client(live_server, stack, handler) as client:
        empty = client.post(f"/subject-access/{reference}/release", data={"method": "By post"})
        assert empty.status_code == 422 and "no item of this request may be released" in empty.text
        assert 'value="By post"' in empty.text
        added = client.post(f"/subject-access/{reference}/items", data={"evidence_id": str(item)})
        assert added.status_code == 303
        assert added.headers["location"] == f"/subject-access/{reference}?done=added"
        redacted(stack, item)
        zipped = client.post(f"/subject-access/{reference}/release", data={"method": "By post"})
        assert zipped.status_code == 200 and zipped.headers["content-type"] == "application/zip"
        assert zipfile.ZipFile(io.BytesIO(zipped.content)).read("manifest.json")
        page = client.get(f"/subject-access/{reference}").text
        assert zipped.headers["x-package-id"] in page and "By post" in page
        assert hashlib.sha256(zipped.content).hexdigest()[:16] in page
