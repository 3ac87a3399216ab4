"""The access policy beyond the matrix: grants, break glass and its report, denials recorded,
nothing leaked through ids, ranges or lists."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from tests.access.world import AWAY, HOME, make_item
from tests.support.stack import Stack


def _client(live_server: str, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=live_server, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


@pytest.fixture(scope="module")
def people(stack: Stack) -> dict[str, object]:
    team = f"T-{uuid.uuid4().hex[:6]}"
    return {
        "officer": stack.user("officer", borough=HOME, team=team),
        "teammate": stack.user("officer", borough=HOME, team=team),
        "supervisor": stack.user("supervisor", borough=HOME, team=team),
        "other_supervisor": stack.user("supervisor", borough=AWAY, team="B-sup"),
        "away": stack.user("officer", borough=AWAY, team="B-off"),
        "investigator": stack.user("investigator", borough=HOME, team=team),
        "auditor": stack.user("auditor"),
    }


def test_restricted_item_needs_a_category_grant_which_does_not_widen_scope(
    stack: Stack, live_server: str, people: dict[str, object]
) -> None:
    from openbwv.access.admin.queries import find_user
    from openbwv.access.admin.service import grant
    from openbwv.db.session import unit_of_work

    home_da = make_item(people["teammate"], ("domestic_abuse",))
    away_da = make_item(people["away"], ("domestic_abuse",))
    investigator = people["investigator"]
    with _client(live_server, stack.user_token(investigator)) as client:
        assert client.get(f"/api/v1/evidence/{home_da}").status_code == 404
        with unit_of_work() as session:
            grant(
                session,
                find_user(session, investigator.username),
                "category",  # type: ignore[attr-defined]
                "domestic_abuse",
                reason="DA investigation unit",
                granted_by=None,
            )
        assert client.get(f"/api/v1/evidence/{home_da}").status_code == 200
        assert client.get(f"/api/v1/evidence/{away_da}").status_code == 404  # still out of scope


def test_a_grant_ends_at_its_expiry_though_the_reader_is_the_same(
    stack: Stack, live_server: str, people: dict[str, object]
) -> None:
    """The policy keeps the clauses it built for a principal: the time a grant is compared with
    is the read's, not that of the first read that built them."""
    from openbwv.access.admin.queries import find_user
    from openbwv.access.admin.service import grant
    from openbwv.db.session import unit_of_work

    item = make_item(people["teammate"], ("professional_standards",))
    investigator = people["investigator"]
    with _client(live_server, stack.user_token(investigator)) as client:
        with unit_of_work() as session:
            given = grant(
                session,
                find_user(session, investigator.username),  # type: ignore[attr-defined]
                "category",
                "professional_standards",
                reason="a short secondment",
                granted_by=None,
            )
            given.expires_at = datetime.now(UTC) + timedelta(seconds=2)
            ends = given.expires_at
        assert client.get(f"/api/v1/evidence/{item}").status_code == 200
        time.sleep(max(0.0, (ends - datetime.now(UTC)).total_seconds()) + 0.2)
        assert client.get(f"/api/v1/evidence/{item}").status_code == 404


def test_hidden_items_look_exactly_like_missing_ones(
    stack: Stack, live_server: str, people: dict[str, object]
) -> None:
    hidden = make_item(people["away"])
    neighbour = uuid.UUID(int=hidden.int + 1)  # a guessed "next" id
    with _client(live_server, stack.user_token(people["officer"])) as client:
        answers = [
            client.get(f"/api/v1/evidence/{target}") for target in (hidden, neighbour, uuid.uuid4())
        ]
        bodies = [{k: v for k, v in a.json().items() if k != "instance"} for a in answers]
        assert {a.status_code for a in answers} == {404}
        assert bodies[0] == bodies[1] == bodies[2]
        ranged = client.get(f"/api/v1/evidence/{hidden}/original", headers={"Range": "bytes=0-9"})
        assert ranged.status_code == 404 and b"\x00" not in ranged.content
        thumb = client.get(f"/api/v1/evidence/{hidden}/thumbnail")
        assert thumb.status_code == 404 and thumb.headers["content-type"].startswith(
            "application/problem+json"
        )


def test_denied_attempts_are_recorded(
    stack: Stack, live_server: str, people: dict[str, object]
) -> None:
    from openbwv.audit.models import AuditEvent
    from openbwv.db.session import unit_of_work

    hidden = make_item(people["away"])
    officer = people["officer"]
    with _client(live_server, stack.user_token(officer)) as client:
        assert client.get(f"/api/v1/evidence/{hidden}/original").status_code == 404
        assert client.get("/api/v1/admin/users").status_code == 403
    with unit_of_work() as session:
        denied = list(
            session.scalars(
                select(AuditEvent)
                .where(
                    AuditEvent.actor_id.in_([officer.id]) | AuditEvent.actor_name.like("token:%"),  # type: ignore[attr-defined]
                    AuditEvent.result == "denied",
                )
                .order_by(AuditEvent.id.desc())
                .limit(10)
            )
        )
    actions = {(event.action, event.evidence_id) for event in denied}
    assert ("evidence.download", hidden) in actions
    assert any(action == "users.manage" for action, _ in actions)


def test_break_glass_with_a_reason_opens_the_item_and_is_reported(
    stack: Stack, live_server: str, people: dict[str, object]
) -> None:
    hidden = make_item(people["away"])
    officer = people["officer"]
    with _client(live_server, stack.user_token(officer)) as client:
        assert client.get(f"/api/v1/evidence/{hidden}").status_code == 404
        short = client.post(f"/api/v1/evidence/{hidden}/break-glass", json={"reason": "need"})
        assert short.status_code == 422
        missing = client.post(
            f"/api/v1/evidence/{uuid.uuid4()}/break-glass",
            json={"reason": "Suspect seen on this camera at 22:10"},
        )
        assert missing.status_code == 404
        opened = client.post(
            f"/api/v1/evidence/{hidden}/break-glass",
            json={"reason": "Suspect seen on this camera at 22:10"},
        )
        assert opened.status_code == 201
        assert client.get(f"/api/v1/evidence/{hidden}").status_code == 200
        again = client.post(
            f"/api/v1/evidence/{hidden}/break-glass",
            json={"reason": "Suspect seen on this camera at 22:10"},
        )
        assert again.status_code == 409
    report = (
        _client(live_server, stack.user_token(people["supervisor"]))
        .get("/api/v1/reports/break-glass")
        .json()["events"]
    )
    mine = [e for e in report if e["evidence_id"] == str(hidden)]
    assert mine and mine[0]["who"] == officer.username  # type: ignore[attr-defined]
    assert mine[0]["reason"] == "Suspect seen on this camera at 22:10"
    elsewhere = (
        _client(live_server, stack.user_token(people["other_supervisor"]))
        .get("/api/v1/reports/break-glass")
        .json()["events"]
    )
    assert not [e for e in elsewhere if e["evidence_id"] == str(hidden)]
    oversight = (
        _client(live_server, stack.user_token(people["auditor"]))
        .get("/api/v1/reports/break-glass")
        .json()["events"]
    )
    assert [e for e in oversight if e["evidence_id"] == str(hidden)]


def test_roles_without_break_glass_cannot(
    stack: Stack, live_server: str, people: dict[str, object]
) -> None:
    hidden = make_item(people["away"])
    with _client(live_server, stack.user_token(people["auditor"])) as client:
        response = client.post(
            f"/api/v1/evidence/{hidden}/break-glass", json={"reason": "curiosity is not a reason"}
        )
        assert response.status_code == 403
        assert client.get(f"/api/v1/evidence/{hidden}").status_code == 404


def test_a_device_token_uploads_but_sees_nothing(
    stack: Stack, live_server: str, people: dict[str, object]
) -> None:
    visible_to_officer = make_item(people["officer"])
    device = stack.token("device", name="dock-17")
    with _client(live_server, device) as client:
        assert client.get(f"/api/v1/evidence/{visible_to_officer}").status_code == 404
        assert client.get("/api/v1/evidence").json()["items"] == []
        created = client.post(
            "/api/v1/uploads/", headers={"Tus-Resumable": "1.0.0", "Upload-Length": "3"}
        )
        assert created.status_code == 201


def test_tokens_narrowed_by_scope_and_borough(
    stack: Stack, live_server: str, people: dict[str, object]
) -> None:
    from openbwv.access.admin.service import create_token
    from openbwv.db.session import unit_of_work

    own = make_item(people["officer"])
    with unit_of_work() as session:
        narrow, _ = create_token(
            session,
            name="viewer",
            role="officer",
            user_id=people["officer"].id,
            scopes=["evidence.view"],
        )  # type: ignore[attr-defined]
    with _client(live_server, narrow) as client:
        assert client.get(f"/api/v1/evidence/{own}").status_code == 200
        assert client.get(f"/api/v1/evidence/{own}/original").status_code == 403


def test_uploading_bytes_someone_else_holds_reveals_nothing(
    stack: Stack, live_server: str, people: dict[str, object]
) -> None:
    import os

    from tests.support import tus

    data = os.urandom(5000)
    with _client(live_server, stack.user_token(people["officer"])) as owner:
        first = tus.upload(owner, data, {"filename": "mine.mp4"})
        assert "Evidence-Location" in first.headers
    with _client(live_server, stack.user_token(people["away"])) as stranger:
        second = tus.upload(stranger, data, {"filename": "same-bytes.mp4"})
        assert second.status_code == 204
        assert "Evidence-Location" not in second.headers
