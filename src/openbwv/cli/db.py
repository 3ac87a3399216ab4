"""`bwv db …`: the database schema (infrastructure: no domain)."""

from __future__ import annotations

import typer

from openbwv.db.migrate import head_revision, upgrade

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the latest version."""
    upgrade()
    typer.echo(f"Database at revision {head_revision()}")
