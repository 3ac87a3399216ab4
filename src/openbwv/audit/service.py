"""The single writer that turns recorded events into leaves and signs checkpoints.

Events are recorded, each with an entry in the queue `audit_pending`, in the transaction of their
action. The integrator takes them in queue order, a batch per transaction, under a single-writer
lock (PostgreSQL: a transaction-level advisory lock; SQLite: the database write lock that
``BEGIN IMMEDIATE`` takes), numbers them from the current tree size (rows of `audit_leaves`; the
event rows themselves are never updated), removes them from the queue, stores every perfect
subtree they complete and signs a checkpoint of the new tree — all in that one transaction. So at
every commit the latest checkpoint covers exactly the integrated events
(``max(leaf_index) + 1 == tree size``).

Before signing it re-checks its footing: the latest checkpoint verifies under a trusted key and
names this log's origin, the stored nodes reproduce its root, nothing is stored beyond it, and
the new tree is proven consistent with it (an RFC 9162 consistency proof over the stored nodes,
verified like any outsider would). Any disagreement raises `AuditIntegrityError` and nothing is
signed: it never signs two inconsistent checkpoints.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from openbwv.audit.keys import get_signer, trusted_verifiers
from openbwv.audit.merkle import (
    EMPTY_ROOT,
    CompactRange,
    ProofError,
    Subtree,
    consistency_proof,
    leaf_hash,
    root_hash,
    verify_consistency,
)
from openbwv.audit.models import AuditCheckpoint, AuditEvent, AuditLeaf, AuditNode, AuditPending
from openbwv.audit.note import (
    NoteError,
    Signer,
    Verifier,
    format_checkpoint,
    open_checkpoint,
    sign_note,
)
from openbwv.audit.queries import DbSubtreeSource, driver_sql, latest_checkpoint
from openbwv.config import get_settings
from openbwv.db.session import get_engine
from openbwv.logging import get_logger
from openbwv.timeutil import utcnow

log = get_logger(__name__)
#: PostgreSQL advisory lock key of the integrator (a constant derived from its name).
LOCK_KEY = int.from_bytes(hashlib.sha256(b"openbwv audit integrator").digest()[:8], signed=True)
_ROWS_PER_STATEMENT = 1000  # bound parameters stay far below SQLite's and PostgreSQL's limits


class AuditIntegrityError(RuntimeError):
    """The stored log disagrees with its latest checkpoint; nothing was integrated or signed."""


@dataclass(frozen=True)
class Integration:
    integrated: int  # events given leaf indexes in this run
    tree_size: int  # size of the latest checkpoint afterwards
    checkpoints: int  # checkpoints signed in this run


@dataclass(frozen=True)
class LogIdentity:
    """What the integrator signs with and trusts."""

    signer: Signer
    origin: str
    verifiers: Sequence[Verifier]

    @classmethod
    def configured(cls) -> LogIdentity:
        settings = get_settings()
        signer = get_signer(settings)
        return cls(signer, settings.audit_origin, trusted_verifiers(settings))


def integrate(
    engine: Engine | None = None,
    *,
    identity: LogIdentity | None = None,
    batch_size: int | None = None,
    wait: bool = True,
    max_batches: int | None = None,
) -> Integration:
    """Integrate every pending event (or `max_batches` batches), one checkpoint per batch.

    `wait=False` returns at once when another integrator holds the PostgreSQL lock (the periodic
    loops of many workers); SQLite always queues on its write lock.
    """
    engine = engine or get_engine()
    identity = identity or LogIdentity.configured()
    batch_size = batch_size or get_settings().audit_batch_size
    total = signed = batches = 0
    size = 0
    while max_batches is None or batches < max_batches:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            outcome = _integrate_batch(session, identity, batch_size, wait)
        if outcome is None:  # another integrator is at work
            break
        count, size = outcome
        batches += 1
        if count == 0:
            break
        total += count
        signed += 1
        if count < batch_size:
            break
    return Integration(total, size, signed)


def _acquire(session: Session, wait: bool) -> bool:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
        acquired = session.execute(text(f"SELECT {function}(:key)"), {"key": LOCK_KEY}).scalar()
        return wait or bool(acquired)
    if dialect == "sqlite":
        # The engine opens every transaction with BEGIN IMMEDIATE: the first statement below
        # takes the database's write lock, which excludes any other integrator.
        return True
    raise RuntimeError(f"the audit integrator does not support {dialect}")


def _integrate_batch(
    session: Session, identity: LogIdentity, batch_size: int, wait: bool
) -> tuple[int, int] | None:
    if not _acquire(session, wait):
        return None
    size, root = _current_tree(session, identity)
    rows = _next_pending(session, batch_size)
    if not rows:
        return 0, size
    source = DbSubtreeSource(session)
    edge = source.batched(lambda s: CompactRange.from_source(s, size))
    if edge.root() != root:
        raise AuditIntegrityError(
            f"the stored subtrees do not reproduce the root of checkpoint {size}"
        )
    completed: list[Subtree] = []
    for row in rows:
        completed.extend(edge.append(leaf_hash(row.entry.encode("utf-8"))))
    dequeued = _write_batch(session, rows, size, completed)
    if dequeued != len(rows):  # belt and braces: the lock makes this impossible
        raise AuditIntegrityError(f"took {dequeued} queued events off for {len(rows)} numbered")
    _sign(session, identity, size, root, edge)
    return len(rows), edge.size


@dataclass(frozen=True)
class _Queued:
    seq: int  # its place in the queue
    row: int  # AuditEvent.id
    entry: str


def _next_pending(session: Session, batch_size: int) -> list[_Queued]:
    """The oldest `batch_size` queued events; AuditIntegrityError for a queue entry whose event
    is missing or already numbered (the queue was edited: numbering it would hide or repeat)."""
    found = session.execute(
        select(AuditPending.seq, AuditEvent.id, AuditEvent.entry, AuditLeaf.leaf_index)
        .outerjoin(AuditEvent, AuditEvent.event_id == AuditPending.event_id)
        .outerjoin(AuditLeaf, AuditLeaf.event_row == AuditEvent.id)
        .order_by(AuditPending.seq)
        .limit(batch_size)
    ).all()
    for seq, row, _, numbered in found:
        if row is None:
            raise AuditIntegrityError(f"queued audit event {seq} is not in the log")
        if numbered is not None:
            raise AuditIntegrityError(f"queued audit event {seq} already has leaf {numbered}")
    return [_Queued(seq, row, entry) for seq, row, entry, _ in found]


def _write_batch(session: Session, rows: list[_Queued], size: int, nodes: list[Subtree]) -> int:
    """Number the queued `rows` from `size`, take them off the queue and store the new subtrees,
    in a few statements; returns how many queue entries were removed.

    A per-row executemany costs a round trip per row on PostgreSQL, and a statement with
    thousands of placeholders costs psycopg more to parse than the server to run: PostgreSQL gets
    COPY and an array, SQLite multi-row VALUES through the driver.
    """
    leaves = [(size + offset, row.row) for offset, row in enumerate(rows)]
    subtrees = [(n.level, n.index, n.hash) for n in nodes]
    seqs = [row.seq for row in rows]
    if session.get_bind().dialect.name == "postgresql":
        _copy(session, "audit_leaves (leaf_index, event_row)", leaves)
        _copy(session, 'audit_nodes (level, "index", hash)', subtrees)
        removed = session.execute(
            text("DELETE FROM audit_pending WHERE seq = ANY(CAST(:seqs AS bigint[]))"),
            {"seqs": seqs},
        ).rowcount  # type: ignore[attr-defined]
        return int(removed)
    _values_statements(
        session, "INSERT INTO audit_leaves (leaf_index, event_row) VALUES {values}", leaves
    )
    _values_statements(
        session, 'INSERT INTO audit_nodes (level, "index", hash) VALUES {values}', subtrees
    )
    # The write lock is held: every committed entry up to the batch's last was just read.
    return driver_sql(
        session, "DELETE FROM audit_pending WHERE seq BETWEEN ? AND ?", [seqs[0], seqs[-1]]
    ).rowcount


def _copy(session: Session, target: str, rows: Sequence[tuple[object, ...]]) -> None:
    """PostgreSQL: rows in one COPY (for the subtrees a third of the time of an INSERT from
    unnested arrays, whose bytea[] parameter psycopg sends as text)."""
    driver: Any = session.connection().connection.driver_connection  # in this transaction
    with driver.cursor() as cursor, cursor.copy(f"COPY {target} FROM STDIN") as stream:
        for row in rows:
            stream.write_row(row)


def _values_statements(session: Session, template: str, rows: Sequence[tuple[object, ...]]) -> int:
    """`template` with ``{values}`` replaced by up to 1000 rows of ``?`` placeholders each."""
    changed = 0
    for start in range(0, len(rows), _ROWS_PER_STATEMENT):
        chunk = rows[start : start + _ROWS_PER_STATEMENT]
        row = f"({', '.join('?' * len(chunk[0]))})"
        statement = template.format(values=", ".join([row] * len(chunk)))
        changed += driver_sql(session, statement, [v for values in chunk for v in values]).rowcount
    return changed


def _current_tree(session: Session, identity: LogIdentity) -> tuple[int, bytes]:
    """Size and root of the latest checkpoint, after checking the store agrees with it."""
    latest = latest_checkpoint(session)
    max_index = session.scalar(select(func.max(AuditLeaf.leaf_index)))
    max_leaf = session.scalar(select(func.max(AuditNode.index)).where(AuditNode.level == 0))
    if latest is None:
        if max_index is not None or max_leaf is not None:
            raise AuditIntegrityError("events or nodes have leaf indexes but no checkpoint exists")
        return 0, EMPTY_ROOT
    try:
        checkpoint, _ = open_checkpoint(latest.note, identity.verifiers)
    except NoteError as exc:
        raise AuditIntegrityError(
            f"the latest checkpoint ({latest.tree_size}) does not verify: {exc} (if the signing "
            "key changed, list the old verifier key in BWV_AUDIT_TRUSTED_KEYS)"
        ) from None
    if checkpoint.origin != identity.origin:
        raise AuditIntegrityError(
            f"the log's origin is {checkpoint.origin!r}, but the configured origin is "
            f"{identity.origin!r} (BWV_AUDIT_ORIGIN)"
        )
    if (checkpoint.size, checkpoint.root_hash) != (latest.tree_size, bytes(latest.root_hash)):
        raise AuditIntegrityError(f"checkpoint row {latest.tree_size} disagrees with its note")
    if max_index != latest.tree_size - 1 or max_leaf != latest.tree_size - 1:
        raise AuditIntegrityError(
            f"the latest checkpoint covers {latest.tree_size} events, but the highest leaf "
            f"index is {max_index} and the highest stored leaf hash {max_leaf}"
        )
    return latest.tree_size, checkpoint.root_hash


def _sign(
    session: Session, identity: LogIdentity, old_size: int, old_root: bytes, edge: CompactRange
) -> None:
    """Prove the new tree extends the old one from the stored nodes, then sign it."""
    new_size, new_root = edge.size, edge.root()
    source = DbSubtreeSource(session)
    try:
        if old_size > 0:
            proof = source.batched(lambda s: consistency_proof(s, old_size, new_size))
            verify_consistency(old_size, new_size, proof, old_root, new_root)
        stored_root = source.batched(lambda s: root_hash(s, new_size))
    except (ProofError, LookupError) as exc:
        raise AuditIntegrityError(
            f"tree {new_size} is not consistent with {old_size}: {exc}"
        ) from None
    if stored_root != new_root:
        raise AuditIntegrityError(f"the stored nodes do not reproduce the root of {new_size}")
    body = format_checkpoint(identity.origin, new_size, new_root)
    session.add(
        AuditCheckpoint(
            tree_size=new_size,
            root_hash=new_root,
            note=sign_note(body, identity.signer),
            created_at=utcnow(),
        )
    )


class IntegratorLoop(threading.Thread):
    """Integrates every `interval` seconds in a worker process, for low latency."""

    def __init__(self, interval: float | None = None) -> None:
        super().__init__(name="openbwv-audit-integrator", daemon=True)
        self.interval = interval or get_settings().audit_integrate_interval_seconds
        self.stop_event = threading.Event()
        self._last_error: tuple[str, float] | None = None

    def run(self) -> None:
        while not self.stop_event.wait(self.interval):
            try:
                integrate(wait=False)
                self._last_error = None
            except Exception as exc:
                self._report(exc)

    def _report(self, exc: Exception) -> None:
        # Loud, but not once a second: the same failure is repeated at most every minute.
        message, now = f"{type(exc).__name__}: {exc}", time.monotonic()
        if self._last_error and self._last_error[0] == message and now - self._last_error[1] < 60:
            return
        self._last_error = (message, now)
        log.error("audit integration failed", error=message)

    def stop(self) -> None:
        self.stop_event.set()


_loop: IntegratorLoop | None = None
_loop_pid: int | None = None
_loop_lock = threading.Lock()


def ensure_loop() -> IntegratorLoop:
    """Start this process's integrator loop once (again after a fork)."""
    global _loop, _loop_pid
    with _loop_lock:
        if _loop is None or _loop_pid != os.getpid() or not _loop.is_alive():
            _loop, _loop_pid = IntegratorLoop(), os.getpid()
            _loop.start()
        return _loop
