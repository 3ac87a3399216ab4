"""Engines and units of work.

Services receive a `Session` and never commit; the request or task boundary owns the transaction
via `unit_of_work()`. Callbacks registered with `after_commit()` run only once the commit
succeeded — that is how jobs are enqueued (after the rows they refer to exist).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from openbwv.config import Settings, get_settings

_engines: dict[str, Engine] = {}
_lock = threading.Lock()
AFTER_COMMIT_KEY = "openbwv_after_commit"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")  # no data loss on power failure
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # 64 MiB of page cache per connection (SQLite's default is 2 MiB): a search walks a few
    # thousand rows of a borough with their index pages, which at 1 M items no longer fit in
    # 2 MiB (category search p50 34 → 19 ms in bench/search_bench.py's 1 M database).
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


READ_ONLY = "openbwv_read_only"  # a connection option: this transaction only reads


def _begin(conn: Any) -> None:
    # SQLite: a writing transaction takes the write lock at BEGIN, so concurrent writers queue on
    # busy_timeout instead of failing with "database is locked" when a reader upgrades to a
    # writer. A read-only one begins DEFERRED and never takes it (WAL readers do not block).
    read_only = conn.get_execution_options().get(READ_ONLY, False)
    conn.exec_driver_sql("BEGIN DEFERRED" if read_only else "BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30, "isolation_level": None},
            hide_parameters=True,  # never a token hash or a password in an error or a log
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _begin)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        hide_parameters=True,
        connect_args=postgresql_connect_args(url),
    )


def postgresql_connect_args(url: str) -> dict[str, str]:
    """JIT compilation off for the application's connections unless the URL's `options` say
    otherwise. The planner's estimates for the policy's subqueries pass `jit_above_cost`, and
    compiling them takes longer than the queries run: at 10 M items a category search's keys
    took 190 ms with JIT (172 ms of it compiling) and 33 ms without (docs/web.md)."""
    given = make_url(url).query.get("options", "")
    options = " ".join(given) if isinstance(given, tuple) else given
    if "jit" in options:
        return {}
    return {"options": f"{options} -c jit=off".strip()}


def get_engine(settings: Settings | None = None) -> Engine:
    url = (settings or get_settings()).resolved_database_url
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = make_engine(url)
        return engine


def dispose_engines() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def session_factory(settings: Settings | None = None) -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(settings), expire_on_commit=False)


def after_commit(session: Session, callback: Callable[[], object]) -> None:
    """Run `callback` after the session's transaction commits (never if it rolls back)."""
    session.info.setdefault(AFTER_COMMIT_KEY, []).append(callback)


def run_after_commit(session: Session) -> None:
    callbacks: list[Callable[[], object]] = session.info.pop(AFTER_COMMIT_KEY, [])
    for callback in callbacks:
        callback()


@contextmanager
def read_only_unit_of_work(settings: Settings | None = None) -> Iterator[Session]:
    """A transaction that only reads: `BEGIN DEFERRED` on SQLite (no write lock), `READ ONLY` on
    PostgreSQL (a write fails instead of committing). Nothing is committed; it always ends in a
    rollback. Reads that record an audit event are writes: they use `unit_of_work`."""
    engine = get_engine(settings)
    with engine.connect().execution_options(**{READ_ONLY: True}) as connection:
        session = Session(bind=connection, expire_on_commit=False)
        try:
            if engine.dialect.name == "postgresql":
                session.execute(text("SET TRANSACTION READ ONLY"))
            yield session
        finally:
            session.rollback()
            session.close()


@contextmanager
def unit_of_work(settings: Settings | None = None) -> Iterator[Session]:
    """One transaction: commit on success, roll back on error, then run after-commit callbacks."""
    session = session_factory(settings)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        session.info.pop(AFTER_COMMIT_KEY, None)
        raise
    finally:
        session.close()
    run_after_commit(session)
