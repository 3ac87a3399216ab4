"""Each benchmark's databases: the embedded default (SQLite in a scratch data folder) and a
scratch PostgreSQL database created for the run and dropped after it (jit off, as the suite)."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, make_url, text

from openbwv.db.session import dispose_engines

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def names(value: str) -> list[str]:
    """`--databases sqlite,postgresql` as a list."""
    return [d.strip() for d in value.split(",") if d.strip()]


@contextmanager
def scratch(database: str, postgres_url: str, prefix: str) -> Iterator[str]:
    """The platform's settings pointed at a fresh database of this kind (and a fresh data folder),
    for the block; yields a line naming it. Everything made is removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=f"{prefix}-") as folder:
        os.environ.update(BWV_DATA_DIR=folder, BWV_LOG_LEVEL="WARNING")
        for key in ("BWV_DATABASE_URL", "BWV_BROKER_URL", "BWV_STORAGE_URL"):
            os.environ.pop(key, None)
        if database == "sqlite":
            yield "SQLite (embedded default)"
            dispose_engines()
            return
        name = f"bwv_{prefix.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(postgres_url).set(database=name)
        url = url.update_query_dict({"options": "-c jit=off"})
        os.environ["BWV_DATABASE_URL"] = url.render_as_string(hide_password=False)
        try:
            yield f"PostgreSQL (scratch database {name}, jit=off)"
        finally:
            dispose_engines()
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
