"""The log in the database: stored perfect subtrees as a `SubtreeSource`, proofs, checkpoints.

Proofs need O(log n) subtree hashes. Which ones depends only on the sizes and the index, never on
the hashes themselves, so every proof here is computed twice: once against a recorder that notes
the subtrees asked for, then against the rows fetched for all of them in one query. A proof (or
a whole page of proofs) therefore costs one round trip, at any tree size.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import (
    Connection,
    CursorResult,
    Engine,
    Select,
    create_engine,
    event,
    or_,
    select,
)
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from openbwv.access.errors import AccessDenied
from openbwv.access.policy import roles
from openbwv.access.policy.queries import authorize_item, require
from openbwv.access.principal import Principal
from openbwv.audit import folding
from openbwv.audit.merkle import (
    CompactRange,
    SubtreeSource,
    consistency_proof,
    inclusion_proof,
    root_hash,
)
from openbwv.audit.models import AuditCheckpoint, AuditEvent, AuditLeaf
from openbwv.audit.trail import Trail, TrailEvent
from openbwv.evidence.models import EvidenceItem

T = TypeVar("T")
Executor = Session | Connection
_PLACEHOLDER = bytes(32)
_FETCH_CHUNK = 500  # keys per query: far below every driver's parameter limit
TRAIL_ACTION = "audit.trail"
_ROUTINE_READS = 5000  # folded into counts: a bound, not a page
_INDEX = '"index"'  # a reserved word in SQL: quoted the same way by SQLite and PostgreSQL


class MissingNode(LookupError):
    """A subtree hash the log must hold is not stored: the node table is damaged."""


class _Recorder:
    """A source that remembers which subtrees are asked for and answers placeholders."""

    def __init__(self) -> None:
        self.keys: set[tuple[int, int]] = set()

    def perfect_subtree(self, level: int, index: int) -> bytes:
        self.keys.add((level, index))
        return _PLACEHOLDER


def driver_sql(db: Executor, statement: str, params: Sequence[object]) -> CursorResult[Any]:
    """Run SQL with ``?`` placeholders straight through the driver.

    For the statements with hundreds of parameters built here, SQLAlchemy's per-parameter work
    cost more than the database; the statements contain no other ``?`` or ``%``.
    """
    connection = db.connection() if isinstance(db, Session) else db
    if connection.dialect.paramstyle in ("format", "pyformat"):
        statement = statement.replace("?", "%s")
    return connection.exec_driver_sql(statement, tuple(params))


def fetch_nodes(db: Executor, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The stored hashes of the given ``(level, index)`` subtrees (missing ones are absent).

    One statement per 500 keys, ``(level = ? AND index IN (…)) OR …``, which SQLite and
    PostgreSQL both answer with primary-key lookups.
    """
    ordered = sorted(set(keys))
    found: dict[tuple[int, int], bytes] = {}
    for start in range(0, len(ordered), _FETCH_CHUNK):
        by_level: dict[int, list[int]] = defaultdict(list)
        for level, index in ordered[start : start + _FETCH_CHUNK]:
            by_level[level].append(index)
        params: list[int] = []
        terms = []
        for level, indexes in by_level.items():
            params += [level, *indexes]
            terms.append(f"(level = ? AND {_INDEX} IN ({', '.join('?' * len(indexes))}))")
        where = " OR ".join(terms)  # placeholders only: every value is a bound parameter
        statement = f"SELECT level, {_INDEX}, hash FROM audit_nodes WHERE {where}"  # noqa: S608
        rows = cast(Iterable[tuple[int, int, bytes]], driver_sql(db, statement, params))
        for level, index, digest in rows:
            found[(level, index)] = bytes(digest)
    return found


class DbSubtreeSource:
    """`SubtreeSource` over `audit_nodes`, with a cache filled by :meth:`prefetch`."""

    def __init__(self, db: Executor) -> None:
        self.db = db
        self.cache: dict[tuple[int, int], bytes] = {}

    def prefetch(self, keys: Iterable[tuple[int, int]]) -> None:
        wanted = [key for key in keys if key not in self.cache]
        if wanted:
            self.cache.update(fetch_nodes(self.db, wanted))

    def perfect_subtree(self, level: int, index: int) -> bytes:
        key = (level, index)
        if key not in self.cache:
            self.prefetch([key])
        try:
            return self.cache[key]
        except KeyError:
            raise MissingNode(f"no stored subtree at level {level}, index {index}") from None

    def batched(self, compute: Callable[[SubtreeSource], T]) -> T:
        """Run `compute` against this source after fetching everything it needs in one go."""
        recorder = _Recorder()
        compute(recorder)
        self.prefetch(recorder.keys)
        return compute(self)


def root_at(db: Executor, size: int) -> bytes:
    return DbSubtreeSource(db).batched(lambda source: root_hash(source, size))


def compact_range_at(db: Executor, size: int) -> CompactRange:
    return DbSubtreeSource(db).batched(lambda source: CompactRange.from_source(source, size))


def inclusion_proofs(db: Executor, indexes: Iterable[int], size: int) -> dict[int, list[bytes]]:
    """Inclusion proofs of several leaves in the tree of `size`, in one query."""
    wanted = sorted(set(indexes))

    def compute(source: SubtreeSource) -> dict[int, list[bytes]]:
        return {index: inclusion_proof(source, index, size) for index in wanted}

    return DbSubtreeSource(db).batched(compute)


def consistency(db: Executor, size1: int, size2: int) -> list[bytes]:
    return DbSubtreeSource(db).batched(lambda source: consistency_proof(source, size1, size2))


def latest_checkpoint(session: Session) -> AuditCheckpoint | None:
    """The newest signed checkpoint, or None before the first."""
    query = select(AuditCheckpoint).order_by(AuditCheckpoint.tree_size.desc()).limit(1)
    return session.scalar(query)


@contextmanager
def read_snapshot(engine: Engine) -> Iterator[Connection]:
    """A read-only connection in one consistent snapshot, that never blocks writers."""
    if engine.dialect.name == "sqlite":
        # The application's SQLite engine opens transactions with BEGIN IMMEDIATE (the write
        # lock); a long verification must not hold it, so it reads through a DEFERRED one.
        reader = create_engine(
            engine.url,
            poolclass=NullPool,
            connect_args={"check_same_thread": False, "timeout": 30, "isolation_level": None},
        )

        @event.listens_for(reader, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA query_only=1")
            cursor.close()

        @event.listens_for(reader, "begin")
        def _begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN")

        try:
            with reader.connect() as connection, connection.begin():
                yield connection
        finally:
            reader.dispose()
        return
    with engine.connect() as connection:
        connection = connection.execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        )
        with connection.begin():
            yield connection


def tree_size(session: Session) -> int:
    """The size of the tree the latest checkpoint signs (0 before the first)."""
    checkpoint = latest_checkpoint(session)
    return checkpoint.tree_size if checkpoint else 0


def leaves_of_events(
    session: Session, event_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, tuple[int | None, str]]:
    """(leaf index, exact entry) of each event (index None until integrated): what another
    domain's certificate proves with `inclusion_proofs`."""
    wanted = list(event_ids)
    if not wanted:
        return {}
    rows = session.execute(
        select(AuditEvent.event_id, AuditLeaf.leaf_index, AuditEvent.entry)
        .outerjoin(AuditLeaf, AuditLeaf.event_row == AuditEvent.id)
        .where(AuditEvent.event_id.in_(wanted))
    ).all()
    return {event_id: (index, entry) for event_id, index, entry in rows}


def entries_between(session: Session, start: int, last: int) -> list[tuple[int, str]]:
    """The leaf entries from index `start` to `last` inclusive, in order."""
    rows = session.execute(
        select(AuditLeaf.leaf_index, AuditEvent.entry)
        .join(AuditEvent, AuditEvent.id == AuditLeaf.event_row)
        .where(AuditLeaf.leaf_index >= start, AuditLeaf.leaf_index <= last)
        .order_by(AuditLeaf.leaf_index)
    ).all()
    return [(index, entry) for index, entry in rows]


def evidence_record(session: Session, evidence_id: uuid.UUID) -> EvidenceItem | None:
    """The item a custody report describes (None once disposed: its trail remains)."""
    return session.get(EvidenceItem, evidence_id)


def authorize_trail(
    session: Session, principal: Principal, evidence_id: str, action: str = TRAIL_ACTION
) -> uuid.UUID:
    """The item's id if `principal` may read its trail; AccessDenied (404 alike) otherwise.

    `action` names the refused action in the audit log."""
    if principal.can(roles.AUDIT_READ):
        try:
            parsed = uuid.UUID(evidence_id)
        except ValueError:
            raise AccessDenied(action, "no such evidence item", status=404) from None
        known = session.get(EvidenceItem, parsed) is not None or (
            session.scalar(select(AuditEvent.id).where(AuditEvent.evidence_id == parsed).limit(1))
            is not None
        )  # an auditor may follow a disposed item's trail
        if not known:
            raise AccessDenied(action, "no such evidence item", status=404, target=str(parsed))
        return parsed
    if principal.external:
        # The internal trail (who in the force looked at what) is not disclosed: a recipient
        # gets the evidence package's custody record instead (docs/sharing.md).
        raise AccessDenied(
            action, "the internal audit trail is not shared", status=403, target=evidence_id
        )
    try:
        return authorize_item(session, principal, evidence_id, roles.VIEW).id
    except AccessDenied as exc:  # recorded as a refused trail read, not a refused view
        raise AccessDenied(
            action,
            exc.detail,
            status=exc.status,
            evidence_id=exc.evidence_id,
            target=exc.target,
        ) from None


def load_trail(
    session: Session, evidence_id: uuid.UUID, *, after: int = -1, limit: int = 1000
) -> Trail:
    """Up to `limit` anchored events after leaf `after`, with proofs against the latest
    checkpoint; the pending events come with the last page."""
    checkpoint = latest_checkpoint(session)
    size = checkpoint.tree_size if checkpoint else 0
    found = session.execute(
        select(AuditLeaf.leaf_index, AuditEvent.entry)
        .join(AuditLeaf, AuditLeaf.event_row == AuditEvent.id)
        .where(
            AuditEvent.evidence_id == evidence_id,
            AuditLeaf.leaf_index > after,
            AuditLeaf.leaf_index < size,
        )
        .order_by(AuditLeaf.leaf_index)
        .limit(limit + 1)
    ).all()
    more = len(found) > limit
    rows = [(index, entry) for index, entry in found[:limit]]
    proofs = inclusion_proofs(session, [index for index, _ in rows], size) if rows else {}
    events = [TrailEvent(index, entry, proofs[index]) for index, entry in rows]
    pending: list[TrailEvent] = []
    if not more:
        pending_rows = session.scalars(
            select(AuditEvent.entry)
            .outerjoin(AuditLeaf, AuditLeaf.event_row == AuditEvent.id)
            .where(
                AuditEvent.evidence_id == evidence_id,
                or_(AuditLeaf.leaf_index.is_(None), AuditLeaf.leaf_index >= size),
            )
            .order_by(AuditEvent.id)
            .limit(limit)
        ).all()
        pending = [TrailEvent(None, entry, None) for entry in pending_rows]
    return Trail(evidence_id, checkpoint, events, pending, rows[-1][0] if more else None)


def latest_for_item(
    session: Session, evidence_id: uuid.UUID, limit: int
) -> list[folding.Line | folding.FoldedReads]:
    """The evidence page's trail panel, newest first: the item's latest `limit` events other
    than routine reads, and the routine reads of the same period folded into a count per sitting
    (so a hundred list pages cannot push the last view off the panel)."""
    newest_first = AuditEvent.id.desc()
    main = list(
        session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.evidence_id == evidence_id,
                AuditEvent.action.not_in(folding.FOLDED_ACTIONS),
            )
            .order_by(newest_first)
            .limit(limit)
        )
    )
    routine = select(AuditEvent).where(
        AuditEvent.evidence_id == evidence_id, AuditEvent.action.in_(folding.FOLDED_ACTIONS)
    )
    if len(main) == limit:  # only the period the panel covers
        routine = routine.where(AuditEvent.id > main[-1].id)
    reads = list(session.scalars(routine.order_by(newest_first).limit(_ROUTINE_READS)))
    merged = sorted([*main, *reads], key=lambda event: event.id, reverse=True)
    return folding.fold(folding.from_rows(merged))


@dataclass(frozen=True)
class LogFilter:
    """What the audit log page narrows the log to (every field optional)."""

    actor: str = ""  # the actor's name contains this (case-insensitive)
    action: str = ""  # exactly this action
    evidence_id: uuid.UUID | None = None
    since: datetime | None = None  # UTC, inclusive
    until: datetime | None = None  # UTC, exclusive


@dataclass(frozen=True)
class LogPage:
    events: list[AuditEvent]  # newest first
    tree_size: int  # of the latest checkpoint: events at or past it are pending
    newer: int | None  # cursor (an event id) for the page of newer events, if any
    older: int | None  # cursor for the page of older events, if any


def _filtered(query: Select[AuditEvent], wanted: LogFilter) -> Select[AuditEvent]:
    if wanted.actor:
        query = query.where(AuditEvent.actor_name.icontains(wanted.actor, autoescape=True))
    if wanted.action:
        query = query.where(AuditEvent.action == wanted.action)
    if wanted.evidence_id is not None:
        query = query.where(AuditEvent.evidence_id == wanted.evidence_id)
    if wanted.since is not None:
        query = query.where(AuditEvent.occurred_at >= wanted.since)
    if wanted.until is not None:
        query = query.where(AuditEvent.occurred_at < wanted.until)
    return query


def log_page(
    session: Session,
    principal: Principal,
    wanted: LogFilter,
    *,
    older_than: int | None = None,
    newer_than: int | None = None,
    limit: int = 50,
) -> LogPage:
    """A page of the whole log, newest first, for those with `audit.read`.

    Events are ordered by their id (recording order; the integrator numbers them in nearly the
    same order), so the newest events, the pending ones among them, come first.
    `older_than`/`newer_than` are the cursors a previous page handed out."""
    require(principal, roles.AUDIT_READ)
    base = _filtered(select(AuditEvent), wanted)
    if newer_than is not None:
        query = base.where(AuditEvent.id > newer_than).order_by(AuditEvent.id)
        rows = list(session.scalars(query.limit(limit + 1)))
        events = rows[:limit][::-1]
        more_newer = len(rows) > limit
        more_older = bool(events) and _exists(session, base.where(AuditEvent.id < events[-1].id))
    else:
        query = base if older_than is None else base.where(AuditEvent.id < older_than)
        rows = list(session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit + 1)))
        events = rows[:limit]
        more_older = len(rows) > limit
        more_newer = (
            older_than is not None
            and bool(events)
            and _exists(session, base.where(AuditEvent.id > events[0].id))
        )
    return LogPage(
        events=events,
        tree_size=tree_size(session),
        newer=events[0].id if events and more_newer else None,
        older=events[-1].id if events and more_older else None,
    )


def _exists(session: Session, query: Select[AuditEvent]) -> bool:
    return session.scalar(query.with_only_columns(AuditEvent.id).limit(1)) is not None


def events_by_actors(
    session: Session,
    actor_ids: Sequence[uuid.UUID],
    evidence_ids: Sequence[uuid.UUID],
    actions: Sequence[str],
    limit: int = 500,
    target_ids: Sequence[str] = (),
) -> list[AuditEvent]:
    """Successful events of these actors on these items (or these targets), newest first (a
    share's receipts: what its recipients opened, viewed, played and downloaded)."""
    if not actor_ids or not (evidence_ids or target_ids):
        return []
    return list(
        session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.actor_id.in_(list(actor_ids)),
                or_(
                    AuditEvent.evidence_id.in_(list(evidence_ids)),
                    AuditEvent.target_id.in_(list(target_ids)),
                ),
                AuditEvent.action.in_(list(actions)),
                AuditEvent.result == "success",
            )
            .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )
