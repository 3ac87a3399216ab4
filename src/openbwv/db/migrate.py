"""Alembic migrations, driven from code so `bwv db upgrade` works from an installed package."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from openbwv.config import Settings, get_settings
from openbwv.db.reference import ensure_reference_data
from openbwv.db.session import dispose_engines, get_engine, unit_of_work

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(settings: Settings | None = None) -> Config:
    settings = settings or get_settings()
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", settings.resolved_database_url.replace("%", "%%"))
    config.attributes["settings"] = settings
    return config


def upgrade(settings: Settings | None = None, revision: str = "head") -> None:
    """Migrate the schema, then make sure every domain's reference data exist (roles,
    categories, boroughs: registered by the domains' installs)."""
    command.upgrade(alembic_config(settings), revision)
    if revision == "head":
        with unit_of_work(settings) as session:
            ensure_reference_data(session)


def current_revision(settings: Settings | None = None) -> str | None:
    with get_engine(settings).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@cache
def head_revision() -> str | None:
    """The newest migration this installation ships (read once: parsing every migration script
    cost ~30 ms, paid by each health check a load balancer makes)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def is_up_to_date(settings: Settings | None = None) -> bool:
    return current_revision(settings) == head_revision()


def schema_missing(settings: Settings | None = None) -> str | None:
    """Why the database cannot serve yet ("not initialised", "behind"), or None when it can.
    A SQLite file that does not exist is not created by asking."""
    settings = settings or get_settings()
    url = make_url(settings.resolved_database_url)
    is_file = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
    if is_file and not Path(str(url.database)).exists():
        return "not initialised"
    current = current_revision(settings)
    if current is None:
        return "not initialised"
    return None if current == head_revision() else "behind"


def remove_if_empty(settings: Settings | None = None) -> None:
    """Remove a SQLite database that holds no table at all: one a command created by touching it
    before the schema existed. A file with any table in it is never touched."""
    settings = settings or get_settings()
    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return
    path = Path(url.database)
    if not path.exists():
        return
    engine = get_engine(settings)
    with engine.connect() as connection:
        tables = connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
    if tables:
        return
    dispose_engines()
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
