"""Shares: they give an external user exactly the shared items, until revoked or expired (at
once, a download already streaming included); do-not-disclose and restricted items are refused;
recipients' reads become receipts; the disclosure schedule exports as MG6C and MG6D."""

from __future__ import annotations

import csv
import io
import json
import os
import uuid
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from openbwv.db.session import unit_of_work
from openbwv.sharing.models import Share
from openbwv.timeutil import utcnow
from tests.sharing.helpers import World, build, share
from tests.support import factories
from tests.support.stack import Stack


@pytest.fixture
def world(stack: Stack, live_server: str) -> Iterator[World]:
    made = build(stack, live_server)
    yield made
    made.close()


def _sees(world: World, item: uuid.UUID) -> int:
    return world.cps.get(f"/api/v1/evidence/{item}").status_code


def test_a_share_gives_exactly_its_items_until_revoked_or_expired(
    world: World, stack: Stack
) -> None:
    elsewhere = factories.item(world.officer, stored=True)  # the officer's, not in the case
    assert _sees(world, world.items[0]) == 404  # nothing before a share: deny by default
    made = share(world, days=5)
    assert made.status_code == 201, made.text
    assert sorted(made.json()["items"]) == sorted(str(i) for i in world.items)
    assert [_sees(world, i) for i in world.items] == [200, 200]
    assert _sees(world, elsewhere) == 404
    listed = world.cps.get("/api/v1/evidence").json()["items"]
    assert {i["id"] for i in listed} == {str(i) for i in world.items}
    # Ending within the warning window: both sides are warned.
    warned = world.cps.get("/api/v1/shares/warnings").json()
    assert [w["you_are"] for w in warned] == ["recipient"] and warned[0]["days_left"] == 4
    assert world.dco.get("/api/v1/shares/warnings").json()[0]["you_are"] == "sharer"
    # The internal trail is never disclosed.
    assert world.cps.get(f"/api/v1/evidence/{world.items[0]}/audit").status_code == 403

    revoked = world.dco.post(f"/api/v1/shares/{made.json()['id']}/revoke", json={"reason": "x"})
    assert revoked.json()["status"] == "revoked"
    assert [_sees(world, i) for i in world.items] == [404, 404]
    assert world.cps.get("/api/v1/evidence").json()["items"] == []

    second = share(world).json()
    assert _sees(world, world.items[0]) == 200
    with unit_of_work() as session:  # time passes: the share's expiry is now behind us
        found = session.get(Share, uuid.UUID(second["id"]))
        assert found is not None
        found.expires_at = utcnow() - timedelta(seconds=1)
    assert _sees(world, world.items[0]) == 404
    extended = world.dco.post(
        f"/api/v1/shares/{second['id']}/extend",
        json={"expires_at": (utcnow() + timedelta(days=10)).isoformat()},
    )
    assert extended.json()["status"] == "active"
    assert _sees(world, world.items[0]) == 200


def test_revocation_stops_a_download_in_progress(stack: Stack, live_server: str) -> None:
    size = 32 * 1024 * 1024  # well past the socket buffers: the server must still be sending
    world = build(stack, live_server, items=1, content=os.urandom(size))
    try:
        made = share(world).json()
        received = 0
        with world.cps.stream("GET", f"/api/v1/evidence/{world.items[0]}/original") as response:
            assert response.status_code == 200
            chunks = response.iter_raw(64 * 1024)
            received += len(next(chunks))
            world.dco.post(f"/api/v1/shares/{made['id']}/revoke", json={"reason": "stop"})
            with pytest.raises(httpx.RemoteProtocolError):
                for chunk in chunks:
                    received += len(chunk)
        assert received < size // 2, received
    finally:
        world.close()


def test_do_not_disclose_and_restricted_items_are_refused(world: World, stack: Stack) -> None:
    flagged, other = world.items
    assert (
        world.dco.put(
            f"/api/v1/evidence/{flagged}/do-not-disclose", json={"reason": "informant"}
        ).status_code
        == 204
    )
    refused = share(world, evidence_ids=[str(flagged)])
    assert refused.status_code == 403 and "do not disclose" in refused.json()["detail"]
    # Sharing the case leaves the flagged item out, and says so.
    made = share(world).json()
    assert made["items"] == [str(other)] and "do not disclose" in made["withheld"][str(flagged)]
    # An item flagged after sharing is withdrawn at once.
    world.dco.put(f"/api/v1/evidence/{other}/do-not-disclose", json={"reason": "late"})
    assert _sees(world, other) == 404

    restricted = factories.item(world.officer, stored=True, categories=("domestic_abuse",))
    glass = world.dco.post(
        f"/api/v1/evidence/{restricted}/break-glass", json={"reason": "disclosure review"}
    )
    assert glass.status_code in (200, 201), glass.text  # the sharer can see it now, but
    linked = world.dco.post(
        f"/api/v1/cases/{world.case_id}/items", json={"evidence_id": str(restricted)}
    )
    assert linked.status_code in (200, 201, 204), linked.text
    refused = share(world, evidence_ids=[str(restricted)])
    assert refused.status_code == 403 and "restricted category" in refused.json()["detail"]
    # Nobody but a sharer shares; a recipient never does.
    assert (
        world.cps.post(
            f"/api/v1/cases/{world.case_id}/shares", json={"link_label": "x", "reason": "y"}
        ).status_code
        == 403
    )


def test_reads_become_receipts_and_the_recipient_gets_one(world: World) -> None:
    made = share(world).json()
    item = world.items[0]
    assert world.cps.get(f"/api/v1/evidence/{item}/playback").status_code == 200
    assert world.cps.get(f"/api/v1/evidence/{item}/original").status_code == 200
    receipts = world.dco.get(f"/api/v1/cases/{world.case_id}/receipts").json()
    seen = {(r["action"], r["evidence_id"]) for r in receipts}
    assert {("evidence.play", str(item)), ("evidence.download", str(item))} <= seen
    assert {r["recipient"] for r in receipts} == {world.org}
    assert world.cps.get(f"/api/v1/cases/{world.case_id}/receipts").status_code == 403

    given = world.cps.get(f"/api/v1/shares/{made['id']}/receipt").json()
    with unit_of_work() as session:
        from openbwv.evidence.models import EvidenceItem

        stored = session.get(EvidenceItem, item)
        assert stored is not None
        sha = stored.sha256
    assert sha in {i["sha256"] for i in given["items"]} and given["recipient"] == world.org
    assert "evidence.download" in {a["action"] for a in given["accesses"]}
    pdf = world.cps.get(f"/api/v1/shares/{made['id']}/receipt", params={"format": "pdf"})
    assert pdf.content.startswith(b"%PDF") and pdf.headers["content-type"] == "application/pdf"
    stranger = world.clients["dco"]  # a share of another case's recipient is not theirs to read
    assert stranger.get(f"/api/v1/shares/{uuid.uuid4()}/receipt").status_code == 404


def test_the_disclosure_schedule_exports_mg6c_and_mg6d(world: World) -> None:
    sensitive, unused = world.items
    share(world, evidence_ids=[str(unused)])
    decide = f"/api/v1/cases/{world.case_id}/disclosure"
    no_reason = world.dco.put(f"{decide}/{sensitive}", json={"state": "sensitive"})
    assert no_reason.status_code == 422
    assert (
        world.dco.put(
            f"{decide}/{sensitive}", json={"state": "sensitive", "reason": "PII of a witness"}
        ).status_code
        == 204
    )
    rows = {r["evidence_id"]: r for r in world.dco.get(decide).json()}
    assert rows[str(unused)]["disclosed"].keys() == {"cps"}
    mg6d = list(csv.reader(io.StringIO(world.dco.get(f"{decide}/mg6d.csv").text)))
    assert [r[4] for r in mg6d[1:]] == [str(sensitive)] and mg6d[1][7] == "PII of a witness"
    mg6c = list(csv.reader(io.StringIO(world.dco.get(f"{decide}/mg6c.csv").text)))
    assert [r[4] for r in mg6c[1:]] == [str(unused)] and mg6c[1][8].startswith("CPS ")
    pdf = world.dco.get(f"{decide}/mg6d.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert world.cps.get(decide).status_code == 403
    assert json.loads(world.cps.get("/api/v1/shares").text) != []


def test_items_linked_later_follow_a_share_that_includes_them(world: World) -> None:
    share(world, include_later=True)
    later = factories.item(world.officer, stored=True)
    restricted = factories.item(world.officer, stored=True, categories=("domestic_abuse",))
    assert _sees(world, later) == 404
    linked = world.dco.post(
        f"/api/v1/cases/{world.case_id}/items", json={"evidence_id": str(later)}
    )
    assert linked.status_code in (200, 201, 204), linked.text
    with unit_of_work() as session:  # linked by someone who holds the category
        from openbwv.cases.models import CaseItem

        session.add(CaseItem(case_id=world.case_id, evidence_id=restricted))
    assert _sees(world, later) == 200
    assert _sees(world, restricted) == 404  # a restricted item is only ever shared explicitly
