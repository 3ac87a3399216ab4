"""The integrator on both deployments: workers integrate new events within seconds; events
recorded while integrators race end up in the log exactly once; every checkpoint it signs is
consistent with the one before."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openbwv.audit.events import record
from openbwv.audit.keys import trusted_verifiers
from openbwv.audit.merkle import InMemoryTree
from openbwv.audit.models import AuditCheckpoint, AuditEvent, AuditLeaf
from openbwv.audit.note import open_checkpoint
from openbwv.audit.service import integrate
from openbwv.audit.verification.queries import verify_log
from openbwv.config import get_settings
from openbwv.db.session import get_engine, unit_of_work
from tests.audit_log.conftest import ScratchLog
from tests.support.stack import Stack
from tests.support.waiting import wait_until

WRITERS = 4
TRANSACTIONS = 15
PER_TRANSACTION = 3


def leaf_indexes(session: Session, event_ids: list[uuid.UUID]) -> list[int | None]:
    return list(
        session.scalars(
            select(AuditLeaf.leaf_index)
            .select_from(AuditEvent)
            .outerjoin(AuditLeaf, AuditLeaf.event_row == AuditEvent.id)
            .where(AuditEvent.event_id.in_(event_ids))
        )
    )


def test_workers_integrate_new_events_promptly(stack: Stack) -> None:
    with unit_of_work() as session:
        ids = [
            record(session, None, "audit.checkpoint", details={"n": n}).event_id for n in range(5)
        ]

    def integrated() -> bool:
        with unit_of_work() as session:
            return all(index is not None for index in leaf_indexes(session, ids))

    wait_until(integrated, timeout=30, what="the worker's integrator")  # the loop runs each second
    with unit_of_work() as session:
        latest = session.scalar(select(func.max(AuditCheckpoint.tree_size)))
        assert max(i for i in leaf_indexes(session, ids) if i is not None) < latest


def write_concurrently(
    record_one: Callable[[int, int], list[uuid.UUID]], integrate_once: Callable[[], object]
) -> list[uuid.UUID]:
    """WRITERS threads record events while two integrators run in a loop until they finish."""
    writing = threading.Event()
    writing.set()
    recorded: list[uuid.UUID] = []

    def writer(number: int) -> None:
        for round_ in range(TRANSACTIONS):
            recorded.extend(record_one(number, round_))

    def integrator() -> int:
        runs = 0
        while writing.is_set():
            integrate_once()
            runs += 1
        return runs

    with ThreadPoolExecutor(WRITERS + 2) as pool:
        integrators = [pool.submit(integrator) for _ in range(2)]
        writers = [pool.submit(writer, number) for number in range(WRITERS)]
        for future in writers:
            future.result()
        writing.clear()
        assert all(future.result() > 0 for future in integrators)
    return recorded


def test_racing_integrators_integrate_every_event_exactly_once(
    new_scratch: Callable[[], ScratchLog],
) -> None:
    log = new_scratch()

    def record_one(writer: int, round_: int) -> list[uuid.UUID]:
        with Session(log.engine) as session, session.begin():
            return [
                record(
                    session, None, "audit.checkpoint", details={"w": writer, "r": round_}
                ).event_id
                for _ in range(PER_TRANSACTION)
            ]

    recorded = write_concurrently(record_one, lambda: log.integrate(batch_size=5))
    log.integrate()
    with Session(log.engine) as session:
        indexes = leaf_indexes(session, recorded)
        entries = session.scalars(
            select(AuditEvent.entry)
            .join(AuditLeaf, AuditLeaf.event_row == AuditEvent.id)
            .order_by(AuditLeaf.leaf_index)
        ).all()
        checkpoints = session.scalars(select(AuditCheckpoint)).all()
    assert len(recorded) == WRITERS * TRANSACTIONS * PER_TRANSACTION
    assert sorted(i for i in indexes if i is not None) == list(range(len(recorded)))
    # Every checkpoint signed along the way is a prefix of the final tree.
    tree = InMemoryTree(entry.encode() for entry in entries)
    assert len(checkpoints) > 3
    for checkpoint in checkpoints:
        body, _ = open_checkpoint(checkpoint.note, [log.identity.signer.verifier])
        assert body.root_hash == tree.root(checkpoint.tree_size)
    result = log.verify()
    assert result.exit_code == 0, result.output


def test_the_platform_log_stays_whole_under_concurrent_writes(stack: Stack) -> None:
    """The same race on the shared log, with the worker's own integrator loop running too."""

    def record_one(writer: int, round_: int) -> list[uuid.UUID]:
        with unit_of_work() as session:
            return [
                record(
                    session, None, "audit.checkpoint", details={"w": writer, "r": round_}
                ).event_id
                for _ in range(PER_TRANSACTION)
            ]

    recorded = write_concurrently(record_one, lambda: integrate(batch_size=7, wait=False))
    integrate()
    with unit_of_work() as session:
        indexes = leaf_indexes(session, recorded)
        total, highest = session.execute(
            select(func.count(AuditLeaf.leaf_index), func.max(AuditLeaf.leaf_index))
        ).one()
    assert None not in indexes and len(set(indexes)) == len(recorded)
    assert total == highest + 1  # 0..n-1, no gap, no repeat
    report = verify_log(get_engine(), trusted_verifiers(), get_settings().audit_origin)
    assert report.ok, [finding.describe() for finding in report.findings]
