"""Recording on both deployments: events wait in their session and are written together, yet each
lands exactly when its transaction commits, in the order recorded, with the columns an ORM insert
stores, and the integrator folds them into proofs that verify."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from openbwv.access.principal import Principal
from openbwv.audit.events import canonical_json, entry_document, record
from openbwv.audit.merkle import leaf_hash, verify_inclusion
from openbwv.audit.models import AuditEvent, AuditLeaf
from openbwv.audit.queries import inclusion_proofs, latest_checkpoint
from tests.audit_log.conftest import ScratchLog

ACTION = "audit.entries"
OFFICER = Principal(id=uuid.UUID(int=5), name="PC 1234 Zoë Ñúñez", kind="user")


def recorded_order(session: Session) -> list[int]:
    rows = session.scalars(select(AuditEvent.details).order_by(AuditEvent.id)).all()
    return [details["n"] for details in rows]


def count(log: ScratchLog) -> int:
    return int(log.scalar("SELECT count(*) FROM audit_events"))


def test_many_events_in_one_transaction_all_land_in_order(
    new_scratch: Callable[[], ScratchLog],
) -> None:
    log = new_scratch()
    with Session(log.engine) as session, session.begin():
        ids = [record(session, OFFICER, ACTION, details={"n": n}).event_id for n in range(2500)]
    with Session(log.engine) as session:
        assert recorded_order(session) == list(range(2500))
        stored = session.scalars(select(AuditEvent.event_id).order_by(AuditEvent.id)).all()
    assert stored == ids


def test_a_rolled_back_transaction_leaves_no_event(new_scratch: Callable[[], ScratchLog]) -> None:
    log = new_scratch()
    with pytest.raises(RuntimeError), Session(log.engine) as session, session.begin():
        record(session, OFFICER, ACTION, details={"n": 0})
        session.execute(select(1))  # the first event is written here, the second waits
        record(session, OFFICER, ACTION, details={"n": 1})
        raise RuntimeError("the action failed")
    assert count(log) == 0
    with Session(log.engine) as session:
        record(session, OFFICER, ACTION, details={"n": 2})
        session.rollback()
        session.commit()  # nothing left waiting to be written by a later commit
        record(session, OFFICER, ACTION, details={"n": 3})
        session.close()
        session.commit()
    assert count(log) == 0


def test_events_are_visible_to_their_own_transaction_before_commit(
    new_scratch: Callable[[], ScratchLog],
) -> None:
    log = new_scratch()
    with Session(log.engine) as session, session.begin():
        event = record(session, OFFICER, ACTION, details={"n": 7})
        found = session.scalar(select(AuditEvent).where(AuditEvent.event_id == event.event_id))
        assert found is not None and found.entry == event.entry and found.leaf_index is None
        session.rollback()
    assert count(log) == 0


def test_a_rolled_back_savepoint_takes_only_its_own_events(
    new_scratch: Callable[[], ScratchLog],
) -> None:
    log = new_scratch()
    with Session(log.engine) as session, session.begin():
        record(session, OFFICER, ACTION, details={"n": 0})  # waiting when the savepoint begins
        with pytest.raises(RuntimeError), session.begin_nested():
            record(session, OFFICER, ACTION, details={"n": -1})
            session.execute(select(1))
            record(session, OFFICER, ACTION, details={"n": -2})
            raise RuntimeError("this row of an import is refused")
        with session.begin_nested():
            record(session, OFFICER, ACTION, details={"n": 1})
            with session.begin_nested():
                record(session, OFFICER, ACTION, details={"n": 2})
        record(session, OFFICER, ACTION, details={"n": 3})
    with Session(log.engine) as session:
        assert recorded_order(session) == [0, 1, 2, 3]


def test_stored_columns_are_what_an_orm_insert_stores(
    new_scratch: Callable[[], ScratchLog],
) -> None:
    """The fast path converts values with the columns' own types: the same bytes in every
    column as the ORM writes, and the leaf rebuilt from the stored columns is the stored leaf."""
    log = new_scratch()
    with Session(log.engine) as session, session.begin():
        fast = record(
            session,
            OFFICER,
            ACTION,
            evidence_id=uuid.UUID(int=9),
            target_type="case",
            target_id="CR/1/26",
            reason="Zoë asked ✓",
            source_ip="192.0.2.1",
            details={"n": 1, "nested": {"b": [1, "two"], "a": None}},
        )
    twin = {
        column: getattr(fast, column)
        for column in [c.name for c in AuditEvent.__table__.columns]
        if column not in ("id", "leaf_index")
    }
    twin["event_id"] = uuid.UUID(int=fast.event_id.int ^ 1)
    with Session(log.engine) as session, session.begin():
        session.add(AuditEvent(**twin))  # what record() wrote before it bypassed the ORM
    columns = [c for c in twin if c != "event_id"]
    with log.engine.connect() as connection:
        rows = connection.execute(
            text(f"SELECT {', '.join(columns)}, event_id FROM audit_events ORDER BY id")
        ).all()
    assert rows[0][:-1] == rows[1][:-1]
    assert rows[0][-1] != rows[1][-1]
    with Session(log.engine) as session:
        stored = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).first()
        assert stored is not None
        assert canonical_json(entry_document(stored)) == stored.entry == fast.entry


def test_the_integrator_folds_a_fast_batch_into_proofs_that_verify(
    new_scratch: Callable[[], ScratchLog],
) -> None:
    log = new_scratch()
    for _ in range(3):
        log.record(700)  # 2,100 events in three transactions
    outcome = log.integrate(batch_size=1000)
    assert (outcome.integrated, outcome.tree_size, outcome.checkpoints) == (2100, 2100, 3)
    with Session(log.engine) as session:
        checkpoint = latest_checkpoint(session)
        assert checkpoint is not None
        rows = session.execute(
            select(AuditLeaf.leaf_index, AuditEvent.entry)
            .outerjoin(AuditLeaf, AuditLeaf.event_row == AuditEvent.id)
            .order_by(AuditEvent.id)
        ).all()
        assert [index for index, _ in rows] == list(range(2100))
        sample = [0, 1, 999, 1000, 2047, 2099]
        proofs = inclusion_proofs(session, sample, checkpoint.tree_size)
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 2100
    for index in sample:
        leaf = leaf_hash(rows[index][1].encode("utf-8"))
        verify_inclusion(leaf, index, 2100, proofs[index], bytes(checkpoint.root_hash))
    result = log.verify()
    assert result.exit_code == 0, result.output
