"""The retention sweep (`bwv retention run`, and the workers' maintenance hook): evaluate every
item in batches, queue what is due, dispose of what has passed its grace period, then delete the
bytes.

Disposal is safe against races and crashes: each batch is re-evaluated inside the transaction
that marks it disposed, after taking the holds lock and the items' row locks (PostgreSQL; the
write lock on SQLite), so a hold, a case link, a stage change or a category that committed
first always wins. The bytes to delete are recorded in that same transaction and deleted only
after it commits; a crash in between leaves them pending, and the next run finishes them, once.
A store that refuses (Object Lock) leaves them pending too, to be retried; the run goes on.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from openbwv.audit.events import record
from openbwv.config import Settings, get_settings
from openbwv.db.session import read_only_unit_of_work, unit_of_work
from openbwv.evidence.disposal import queries as evidence_facts
from openbwv.evidence.disposal.service import Tombstone, mark_disposed
from openbwv.evidence.facts import StoredObject
from openbwv.logging import get_logger
from openbwv.retention import queries, service
from openbwv.retention.evaluation import QUEUED, Evaluation, ItemRetention, evaluate
from openbwv.retention.models import ByteDeletion, Disposal, ItemState, QueueEntry, Run
from openbwv.storage.base import ObjectNotFound, ObjectStore, StorageError
from openbwv.storage.factory import derivatives, originals
from openbwv.timeutil import utcnow

log = get_logger(__name__)
DISPOSE_BATCH = 200
BYTES_PAGE = 1000
MARK_CHUNK = 100  # byte deletions marked done per transaction
Hook = Callable[[list[uuid.UUID]], None]


@dataclass
class RunReport:
    run_id: uuid.UUID | None = None
    dry_run: bool = False
    evaluated: int = 0
    kept: int = 0
    held: int = 0
    review: int = 0
    queued: int = 0  # in the queue after evaluation (new and old)
    newly_queued: int = 0
    dequeued: int = 0
    disposed: int = 0
    spared: int = 0  # due, but a re-check in the disposal transaction kept it
    bytes_deleted: int = 0
    bytes_shared: int = 0  # still used by a live item: kept
    bytes_pending: int = 0  # refused (Object Lock) or failed: retried by the next run

    def counts(self) -> dict[str, int]:
        return {k: v for k, v in asdict(self).items() if isinstance(v, int) and k != "dry_run"}


@dataclass(frozen=True)
class Faults:
    """Where a test steps in: after evaluation, before a disposal transaction (another session
    places a hold), and after that transaction commits, before any byte is deleted (a crash)."""

    before_dispose: Hook | None = None
    after_commit: Hook | None = None


def run(
    settings: Settings | None = None,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    actor: str = "retention policy",
    only: Sequence[uuid.UUID] | None = None,
    faults: Faults = Faults(),
    stores: Mapping[str, ObjectStore] | None = None,
) -> RunReport:
    """Evaluate every item (or `only` these), queue what is due, dispose of what passed its
    grace period, delete their bytes; a dry run writes nothing and says what it would do."""
    settings = settings or get_settings()
    now = now or utcnow()
    report = RunReport(dry_run=dry_run)
    stores = stores or {"originals": originals(settings), "derivatives": derivatives(settings)}
    if not dry_run:
        finish_byte_deletions(settings, stores, report)
        with unit_of_work(settings) as session:
            started = Run(started_at=now, actor=actor, counts={})
            session.add(started)
            session.flush()
            report.run_id = started.id
    _evaluate_all(settings, now, report, only)
    if not dry_run:
        _dispose_due(settings, now, report, only, faults, stores)
        with unit_of_work(settings) as session:
            _finish_run(session, report, now)
    return report


def _finish_run(session: Session, report: RunReport, now: datetime) -> None:
    counts = report.counts()
    session.execute(
        update(Run).where(Run.id == report.run_id).values(counts=counts, finished_at=utcnow())
    )
    record(
        session,
        None,
        "retention.run",
        target_type="retention_run",
        target_id=str(report.run_id),
        details={**counts, "now": now.isoformat()},
    )


# --- evaluation ---------------------------------------------------------------------------------


def _evaluate_all(
    settings: Settings, now: datetime, report: RunReport, only: Sequence[uuid.UUID] | None
) -> None:
    after: uuid.UUID | None = None
    wanted = sorted(set(only)) if only is not None else None
    while True:
        with read_only_unit_of_work(settings) as session:
            items = evidence_facts.retention_batch(
                session, after=after, limit=settings.retention_batch_size, ids=wanted
            )
            if not items:
                return
            policy = queries.policy(session, settings)
            # A keyset batch of the whole table is every item between its first and last id.
            span = (items[0].id, items[-1].id) if wanted is None else None
            facts = queries.facts_for(session, items, span=span)
            verdicts = [(fact, evaluate(fact, policy, now)) for fact in facts]
        after = items[-1].id
        _tally(report, verdicts, now)
        if not report.dry_run:
            with unit_of_work(settings) as session:
                _write_batch(session, verdicts, now, policy.grace_days, report, span)


def _tally(
    report: RunReport, verdicts: list[tuple[ItemRetention, Evaluation]], now: datetime
) -> None:
    for fact, verdict in verdicts:
        if verdict.state == "disposed":
            continue
        report.evaluated += 1
        if verdict.state == QUEUED:
            report.queued += 1
            if fact.queued_until is None:
                report.newly_queued += 1
        elif fact.queued_until is not None:
            report.dequeued += 1
        if verdict.state in ("kept", "held", "review"):
            setattr(report, verdict.state, getattr(report, verdict.state) + 1)
        if report.dry_run and verdict.state == QUEUED and verdict.until and verdict.until <= now:
            report.disposed += 1  # what a real run would dispose of now


def _write_batch(
    session: Session,
    verdicts: list[tuple[ItemRetention, Evaluation]],
    now: datetime,
    grace_days: int,
    report: RunReport,
    span: queries.Span | None,
) -> None:
    states = queries.states_of(session, [fact.item.id for fact, _verdict in verdicts], span)
    leaving: list[uuid.UUID] = []
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for fact, verdict in verdicts:
        item = fact.item
        if verdict.state == "disposed":
            continue
        if verdict.state == QUEUED and fact.queued_until is None:
            until = now + timedelta(days=grace_days)
            session.add(
                QueueEntry(
                    evidence_id=item.id,
                    queued_at=now,
                    dispose_after=until,
                    rule=verdict.rule,
                    reasons=verdict.reasons[:5],
                    run_id=report.run_id,
                    authorised_by=_authority(fact),
                )
            )
            details = {"rule": verdict.rule, "dispose_after": until.isoformat()}
            record(session, None, "retention.queue", evidence_id=item.id, details=details)
            verdict = Evaluation(QUEUED, until, verdict.reasons, verdict.rule, True, True)
        elif verdict.state != QUEUED and fact.queued_until is not None:
            leaving.append(item.id)
            details = {"state": verdict.state, "reason": verdict.reasons[0]}
            record(session, None, "retention.dequeue", evidence_id=item.id, details=details)
        _put_state(states.get(item.id), fact, verdict, now, inserts, updates)
    service.dequeue(session, leaving)
    session.flush()
    # Set-based: one statement for the new states and one (executemany) for the changed ones.
    if inserts:
        session.execute(insert(ItemState), inserts)
    if updates:  # ORM bulk UPDATE by primary key: one executemany
        session.execute(update(ItemState), updates)


def _authority(fact: ItemRetention) -> str:
    """Who authorised a disposal: the reviewer who decided it, else the policy."""
    decision = fact.decision
    if decision is not None and decision.kind == "dispose":
        return f"{decision.decided_by} (MoPI review)"
    return "retention policy"


def _put_state(
    state: tuple[Any, ...] | None,
    fact: ItemRetention,
    verdict: Evaluation,
    now: datetime,
    inserts: list[dict[str, Any]],
    updates: list[dict[str, Any]],
) -> None:
    """The verdict as a row to insert (a first verdict) or update (a changed one); nothing when
    it is the same as the last."""
    values = (
        verdict.state,
        verdict.until,
        verdict.rule[:64],
        verdict.reasons[0] if verdict.reasons else "",
        fact.item.borough,
        fact.item.categories[0] if fact.item.categories else None,
        fact.item.size_bytes,
        verdict.disposes,
    )
    if state == values:
        return
    row = dict(zip(queries.STATE_COLUMNS, values, strict=True), evaluated_at=now)
    if state is None:
        inserts.append({"evidence_id": fact.item.id, **row})
    else:
        updates.append({"evidence_id": fact.item.id, **row})


# --- disposal -----------------------------------------------------------------------------------


def _dispose_due(
    settings: Settings,
    now: datetime,
    report: RunReport,
    only: Sequence[uuid.UUID] | None,
    faults: Faults,
    stores: Mapping[str, ObjectStore],
) -> None:
    seen: set[uuid.UUID] = set()
    wanted = set(only) if only is not None else None
    while True:
        with read_only_unit_of_work(settings) as session:
            due = queries.due_for_disposal(session, now, limit=DISPOSE_BATCH + len(seen), ids=only)
        ids = [i for i in due if i not in seen and (wanted is None or i in wanted)]
        ids = ids[:DISPOSE_BATCH]
        if not ids:
            return
        seen.update(ids)
        if faults.before_dispose:
            faults.before_dispose(ids)
        with unit_of_work(settings) as session:
            disposed = dispose_batch(session, ids, now, report)
        if faults.after_commit:
            faults.after_commit(disposed)
        finish_byte_deletions(settings, stores, report)


def dispose_batch(
    session: Session, ids: list[uuid.UUID], now: datetime, report: RunReport
) -> list[uuid.UUID]:
    """Re-check and dispose of `ids` in the caller's transaction: the holds lock first, then the
    items' rows, then their facts afresh; only what is still due goes."""
    service.lock_holds(session)
    items = evidence_facts.retention_batch(session, ids=ids, limit=len(ids), lock=True)
    policy = queries.policy(session)
    facts = queries.facts_for(session, items, lock=True)
    stones, verdicts, spared = [], {}, []
    for fact in facts:
        verdict = evaluate(fact, policy, now)
        entry_due = fact.queued_until is not None and fact.queued_until <= now
        if verdict.state == QUEUED and verdict.due and entry_due:
            stones.append(
                Tombstone(
                    fact.item.id, verdict.rule, verdict.reasons[:5], _authority(fact), report.run_id
                )
            )
            verdicts[fact.item.id] = (fact, verdict)
        elif verdict.state != "disposed":
            spared.append(fact.item.id)
    report.spared += len(spared)
    service.dequeue(session, spared)
    if not stones:
        return []
    objects = mark_disposed(session, stones, now)
    for stone in stones:
        _record_disposal(session, stone, verdicts[stone.evidence_id][0], objects, now)
    service.dequeue(session, [stone.evidence_id for stone in stones])
    report.disposed += len(stones)
    return [stone.evidence_id for stone in stones]


def _record_disposal(
    session: Session,
    stone: Tombstone,
    fact: ItemRetention,
    objects: dict[uuid.UUID, list[StoredObject]],
    now: datetime,
) -> None:
    item = fact.item
    event = record(
        session,
        None,
        "retention.dispose",
        evidence_id=item.id,
        target_type="retention_run",
        target_id=str(stone.run_id) if stone.run_id else None,
        details={
            "rule": stone.rule,
            "reasons": list(stone.reasons),
            "authorised_by": stone.authorised_by,
            "sha256": item.sha256,
            "bytes": item.size_bytes,
            "objects": len(objects.get(item.id, [])),
        },
    )
    session.add(
        Disposal(
            evidence_id=item.id,
            run_id=stone.run_id,
            disposed_at=now,
            rule=stone.rule,
            reasons=list(stone.reasons),
            authorised_by=stone.authorised_by,
            audit_event_id=event.event_id,
        )
    )
    for stored in dict.fromkeys(objects.get(item.id, [])):
        session.add(
            ByteDeletion(
                evidence_id=item.id,
                namespace=stored.namespace,
                key=stored.key,
                created_at=now,
            )
        )


# --- bytes --------------------------------------------------------------------------------------


def finish_byte_deletions(
    settings: Settings, stores: Mapping[str, ObjectStore], report: RunReport | None = None
) -> RunReport:
    """Delete the bytes of committed disposals (once each): unless a live item still uses the
    object; a refusal (Object Lock) or a failure leaves it pending for the next run."""
    report = report or RunReport()
    after: tuple[datetime, uuid.UUID] | None = None
    while True:  # page by page (keyset: a page that keeps failing does not block the rest)
        with read_only_unit_of_work(settings) as session:
            rows = queries.pending_byte_deletions(session, limit=BYTES_PAGE, after=after)
            pending = [(r.id, r.evidence_id, StoredObject(r.namespace, r.key)) for r in rows]
            in_use = evidence_facts.objects_in_use(session, [obj for _, _, obj in pending])
            if rows:
                after = (rows[-1].created_at, rows[-1].id)
        for first in range(0, len(pending), MARK_CHUNK):
            chunk = pending[first : first + MARK_CHUNK]
            finished = [
                (row_id, evidence_id, obj, outcome)
                for row_id, evidence_id, obj in chunk
                if (outcome := _delete_one(settings, stores, report, row_id, obj, obj in in_use))
            ]
            _mark_done(settings, finished, report)
        if len(rows) < BYTES_PAGE:
            return report


def _delete_one(
    settings: Settings,
    stores: Mapping[str, ObjectStore],
    report: RunReport,
    row_id: uuid.UUID,
    obj: StoredObject,
    shared: bool,
) -> str | None:
    """Delete one object unless shared: its outcome, or None when the store refused."""
    if shared:
        report.bytes_shared += 1
        return "shared"
    try:
        stores[obj.namespace].delete(obj.key)
        return "deleted"
    except ObjectNotFound:
        return "absent"  # deleted before a crash, or never stored
    except (StorageError, OSError) as exc:
        _failed(settings, row_id, str(exc))
        report.bytes_pending += 1
        return None


def _mark_done(
    settings: Settings,
    finished: list[tuple[uuid.UUID, uuid.UUID, StoredObject, str]],
    report: RunReport,
) -> None:
    """Mark a chunk of deletions done, each recorded once, in one transaction (a crash before
    it commits leaves them pending: the next run finds the objects absent and records that)."""
    if not finished:
        return
    with unit_of_work(settings) as session:
        for row_id, evidence_id, obj, outcome in finished:
            marked = session.execute(
                update(ByteDeletion)
                .where(ByteDeletion.id == row_id, ByteDeletion.done_at.is_(None))
                .values(done_at=utcnow(), outcome=outcome)
            )
            if marked.rowcount != 1:  # type: ignore[attr-defined]
                continue  # another run finished it
            details = {"namespace": obj.namespace, "key": obj.key, "outcome": outcome}
            record(session, None, "retention.bytes", evidence_id=evidence_id, details=details)
            if outcome != "shared":
                report.bytes_deleted += 1


def _failed(settings: Settings, row_id: uuid.UUID, error: str) -> None:
    log.warning("retention.bytes_pending", deletion=str(row_id), error=error[:300])
    with unit_of_work(settings) as session:
        row = session.get(ByteDeletion, row_id)
        if row is not None:
            row.attempts += 1
            row.last_error = error[:2000]


# --- the workers' maintenance hook --------------------------------------------------------------


def periodic_sweep() -> int:
    """A sweep at most every `BWV_RETENTION_INTERVAL_MINUTES` (every worker's sweeper calls
    this; the latest run's start says whether one is due). Returns items disposed of."""
    settings = get_settings()
    now = utcnow()
    with read_only_unit_of_work(settings) as session:
        latest = session.scalar(select(Run.started_at).order_by(Run.started_at.desc()).limit(1))
    if latest is not None and now - latest < timedelta(minutes=settings.retention_interval_minutes):
        return 0
    return run(settings, now=now).disposed
