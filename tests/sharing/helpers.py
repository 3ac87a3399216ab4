"""A small disclosure world: a disclosure officer in Westminster, a case of theirs with items,
a CPS organisation with an external user (signed in by token), and API clients for each."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support import factories
from tests.support.stack import Stack

HOME = "E09000033"


@dataclass
class World:
    officer: Any
    sharer: Any
    external: Any
    case_id: uuid.UUID
    items: list[uuid.UUID]
    org: str
    clients: dict[str, httpx.Client] = field(default_factory=dict)

    @property
    def dco(self) -> httpx.Client:
        return self.clients["dco"]

    @property
    def cps(self) -> httpx.Client:
        return self.clients["cps"]

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


def client(live_server: str, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=live_server, timeout=30, headers={"Authorization": f"Bearer {token}"}
    )


def build(stack: Stack, live_server: str, *, items: int = 2, **item_options: Any) -> World:
    officer = stack.user("officer", borough=HOME, team=f"S-{uuid.uuid4().hex[:6]}")
    sharer = stack.user("disclosure_officer", borough=HOME, team=f"D-{uuid.uuid4().hex[:6]}")
    external = stack.user("external", kind="external")
    made = [factories.item(officer, stored=True, **item_options) for _ in range(items)]
    case_id = factories.case(officer, [(officer, "oic")], made)
    world = World(officer, sharer, external, case_id, made, f"CPS {uuid.uuid4().hex[:8]}")
    world.clients["dco"] = client(live_server, stack.user_token(sharer))
    world.clients["cps"] = client(live_server, stack.user_token(external))
    created = world.dco.post(
        "/api/v1/sharing/organisations", json={"name": world.org, "kind": "cps"}
    )
    assert created.status_code == 201, created.text
    joined = world.dco.post(
        f"/api/v1/sharing/organisations/{world.org}/members",
        json={"username": external.username},
    )
    assert joined.status_code == 204, joined.text
    return world


def share(world: World, **body: Any) -> httpx.Response:
    recipient = {} if {"link_label", "username"} & set(body) else {"organisation": world.org}
    wanted = {**recipient, "reason": "Pre-charge advice", "download": True, **body}
    return world.dco.post(f"/api/v1/cases/{world.case_id}/shares", json=wanted)
