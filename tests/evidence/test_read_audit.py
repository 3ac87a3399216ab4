"""Reads at speed, still audited: reads in read-only transactions, their audit events in group
commits (`db.group_commit`), and `bwv serve` with several API processes and its local worker."""

from __future__ import annotations

import hashlib
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import func, select

from openbwv.access.admin.service import UserSpec, create_token, create_user
from openbwv.audit.actions import UnknownAction
from openbwv.audit.events import record
from openbwv.audit.models import AuditEvent
from openbwv.db import group_commit
from openbwv.db.session import unit_of_work
from openbwv.evidence.models import EvidenceItem
from tests.support.stack import Stack, subprocess_server


def _events(marker: str) -> list[AuditEvent]:
    with unit_of_work() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.target_id == marker))
        return list(rows)


def test_writes_from_many_threads_are_durable_when_submit_returns(stack: Stack) -> None:
    marker = f"group-{uuid.uuid4().hex[:8]}"
    start = threading.Barrier(24)

    def write(number: int) -> None:
        start.wait()  # all at once: they share commits
        group_commit.submit(
            lambda session: record(
                session, None, "evidence.search", target_id=marker, details={"n": number}
            )
        )
        # Returned: committed. Another connection sees it at once.
        found = [e.details["n"] for e in _events(marker)]
        assert number in found

    with ThreadPoolExecutor(24) as pool:
        list(pool.map(write, range(24)))
    assert sorted(e.details["n"] for e in _events(marker)) == list(range(24))


def test_a_write_that_fails_fails_alone(stack: Stack) -> None:
    marker = f"alone-{uuid.uuid4().hex[:8]}"
    start = threading.Barrier(9)

    def write(number: int) -> str:
        action = "no.such.action" if number == 4 else "evidence.search"
        start.wait()
        try:
            group_commit.submit(lambda session: record(session, None, action, target_id=marker))
        except UnknownAction:
            return "refused"
        return "recorded"

    with ThreadPoolExecutor(9) as pool:
        outcomes = list(pool.map(write, range(9)))
    assert outcomes.count("refused") == 1 and outcomes[4] == "refused"
    assert len(_events(marker)) == 8


def _items_and_token(count: int) -> tuple[list[str], str]:
    """Evidence rows (no media needed to read their metadata) and a force-wide reviewer."""
    with unit_of_work() as session:
        user = create_user(
            session,
            UserSpec(
                username=f"reads-{uuid.uuid4().hex[:6]}",
                display_name="Reads",
                roles=["professional_standards"],
            ),
        )
        secret, _ = create_token(
            session, name="reads", role="professional_standards", user_id=user.id
        )
        items = [
            EvidenceItem(
                sha256=hashlib.sha256(uuid.uuid4().bytes).hexdigest(),
                size_bytes=1,
                media_type="video/mp4",
                source="import",
            )
            for _ in range(count)
        ]
        session.add_all(items)
        session.flush()
        return [str(item.id) for item in items], secret


def _views(item_ids: list[str]) -> dict[str, int]:
    ids = [uuid.UUID(i) for i in item_ids]
    with unit_of_work() as session:
        rows = session.execute(
            select(AuditEvent.evidence_id, func.count())
            .where(AuditEvent.action == "evidence.view", AuditEvent.evidence_id.in_(ids))
            .group_by(AuditEvent.evidence_id)
        ).all()
    return {str(evidence_id): count for evidence_id, count in rows}


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def test_every_read_is_audited_exactly_once_under_concurrency(
    stack: Stack, live_server: str
) -> None:
    item_ids, token = _items_and_token(6)
    asked = [item_ids[n % len(item_ids)] for n in range(60)]
    headers = {"Authorization": f"Bearer {token}"}

    def read(chunk: list[str]) -> list[int]:
        with httpx.Client(base_url=live_server, headers=headers, timeout=60) as client:
            return [client.get(f"/api/v1/evidence/{i}").status_code for i in chunk]

    with ThreadPoolExecutor(10) as pool:
        statuses = [s for part in pool.map(read, [asked[n::10] for n in range(10)]) for s in part]
    assert statuses == [200] * 60
    assert _views(item_ids) == {i: asked.count(i) for i in item_ids}


def test_several_api_processes_and_the_local_worker_serve_every_read_audited_once(
    stack: Stack,
) -> None:
    item_ids, token = _items_and_token(4)
    headers = {"Authorization": f"Bearer {token}"}
    # Three processes importing the platform: a busy machine takes a while.
    with subprocess_server(stack, options=("--workers", "2"), timeout=180) as (url, process):
        # `bwv serve` is uvicorn's supervisor of the API processes, and started the worker.
        commands = [_command(child) for child in _children(process.pid)]
        assert sum(b"spawn_main" in c for c in commands) == 2, commands
        assert sum(b"composition worker" in c for c in commands) == 1, commands

        def read(chunk: list[str]) -> list[int]:
            with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
                return [client.get(f"/api/v1/evidence/{i}").status_code for i in chunk]

        asked = [item_ids[n % len(item_ids)] for n in range(40)]
        with ThreadPoolExecutor(8) as pool:
            parts = pool.map(read, [asked[n::8] for n in range(8)])
            statuses = [s for part in parts for s in part]
    assert statuses == [200] * 40
    assert _views(item_ids) == {i: asked.count(i) for i in item_ids}


def _command(pid: int) -> bytes:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
