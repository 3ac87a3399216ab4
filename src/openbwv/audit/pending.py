"""Events recorded in a session wait in it and are written together, in recording order.

`record()` builds an event and appends it to its session's list; the list is written as one
multi-row INSERT (Core, no unit of work per object), with the integrator's queue entry of each
event (`audit_pending`), at the latest moment that keeps the ORM's own guarantees:

- before the session runs any statement (as autoflush would: a query in the same transaction sees
  the events recorded before it) and before an ORM flush;
- before a savepoint begins (so a savepoint rolled back never takes earlier events with it);
- at commit, before the ORM's own flush.

A rollback (of the transaction, or of the savepoint the events were recorded in) discards the
waiting ones, as it discards pending ORM objects; the written ones the database rolls back. So an
event is committed exactly when its action is. Between savepoints the invariant is that the list
holds only events recorded since the innermost open savepoint began, which is what makes
discarding all of it on a rollback right.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Dialect, event
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from openbwv.audit.models import AuditEvent, AuditPending

PENDING_KEY = "openbwv_audit_pending"
#: The columns `record` fills, in the order of its rows (`id` is the database's).
COLUMNS = (
    "event_id",
    "occurred_at",
    "actor_id",
    "actor_name",
    "actor_kind",
    "action",
    "evidence_id",
    "target_type",
    "target_id",
    "result",
    "reason",
    "source_ip",
    "details",
    "entry",
)
Row = tuple[Any, ...]
FEW = 20  # up to this many rows in one statement; more by COPY (cheaper per row)
# Per dialect instance (an engine's serialisers are its own); gone with the engine.
_writers: WeakKeyDictionary[Dialect, Callable[[Connection, list[Row]], None]] = WeakKeyDictionary()


def add(session: Session, row: Row) -> None:
    if not session.in_transaction():
        session.begin()  # as `Session.add` autobegins: a rollback from here on discards the row
    session.info.setdefault(PENDING_KEY, []).append(row)


def waiting(session: Session) -> list[Row]:
    """The rows recorded in `session` and not written yet (a copy)."""
    return list(session.info.get(PENDING_KEY, ()))


def write(session: Session) -> None:
    """Write the waiting events now (what happens on its own before any statement and at commit);
    for code that reads them back through a raw connection in the same transaction."""
    rows = session.info.pop(PENDING_KEY, None)
    if rows:
        _insert(session.connection(), rows)


def _insert(connection: Connection, rows: list[Row]) -> None:
    writer = _writers.get(connection.dialect)
    if writer is None:
        writer = _writers[connection.dialect] = _writer_for(connection.dialect)
    writer(connection, rows)


def _writer_for(dialect: Dialect) -> Callable[[Connection, list[Row]], None]:
    """The values converted by the columns' own SQLAlchemy types (so the stored bytes are what an
    ORM insert stores), then handed to the driver in one call, without SQLAlchemy's per-row
    statement machinery: SQLite runs one prepared statement per row in C (executemany);
    PostgreSQL takes them as one COPY, which costs its server a third less than a pipelined
    executemany. Either way ids follow the rows' order."""
    table, columns = AuditEvent.__table__, ", ".join(COLUMNS)
    processors = _processors(dialect, [table.c[name].type for name in COLUMNS])
    converting = [(index, p) for index, p in enumerate(processors) if p is not None]

    def convert(row: Row) -> Row:
        values = list(row)
        for index, processor in converting:
            values[index] = processor(values[index])
        return tuple(values)

    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        events = f"COPY {AuditEvent.__tablename__} ({columns}) FROM STDIN"
        queue = f"COPY {AuditPending.__tablename__} (event_id) FROM STDIN"

        def copy(connection: Connection, rows: list[Row]) -> None:
            driver: Any = connection.connection.driver_connection  # psycopg, in this transaction
            converted = list(map(convert, rows))
            with driver.cursor() as cursor:
                if len(converted) <= FEW:
                    cursor.execute(_few_rows(len(converted)), [v for r in converted for v in r])
                    return
                with cursor.copy(events) as stream:
                    for row in converted:
                        stream.write_row(row)
                with cursor.copy(queue) as stream:
                    for row in converted:
                        stream.write_row(row[:1])  # event_id comes first

        return copy
    placeholder = "?" if dialect.paramstyle == "qmark" else "%s"
    values = ", ".join([placeholder] * len(COLUMNS))
    # Built from the module's constants only: no value reaches the SQL text.
    insert_events = f"INSERT INTO {AuditEvent.__tablename__} ({columns}) VALUES ({values})"  # noqa: S608
    insert_queue = f"INSERT INTO {AuditPending.__tablename__} (event_id) VALUES ({placeholder})"  # noqa: S608

    def insert(connection: Connection, rows: list[Row]) -> None:
        converted = list(map(convert, rows))
        connection.exec_driver_sql(insert_events, converted)
        connection.exec_driver_sql(insert_queue, [row[:1] for row in converted])

    return insert


@cache  # one text per count: built once, and psycopg prepares what it sees often
def _few_rows(count: int) -> str:
    """Both inserts as one statement of `count` rows (a data-modifying WITH): one round trip,
    where two COPYs take four. The queue takes the events in the order of their ids, which
    VALUES assigns in the rows' order."""
    row = "(" + ", ".join(["%s"] * len(COLUMNS)) + ")"
    return (
        f"WITH events AS (INSERT INTO {AuditEvent.__tablename__} ({', '.join(COLUMNS)})"  # noqa: S608
        f" VALUES {', '.join([row] * count)} RETURNING id, event_id)"
        f" INSERT INTO {AuditPending.__tablename__} (event_id)"
        " SELECT event_id FROM events ORDER BY id"
    )


def _processors(dialect: Dialect, types: Sequence[Any]) -> list[Callable[[Any], Any] | None]:
    return [kind.dialect_impl(dialect).bind_processor(dialect) for kind in types]


@event.listens_for(Session, "do_orm_execute")
def _before_statement(state: ORMExecuteState) -> None:
    if PENDING_KEY in state.session.info:
        write(state.session)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    if PENDING_KEY in session.info:
        write(session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if PENDING_KEY in session.info:
        write(session)


@event.listens_for(Session, "after_transaction_create")
def _before_savepoint(session: Session, transaction: SessionTransaction) -> None:
    # The SAVEPOINT itself is emitted lazily, on the new transaction's first statement: writing
    # through the enclosing transaction's connection puts the waiting events before it.
    if transaction.nested and PENDING_KEY in session.info:
        rows = session.info.pop(PENDING_KEY)
        parent = transaction.parent
        assert parent is not None  # a savepoint always has an enclosing transaction
        _insert(parent.connection(None), rows)


@event.listens_for(Session, "after_soft_rollback")
def _discard(session: Session, _previous: SessionTransaction) -> None:
    session.info.pop(PENDING_KEY, None)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    # After a commit nothing waits; after `close()` (which rolls back without a soft-rollback
    # event) the waiting rows must not survive into the session's next transaction.
    if transaction.parent is None:
        session.info.pop(PENDING_KEY, None)
