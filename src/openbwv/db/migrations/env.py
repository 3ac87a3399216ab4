"""Alembic environment: runs on SQLite (batch mode) and PostgreSQL."""

from __future__ import annotations

from alembic import context

from openbwv.config import get_settings
from openbwv.db.base import Base
from openbwv.db.session import get_engine

# Base.metadata holds every table once the platform is composed: `bwv db upgrade` runs inside a
# composed process, so autogenerate sees every domain's models.
config = context.config
settings = config.attributes.get("settings") or get_settings()


def run_migrations_online() -> None:
    engine = get_engine(settings)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
