"""What a command that fails says: one line and an exit code, never a traceback (unless
`bwv --debug …`) and never SQL or its parameters (a token's hash was once among them).

Exit codes: 2 for what the user must fix first (input, an uninitialised database), 1 for a
refusal or a failure."""

from __future__ import annotations

from typing import Any

import typer
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from typer.core import TyperGroup

from openbwv.db.migrate import remove_if_empty, schema_missing
from openbwv.errors import DomainError

NOT_INITIALISED = "the database is not initialised: run `bwv db upgrade`"
BEHIND = "the database schema is older than this version of openbwv: run `bwv db upgrade`"


def _database_problem(exc: SQLAlchemyError) -> tuple[str, int]:
    try:
        missing = schema_missing()
    except SQLAlchemyError:
        missing = None
    if missing == "not initialised":
        remove_if_empty()
        return NOT_INITIALISED, 2
    if missing == "behind":
        return BEHIND, 2
    original = getattr(exc, "orig", None) or exc
    first_line = (str(original).splitlines() or [""])[0][:300]
    return f"database error: {type(original).__name__}: {first_line}", 1


def explain(exc: Exception) -> tuple[str, int]:
    """The message and exit code for an error a command did not handle itself."""
    if isinstance(exc, DomainError):
        return exc.detail, exc.exit_code
    if isinstance(exc, SQLAlchemyError):
        return _database_problem(exc)
    if isinstance(exc, ValidationError):  # a BWV_* setting (config.Settings) that cannot be used
        reasons = [str(error["msg"]).removeprefix("Value error, ") for error in exc.errors()]
        return f"configuration error: {'; '.join(reasons)}", 2
    return f"error: {type(exc).__name__}: {exc}", 1


class Commands(TyperGroup):
    """The `bwv` group: every command's unhandled error becomes a message and an exit code."""

    def invoke(self, ctx: Any) -> Any:  # typer's own (vendored) click Context
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):  # usage errors, exits: typer's
            raise
        except Exception as exc:
            if ctx.params.get("debug"):
                raise
            message, code = explain(exc)
            typer.echo(f"bwv: {message}", err=True)
            raise typer.Exit(code) from None
