"""`bwv token …` and `bwv db …`."""

from __future__ import annotations

import uuid
from datetime import timedelta

import typer

from openbwv.access.roles import DEFAULT_ROLES
from openbwv.access.tokens import create_token, revoke_token
from openbwv.access.users import UserError, find_user, resolve_borough
from openbwv.audit.events import record
from openbwv.cli.users import OPERATOR
from openbwv.db.session import unit_of_work
from openbwv.timeutil import utcnow

token_app = typer.Typer(
    help="API tokens for devices, integrations and scripts.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@token_app.command("create")
def token_create(
    name: str = typer.Option(..., help="What the token is for (shown in the audit log)."),
    role: str = typer.Option(..., help=f"One of: {', '.join(DEFAULT_ROLES)}."),
    expires_days: int = typer.Option(0, help="Expire after this many days (0: never)."),
    user: str = typer.Option(None, help="Act as this user (the token can never exceed them)."),
    borough: str = typer.Option(None, help="Limit a borough-scoped role to this borough."),
    scope: list[str] = typer.Option([], help="Narrow to these permissions (repeatable)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the token."),
) -> None:
    """Create a token; it is printed once and stored only as a hash."""
    if role not in DEFAULT_ROLES:
        typer.echo(
            f"error: unknown role {role!r}; choose one of {', '.join(DEFAULT_ROLES)}", err=True
        )
        raise typer.Exit(2)
    if not name.strip() or len(name) > 100:
        typer.echo("error: --name must be 1–100 characters", err=True)
        raise typer.Exit(2)
    expires = utcnow() + timedelta(days=expires_days) if expires_days > 0 else None
    try:
        with unit_of_work() as session:
            user_id = find_user(session, user).id if user else None
            gss = resolve_borough(session, borough).gss_code if borough else None
            secret, token = create_token(
                session,
                name=name,
                role=role,
                expires_at=expires,
                user_id=user_id,
                borough=gss,
                scopes=scope,
            )
            record(
                session,
                OPERATOR,
                "token.create",
                target_type="token",
                target_id=str(token.id),
                details={"name": name, "role": role},
            )
            token_id = token.id
    except UserError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if quiet:
        typer.echo(secret)
        return
    typer.echo(f"Token {token_id} ({name}, role {role}) — shown once, store it safely:")
    typer.echo(secret)


@token_app.command("revoke")
def token_revoke(token_id: str = typer.Argument(..., help="The token's id.")) -> None:
    """Revoke a token at once."""
    try:
        parsed = uuid.UUID(token_id)
    except ValueError:
        typer.echo(f"error: {token_id!r} is not a token id", err=True)
        raise typer.Exit(2) from None
    with unit_of_work() as session:
        revoked = revoke_token(session, parsed)
        if revoked:
            record(session, OPERATOR, "token.revoke", target_type="token", target_id=str(parsed))
    if not revoked:
        typer.echo("error: no such active token", err=True)
        raise typer.Exit(1)
    typer.echo(f"Revoked {parsed}")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the latest version."""
    from openbwv.db.migrate import head_revision, upgrade

    upgrade()
    typer.echo(f"Database at revision {head_revision()}")
