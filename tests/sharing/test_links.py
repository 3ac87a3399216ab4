"""Share links for recipients without an account: guessed, expired and revoked links answer 410
alike (a page that says so), a passphrase is throttled like sign-in, a maximum number of
downloads holds, and a link session replayed after revocation reaches nothing."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import httpx
import pytest

from tests.sharing.helpers import World, build, share
from tests.support.stack import Stack


@pytest.fixture
def world(stack: Stack, live_server: str) -> Iterator[World]:
    made = build(stack, live_server, items=1)
    yield made
    made.close()


def _path(link: str) -> str:
    return "/s/" + link.rsplit("/s/", 1)[1]


def test_guessed_links_are_gone_and_passphrases_are_throttled(
    world: World, live_server: str, stack: Stack
) -> None:
    with httpx.Client(base_url=live_server, timeout=30) as anyone:
        for guess in (secrets.token_urlsafe(32), "x", "a" * 300):
            gone = anyone.get(f"/s/{guess}")
            assert gone.status_code == 410 and "no longer valid" in gone.text
        made = share(world, link_label="Smith & Co", passphrase=True).json()
        assert made["link"] and made["passphrase"]
        page = _path(made["link"])
        assert "Passphrase" in anyone.get(page).text  # nothing shown before it
        item = world.items[0]
        assert anyone.get(f"{page}/items/{item}/play").status_code == 403
        limit = stack.settings().login_max_failures
        for _ in range(limit):
            assert anyone.post(page, data={"passphrase": "wrong guess"}).status_code == 403
        locked = anyone.post(page, data={"passphrase": made["passphrase"]})
        assert locked.status_code == 429  # even the right one, until the lock ends


def test_a_link_session_ends_with_the_share(world: World, live_server: str) -> None:
    made = share(world, link_label="Smith & Co", passphrase=True, max_downloads=1).json()
    page, item = _path(made["link"]), world.items[0]
    with httpx.Client(base_url=live_server, timeout=30) as defence:
        opened = defence.post(page, data={"passphrase": made["passphrase"]})
        assert opened.status_code == 303
        listing = defence.get(page)
        assert listing.status_code == 200 and str(item) in listing.text
        assert defence.get(f"{page}/items/{item}/play").status_code == 200
        assert defence.get(f"{page}/items/{item}/download").status_code == 200
        assert defence.get(f"{page}/items/{item}/download").status_code == 403  # at most 1
        receipt = defence.get(f"{page}/receipt.json").json()
        assert [i["evidence_id"] for i in receipt["items"]] == [str(item)]
        receipts = world.dco.get(f"/api/v1/cases/{world.case_id}/receipts").json()
        assert {"evidence.play", "evidence.download", "share.open"} <= {
            r["action"] for r in receipts
        }
        assert {r["recipient"] for r in receipts} == {"Link: Smith & Co"}

        world.dco.post(f"/api/v1/shares/{made['id']}/revoke", json={"reason": "trial over"})
        replayed = defence.get(page)  # the same cookie, after revocation
        assert replayed.status_code == 410 and "no longer valid" in replayed.text
        assert defence.get(f"{page}/items/{item}/play").status_code == 410
        assert defence.get(f"{page}/receipt.json").status_code == 410
