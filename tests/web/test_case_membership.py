"""Case membership that can be removed and limited in time, and case status (open/closed),
through the API: `DELETE /api/v1/cases/{id}/members/{user_id}`, `expires_at` on adding a member,
`POST /api/v1/cases/{id}/close` and `/reopen`, and `GET /api/v1/cases?status=`."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.support.stack import Stack
from tests.web.evidence_world import AWAY, audit_actions, make_item, person

RECORDED = datetime(2026, 7, 1, 20, 0, tzinfo=UTC)


@pytest.fixture
def api_for(live_server: str, stack: Stack) -> Iterator[Any]:
    clients: list[httpx.Client] = []

    def make(user: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {stack.user_token(user)}"}
        client = httpx.Client(base_url=live_server, headers=headers, timeout=30)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def _case(lead: httpx.Client) -> str:
    made = lead.post(
        "/api/v1/cases", json={"crime_reference": f"CR/{uuid.uuid4().hex[:8]}", "title": "t"}
    )
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "open"
    return str(made.json()["id"])


def _reach(client: httpx.Client, case_id: str, item: str) -> dict[str, bool]:
    """Every way a member reaches a case and its items through the membership."""
    listed = client.get("/api/v1/evidence", params={"limit": 500}).json()["items"]
    return {
        "case": client.get(f"/api/v1/cases/{case_id}").status_code == 200,
        "list": case_id in {c["id"] for c in client.get("/api/v1/cases").json()},
        "items": client.get(f"/api/v1/cases/{case_id}/items").status_code == 200,
        "item": client.get(f"/api/v1/evidence/{item}").status_code == 200,
        "evidence list": item in {i["id"] for i in listed},
        "page": client.get(f"/cases/{case_id}", headers={"Accept": "text/html"}).status_code == 200,
        "timeline": client.get(
            f"/cases/{case_id}/timeline", headers={"Accept": "text/html"}
        ).status_code
        == 200,
    }


def _set_expiry(case_id: str, user: Any, when: datetime) -> None:
    """Time passing: the membership's expiry moved to `when`, as if the clock had reached it."""
    from openbwv.cases.models import CaseMember
    from openbwv.db.session import unit_of_work

    with unit_of_work() as session:
        member = session.get(CaseMember, (uuid.UUID(case_id), user.id))
        assert member is not None
        member.expires_at = when


def _world(stack: Stack, api_for: Any) -> tuple[Any, httpx.Client, str, str]:
    oic = person(stack, "investigator")
    lead = api_for(oic.user)
    item = make_item(person(stack, "officer").user, RECORDED, title="Doorway")
    case_id = _case(lead)
    assert lead.post(f"/api/v1/cases/{case_id}/items", json={"evidence_id": item}).status_code == (
        204
    )
    return oic, lead, case_id, item


def test_removing_a_member_ends_their_access_at_once(stack: Stack, api_for: Any) -> None:
    oic, lead, case_id, item = _world(stack, api_for)
    newcomer = person(stack, "officer", borough=AWAY)  # reaches the item only through the case
    member = api_for(newcomer.user)
    assert not any(_reach(member, case_id, item).values())
    added = lead.post(f"/api/v1/cases/{case_id}/members", json={"username": newcomer.username})
    assert added.status_code == 204, added.text
    assert all(_reach(member, case_id, item).values()), _reach(member, case_id, item)

    # A member may not remove anyone (nor close the case); the refusal is recorded.
    refused = member.delete(f"/api/v1/cases/{case_id}/members/{oic.user.id}")
    assert refused.status_code == 403, refused.text
    assert member.post(f"/api/v1/cases/{case_id}/close").status_code == 403
    assert "case.manage" in [a for a, _ in audit_actions(actor=newcomer.user)]

    removed = lead.delete(f"/api/v1/cases/{case_id}/members/{newcomer.user.id}")
    assert removed.status_code == 204, removed.text
    assert not any(_reach(member, case_id, item).values()), _reach(member, case_id, item)
    events = [d for a, d in audit_actions(actor=oic.user) if a == "case.member.remove"]
    assert [(d["username"], d["role"]) for d in events] == [(newcomer.username, "member")]

    # Unknown members and malformed ids are 404 problem details.
    for unknown in (newcomer.user.id, uuid.uuid4(), "not-a-uuid"):
        missing = lead.delete(f"/api/v1/cases/{case_id}/members/{unknown}")
        assert missing.status_code == 404, (unknown, missing.text)
        assert missing.headers["content-type"] == "application/problem+json"
        assert missing.json()["detail"] == "no such member of this case"


def test_an_expired_membership_grants_nothing(stack: Stack, api_for: Any) -> None:
    oic, lead, case_id, item = _world(stack, api_for)
    visitor = person(stack, "officer", borough=AWAY)
    member = api_for(visitor.user)
    until = datetime.now(UTC) + timedelta(days=7)
    body = {"username": visitor.username, "expires_at": until.isoformat()}
    assert lead.post(f"/api/v1/cases/{case_id}/members", json=body).status_code == 204
    assert all(_reach(member, case_id, item).values())
    recorded = [d for a, d in audit_actions(actor=oic.user) if a == "case.member"]
    assert (recorded[-1]["username"], recorded[-1]["expires_at"]) == (
        visitor.username,
        until.isoformat(),
    )

    _set_expiry(case_id, visitor.user, datetime.now(UTC) - timedelta(seconds=1))
    assert not any(_reach(member, case_id, item).values()), _reach(member, case_id, item)

    # The case page shows the expired membership (not hidden), and it can be removed.
    page = lead.get(f"/cases/{case_id}", headers={"Accept": "text/html"})
    assert visitor.username in page.text and "expired" in page.text
    assert lead.delete(f"/api/v1/cases/{case_id}/members/{visitor.user.id}").status_code == 204
    assert visitor.username not in lead.get(f"/cases/{case_id}").text

    # An expiry already past, or without a time zone, is refused.
    for expires in ((datetime.now(UTC) - timedelta(hours=1)).isoformat(), "2030-01-01T00:00:00"):
        body = {"username": visitor.username, "expires_at": expires}
        refused = lead.post(f"/api/v1/cases/{case_id}/members", json=body)
        assert refused.status_code == 422, (expires, refused.text)


def test_an_expired_oic_manages_nothing(stack: Stack, api_for: Any) -> None:
    _oic, lead, case_id, _item = _world(stack, api_for)
    second = person(stack, "officer", borough=AWAY)
    body = {"username": second.username, "role": "oic"}
    assert lead.post(f"/api/v1/cases/{case_id}/members", json=body).status_code == 204
    second_api = api_for(second.user)
    assert second_api.post(f"/api/v1/cases/{case_id}/close").status_code == 200
    assert second_api.post(f"/api/v1/cases/{case_id}/reopen").status_code == 200
    _set_expiry(case_id, second.user, datetime.now(UTC) - timedelta(seconds=1))
    assert second_api.post(f"/api/v1/cases/{case_id}/close").status_code == 404


def test_the_last_officer_in_the_case_cannot_be_removed(stack: Stack, api_for: Any) -> None:
    oic, lead, case_id, _item = _world(stack, api_for)
    refused = lead.delete(f"/api/v1/cases/{case_id}/members/{oic.user.id}")
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert "only officer in the case cannot be removed" in refused.json()["detail"]
    demoted = lead.post(
        f"/api/v1/cases/{case_id}/members", json={"username": oic.username, "role": "member"}
    )
    assert demoted.status_code == 409 and "cannot be given another role" in demoted.json()["detail"]
    assert lead.get(f"/api/v1/cases/{case_id}").status_code == 200  # still the OIC

    # With a second officer in the case, the first may step down.
    successor = person(stack, "investigator")
    body = {"username": successor.username, "role": "oic"}
    assert lead.post(f"/api/v1/cases/{case_id}/members", json=body).status_code == 204
    assert lead.delete(f"/api/v1/cases/{case_id}/members/{oic.user.id}").status_code == 204
    follower = api_for(successor.user)
    last = follower.delete(f"/api/v1/cases/{case_id}/members/{successor.user.id}")
    assert last.status_code == 409, last.text


def test_closing_and_reopening_a_case(stack: Stack, api_for: Any) -> None:
    oic, lead, case_id, item = _world(stack, api_for)
    reader = person(stack, "officer", borough=AWAY)
    assert (
        lead.post(
            f"/api/v1/cases/{case_id}/members", json={"username": reader.username}
        ).status_code
        == 204
    )
    closed = lead.post(f"/api/v1/cases/{case_id}/close")
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed" and closed.json()["closed_at"]
    again = lead.post(f"/api/v1/cases/{case_id}/close")
    assert again.status_code == 409 and "already closed" in again.json()["detail"]

    # Still readable by its members; listed with its status and found by it.
    assert all(_reach(api_for(reader.user), case_id, item).values())
    closed_ids = {c["id"] for c in lead.get("/api/v1/cases", params={"status": "closed"}).json()}
    open_ids = {c["id"] for c in lead.get("/api/v1/cases", params={"status": "open"}).json()}
    assert case_id in closed_ids and case_id not in open_ids
    assert lead.get("/api/v1/cases", params={"status": "shut"}).status_code == 422

    # Nothing linked, nobody added, until it is reopened.
    other = make_item(person(stack, "officer").user, RECORDED, title="Later")
    linked = lead.post(f"/api/v1/cases/{case_id}/items", json={"evidence_id": other})
    assert linked.status_code == 409, linked.text
    assert "is closed: reopen it to link items" in linked.json()["detail"]
    late = person(stack, "officer")
    added = lead.post(f"/api/v1/cases/{case_id}/members", json={"username": late.username})
    assert added.status_code == 409 and "reopen it to add members" in added.json()["detail"]

    reopened = lead.post(f"/api/v1/cases/{case_id}/reopen")
    assert reopened.status_code == 200 and reopened.json()["status"] == "open"
    assert lead.post(f"/api/v1/cases/{case_id}/reopen").status_code == 409
    assert (
        lead.post(f"/api/v1/cases/{case_id}/items", json={"evidence_id": other}).status_code == 204
    )
    assert (
        lead.post(f"/api/v1/cases/{case_id}/members", json={"username": late.username}).status_code
        == 204
    )
    actions = [a for a, _ in audit_actions(actor=oic.user)]
    assert actions.count("case.close") == 1 and actions.count("case.reopen") == 1
    assert actions.index("case.close") < actions.index("case.reopen")
