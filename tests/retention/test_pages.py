"""The retention pages without a browser: who may open each page and post each form (written
down per role, as the API's matrix), the navigation link, the supervisor's warning on /team and
the tombstone on a disposed item's evidence page."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from tests.retention.helpers import now, old_item, status_of, sweep
from tests.support import factories
from tests.support.stack import Stack

READERS = {"professional_standards", "information_rights", "administrator", "auditor"}
HOLDERS = {"supervisor", "investigator", "professional_standards", "information_rights"}
NOBODY_ID = "00000000-0000-7000-8000-000000000000"
# Who may open each page or post each form; everyone else is refused (403).
ALLOWED: dict[tuple[str, str], set[str]] = {
    ("GET", "/retention/queue"): READERS,
    ("GET", "/retention/holds"): READERS | HOLDERS,
    ("GET", "/retention/reviews"): READERS,
    ("GET", "/retention/policy"): READERS,
    ("GET", "/retention/forecast"): READERS,
    ("POST", f"/retention/queue/{NOBODY_ID}/restore"): {"professional_standards", "administrator"},
    ("POST", "/retention/holds/preview"): HOLDERS,
    ("POST", "/retention/holds"): HOLDERS,
    ("POST", f"/retention/holds/{NOBODY_ID}/release"): HOLDERS,
    ("POST", f"/retention/reviews/{NOBODY_ID}"): {"professional_standards", "information_rights"},
    ("POST", "/retention/policy"): {"administrator"},
}
ROLES = (
    "officer",
    "supervisor",
    "investigator",
    "fleet_manager",
    *sorted(READERS),
)


def _client(live_server: str, stack: Stack, user: object) -> httpx.Client:
    token = stack.user_token(user)
    return httpx.Client(
        base_url=live_server, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


@pytest.mark.parametrize("role", ROLES)
def test_each_page_and_form_is_for_its_roles(role: str, live_server: str, stack: Stack) -> None:
    person = stack.user(role, borough="E09000033", team=factories.unique("Pages"))
    failures = []
    with _client(live_server, stack, person) as client:
        for (method, path), allowed in ALLOWED.items():
            # A valid-looking form that the service refuses (nothing queued, no such hold...):
            # a permitted role sees the page again with the message, never a 403.
            form = {"reason": "A reason for the matrix", "decision": "dispose", "scope": "items"}
            response = client.request(method, path, data=form if method == "POST" else None)
            refused = response.status_code in (401, 403)
            if refused == (role in allowed):
                failures.append(f"{method} {path}: {response.status_code}")
            if method == "GET" and not refused:
                assert response.status_code == 200, (path, response.status_code)
            elif not refused and response.status_code != 303:  # 303: an empty policy change
                # The service's refusal, on the page, with its status (not a bare error page).
                assert response.status_code in (404, 409, 422), (path, response.status_code)
                assert "There is a problem" in response.text, path
        home = client.get("/", follow_redirects=True).text
    assert failures == [], failures
    wants_link = bool(READERS & {role} or HOLDERS & {role})
    assert ('href="/retention/' in home) == wants_link, role


def test_the_team_page_warns_and_a_disposed_item_shows_its_tombstone(
    live_server: str, stack: Stack, api: httpx.Client, reviewer: object
) -> None:
    team = factories.unique("Warned")
    officer = factories.officer(team=team)
    sergeant = stack.user("supervisor", borough="E09000007", team=team)
    for _ in range(2):
        old_item(officer, 27, stored=False)
    with _client(live_server, stack, sergeant) as client:
        page = client.get("/team").text
    assert 'id="retention-warning"' in page and "2 recordings will be deleted on " in page

    gone = old_item(reviewer, 40)
    sweep(now(), gone)
    sweep(now() + timedelta(days=8), gone)
    assert status_of(gone) == "disposed"
    text = api.get(f"/evidence/{gone}").text
    assert 'id="tombstone"' in text and "Non-evidential, 31 days from recording" in text
    assert "retention policy" in text  # who authorised it
    assert "<video" not in text and f"/api/v1/evidence/{gone}/original" not in text
    assert f"/api/v1/evidence/{gone}/thumbnail" not in text


def test_an_administrator_changes_the_policy(live_server: str, stack: Stack) -> None:
    admin = stack.user("administrator", borough="E09000033")
    with _client(live_server, stack, admin) as client:
        bad = client.post("/retention/policy", data={"rule:grace_days": "400"})
        assert bad.status_code == 422 and "grace_days must be between 0 and 365" in bad.text
        assert 'value="400"' in bad.text  # what was typed stays
        done = client.post("/retention/policy", data={"rule:warning_days": "10"})
        assert done.status_code == 303
        page = client.get(done.headers["location"]).text
        assert "The retention policy is changed" in page
        assert 'id="rule-warning_days"' in page and "10 days" in page
        assert client.post("/retention/policy", data={"rule:warning_days": ""}).status_code == 303
        assert client.get("/api/v1/retention/policy").json()[-1]["configured"] is None
        growth = client.get("/api/v1/retention/growth").json()  # the forecast page's figure
        assert [g["window_days"] for g in growth] == [30, 90]
        assert all(
            g["net_bytes_per_month"] == g["bytes_per_month"] - g["bytes_leaving"] for g in growth
        )
