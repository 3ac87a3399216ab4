"""`bwv user …` and `bwv token …`: people, their rights and API tokens, from the command line."""

from __future__ import annotations

import getpass
import uuid
from datetime import timedelta

import typer

from openbwv.access.passwords import WeakPassword
from openbwv.access.principal import Principal
from openbwv.access.roles import DEFAULT_ROLES
from openbwv.access.tokens import create_token, revoke_token
from openbwv.access.users import (
    UserError,
    UserSpec,
    create_user,
    disable_user,
    find_user,
    grant,
    resolve_borough,
)
from openbwv.audit.events import record
from openbwv.db.session import unit_of_work
from openbwv.timeutil import utcnow

user_app = typer.Typer(help="Users: create, disable, grant.", no_args_is_help=True)
OPERATOR = Principal(id=uuid.UUID(int=2), name=f"cli:{getpass.getuser()}", kind="system")


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@user_app.command("create")
def user_create(
    username: str = typer.Argument(..., help="Sign-in name."),
    name: str = typer.Option(..., "--name", help="Display name."),
    role: list[str] = typer.Option(..., "--role", help="A role (repeat for several)."),
    borough: str = typer.Option(None, help="GSS code or name of the borough."),
    team: str = typer.Option(None, help="Team within the borough (created if new)."),
    warrant: str = typer.Option(None, help="Warrant number."),
    shoulder: str = typer.Option(None, help="Shoulder number."),
    external: bool = typer.Option(False, help="An external user (CPS, defence)."),
    organisation: str = typer.Option(None, help="Organisation of an external user."),
    password: bool = typer.Option(False, "--password", help="Ask for a password (local sign-in)."),
) -> None:
    """Create a user."""
    secret = None
    if password:
        secret = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    spec = UserSpec(
        username=username,
        display_name=name,
        roles=role,
        borough=borough,
        team=team,
        warrant_number=warrant,
        shoulder_number=shoulder,
        kind="external" if external else "internal",
        organisation=organisation,
        password=secret,
    )
    try:
        with unit_of_work() as session:
            user = create_user(session, spec)
            record(
                session,
                OPERATOR,
                "user.create",
                target_type="user",
                target_id=str(user.id),
                details={"username": username, "roles": sorted(role)},
            )
            user_id = user.id
    except (UserError, WeakPassword) as exc:
        raise _fail(str(exc), 2) from None
    typer.echo(f"Created user {username} ({user_id})")


@user_app.command("disable")
def user_disable(username: str = typer.Argument(...)) -> None:
    """Disable a user: sessions end and tokens stop at once."""
    try:
        with unit_of_work() as session:
            user = find_user(session, username)
            disable_user(session, user)
            record(session, OPERATOR, "user.disable", target_type="user", target_id=str(user.id))
    except UserError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"Disabled {username}")


@user_app.command("grant")
def user_grant(
    username: str = typer.Argument(...),
    category: str = typer.Option(None, help="A restricted category to grant."),
    borough: str = typer.Option(None, help="A further borough to grant."),
    reason: str = typer.Option(..., help="Why (recorded in the audit log)."),
) -> None:
    """Grant a restricted category or a further borough."""
    if bool(category) == bool(borough):
        raise _fail("give exactly one of --category or --borough", 2)
    kind, target = ("category", category) if category else ("borough", borough)
    try:
        with unit_of_work() as session:
            user = find_user(session, username)
            made = grant(session, user, kind, target, reason=reason, granted_by=None)
            record(
                session,
                OPERATOR,
                "user.grant",
                target_type="user",
                target_id=str(user.id),
                reason=reason,
                details={"kind": kind, "target": made.target},
            )
    except UserError as exc:
        raise _fail(str(exc), 2) from None
    typer.echo(f"Granted {kind} {target} to {username}")


token_app = typer.Typer(
    help="API tokens for devices, integrations and scripts.", no_args_is_help=True
)


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
