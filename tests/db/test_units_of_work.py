"""Units of work: a read-only one takes no write lock and keeps nothing; a request's one commits
before the response is sent and rolls back on error."""

from __future__ import annotations

import sqlite3
import uuid

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from openbwv.api.session import Db, ReadDb
from openbwv.db.session import (
    get_engine,
    postgresql_connect_args,
    read_only_unit_of_work,
    unit_of_work,
)
from openbwv.jobs.models import Job
from tests.support.stack import Stack


def _job_count(kind: str) -> int:
    with unit_of_work() as session:
        return len(list(session.scalars(select(Job.id).where(Job.kind == kind))))


def _job(kind: str) -> Job:
    return Job(kind=kind, params={}, dedupe_key=f"{kind}:{uuid.uuid4()}", queue="default")


def test_a_read_only_unit_takes_no_write_lock(stack: Stack) -> None:
    with read_only_unit_of_work() as session:
        session.execute(select(Job.id).limit(1)).all()  # the transaction has begun and read
        if stack.scaled:  # PostgreSQL: the transaction itself is read-only
            assert session.execute(text("SHOW transaction_read_only")).scalar() == "on"
            return
        # The stack's worker writes now and then (jobs, the audit integrator, the retention
        # sweep): wait out such a short write, as a writer would. Were the write lock this
        # reader's, it would not be released before the block ends and this would fail.
        other = sqlite3.connect(str(get_engine().url.database), timeout=10, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        finally:
            other.close()


def test_a_read_only_unit_keeps_nothing_it_writes(stack: Stack) -> None:
    kind = f"read-only-{uuid.uuid4().hex[:8]}"
    if stack.scaled:
        with pytest.raises(DBAPIError, match="read-only"), read_only_unit_of_work() as session:
            session.add(_job(kind))
            session.flush()
    else:
        with read_only_unit_of_work() as session:
            session.add(_job(kind))
            session.flush()
    assert _job_count(kind) == 0


def _app() -> FastAPI:
    app = FastAPI()

    @app.post("/jobs/{kind}")
    def create(kind: str, session: Db, fail: bool = False) -> dict[str, str]:
        session.add(_job(kind))
        session.flush()
        if fail:
            raise RuntimeError("the action failed after writing")
        return {"kind": kind}

    @app.get("/now")
    def now(session: ReadDb) -> dict[str, str]:
        return {"now": str(session.execute(text("SELECT CURRENT_TIMESTAMP")).scalar())}

    return app


def test_the_request_unit_commits_before_the_response_and_rolls_back_on_error(
    stack: Stack,
) -> None:
    kept, dropped = f"kept-{uuid.uuid4().hex[:8]}", f"dropped-{uuid.uuid4().hex[:8]}"
    with TestClient(_app(), raise_server_exceptions=False) as client:
        assert client.post(f"/jobs/{kept}").status_code == 200
        assert _job_count(kept) == 1  # committed by the time the client has its answer
        assert client.post(f"/jobs/{dropped}", params={"fail": True}).status_code == 500
        assert client.get("/now").status_code == 200
    assert _job_count(dropped) == 0


def test_postgresql_connections_compile_no_jit_unless_the_url_asks() -> None:
    assert postgresql_connect_args("postgresql+psycopg://bwv@db/openbwv") == {
        "options": "-c jit=off"
    }
    other = "postgresql+psycopg://bwv@db/openbwv?options=-c%20statement_timeout%3D5000"
    assert postgresql_connect_args(other) == {"options": "-c statement_timeout=5000 -c jit=off"}
    chosen = "postgresql+psycopg://bwv@db/openbwv?options=-c%20jit%3Don"
    assert postgresql_connect_args(chosen) == {}


def test_the_platform_database_runs_without_jit(stack: Stack) -> None:
    if not stack.scaled:
        return  # SQLite compiles no queries
    with unit_of_work() as session:
        assert session.execute(text("SHOW jit")).scalar() == "off"
