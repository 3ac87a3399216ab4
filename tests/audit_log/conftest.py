"""Scratch audit logs for tamper tests: their own database in the stack's engine (SQLite file or
PostgreSQL database), so tampering never touches the shared platform's log."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from openbwv.audit.events import record
from openbwv.audit.models import (
    AuditCheckpoint,
    AuditEvent,
    AuditLeaf,
    AuditNode,
    AuditPending,
)
from openbwv.audit.note import Signer, generate_signer
from openbwv.audit.service import Integration, LogIdentity, integrate
from openbwv.composition import cli
from openbwv.db.session import make_engine
from tests.support.stack import Stack

ORIGIN = "openbwv.local/audit"
AUDIT_TABLES = [
    model.__table__ for model in (AuditEvent, AuditLeaf, AuditPending, AuditNode, AuditCheckpoint)
]


@dataclass
class CliResult:
    exit_code: int
    output: str


@dataclass
class ScratchLog:
    url: str
    engine: Engine
    identity: LogIdentity

    @property
    def public_key(self) -> str:
        return self.identity.signer.verifier.key

    def record(self, count: int, action: str = "audit.entries", **details: Any) -> None:
        with Session(self.engine) as session, session.begin():
            for number in range(count):
                record(session, None, action, details={"n": number, **details})

    def integrate(self, batch_size: int = 8) -> Integration:
        return integrate(self.engine, identity=self.identity, batch_size=batch_size)

    def sql(self, statement: str, **params: Any) -> Any:
        with self.engine.begin() as connection:
            return connection.execute(text(statement), params)

    def scalar(self, statement: str, **params: Any) -> Any:
        with self.engine.connect() as connection:
            return connection.execute(text(statement), params).scalar()

    def verify(self, *args: str) -> CliResult:
        """`bwv audit verify` on this database, in process."""
        result = CliRunner().invoke(
            cli(),
            ["audit", "verify", "--database-url", self.url, "--public-key", self.public_key, *args],
        )
        return CliResult(result.exit_code, result.output)


def scratch_identity() -> LogIdentity:
    signer = Signer.from_key(generate_signer(ORIGIN)[0])
    return LogIdentity(signer, ORIGIN, [signer.verifier])


class ScratchDatabases:
    """Builds a populated log once per profile, then hands out cheap copies of it."""

    def __init__(self, stack: Stack, root: Path) -> None:
        self.stack = stack
        self.root = root
        self.admin_url = os.environ.get("BWV_TEST_DATABASE_URL", "")
        self.created: list[str] = []

    def empty(self) -> str:
        if self.stack.scaled:
            name = f"bwv_audit_{secrets.token_hex(4)}"
            self._admin(f'CREATE DATABASE "{name}"')
            return self._pg_url(name)
        return f"sqlite:///{self.root / f'log-{secrets.token_hex(4)}.sqlite'}"

    def clone(self, url: str) -> str:
        if self.stack.scaled:
            name = f"bwv_audit_{secrets.token_hex(4)}"
            source = make_url(url).database
            self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
            return self._pg_url(name)
        source_path = Path(make_url(url).database or "")
        target = self.root / f"log-{secrets.token_hex(4)}.sqlite"
        shutil.copyfile(source_path, target)
        return f"sqlite:///{target}"

    def open(self, url: str, identity: LogIdentity, *, create: bool = False) -> ScratchLog:
        if create:
            builder = create_engine(url, poolclass=NullPool)
            AuditEvent.metadata.create_all(builder, tables=AUDIT_TABLES)
            builder.dispose()
        return ScratchLog(url, make_engine(url), identity)

    def _pg_url(self, name: str) -> str:
        self.created.append(name)
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def _admin(self, statement: str) -> None:
        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with admin.connect() as connection:
            connection.execute(text(statement))
        admin.dispose()

    def drop_all(self) -> None:
        for name in self.created:
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def scratch_dbs(
    stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ScratchDatabases]:
    databases = ScratchDatabases(stack, tmp_path_factory.mktemp("audit-logs"))
    try:
        yield databases
    finally:
        databases.drop_all()


@pytest.fixture(scope="module")
def pristine(scratch_dbs: ScratchDatabases) -> tuple[str, LogIdentity]:
    """A 40-event log with checkpoints at 8, 16, 24, 32, 40 (batches of 8), closed."""
    identity = scratch_identity()
    log = scratch_dbs.open(scratch_dbs.empty(), identity, create=True)
    log.record(13, "audit.checkpoint")
    log.record(20, "audit.entries", who="Zoë")  # non-ASCII survives the round trip
    log.record(7, "audit.public_key")
    assert log.integrate().tree_size == 40
    log.engine.dispose()
    return log.url, identity


@pytest.fixture
def scratch(
    scratch_dbs: ScratchDatabases, pristine: tuple[str, LogIdentity]
) -> Iterator[ScratchLog]:
    """A fresh copy of the pristine log, for one test to tamper with."""
    url, identity = pristine
    log = scratch_dbs.open(scratch_dbs.clone(url), identity)
    try:
        yield log
    finally:
        log.engine.dispose()


@pytest.fixture
def new_scratch(scratch_dbs: ScratchDatabases) -> Iterator[Callable[[], ScratchLog]]:
    """Empty scratch logs (with their own key)."""
    opened: list[ScratchLog] = []

    def make() -> ScratchLog:
        log = scratch_dbs.open(scratch_dbs.empty(), scratch_identity(), create=True)
        opened.append(log)
        return log

    try:
        yield make
    finally:
        for log in opened:
            log.engine.dispose()
