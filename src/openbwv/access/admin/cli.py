"""`bwv user …` and `bwv token …`: people, their rights and API tokens, from the command line.

Every command calls the same `admin.service` action as the admin API and the administration
pages, so it is checked (any role in the role table, scopes naming known permissions only) and
audited the same way. The operator at the server's shell acts as an administrator."""

from __future__ import annotations

import getpass
import uuid

import typer

from openbwv.access.admin import service
from openbwv.access.errors import AdminNotFound, UserError
from openbwv.access.policy import roles as perms
from openbwv.access.principal import Principal
from openbwv.db.session import unit_of_work

user_app = typer.Typer(
    help="Users: create, disable, unlock, set a password, grant.", no_args_is_help=True
)
OPERATOR = Principal(
    id=uuid.UUID(int=2),
    name=f"cli:{getpass.getuser()}",
    kind="system",
    permissions=frozenset(
        (perms.USERS_MANAGE, perms.ROLES_MANAGE, perms.CATEGORIES_MANAGE, perms.TOKENS_MANAGE)
    ),
)


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
    """Create a user (any role in the role table)."""
    secret = None
    if password:
        secret = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    spec = service.UserSpec(
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
            user_id = service.add_user(session, OPERATOR, spec, source_ip=None).id
    except UserError as exc:  # WeakPassword included
        raise _fail(exc.detail, 2) from None
    typer.echo(f"Created user {username} ({user_id})")


@user_app.command("disable")
def user_disable(username: str = typer.Argument(...)) -> None:
    """Disable a user: sessions end and tokens stop at once."""
    try:
        with unit_of_work() as session:
            service.disable(session, OPERATOR, username, source_ip=None)
    except UserError as exc:
        raise _fail(exc.detail) from None
    typer.echo(f"Disabled {username}")


@user_app.command("unlock")
def user_unlock(username: str = typer.Argument(...)) -> None:
    """End a sign-in lock (too many failed sign-ins) at once."""
    try:
        with unit_of_work() as session:
            service.unlock(session, OPERATOR, username, source_ip=None)
    except UserError as exc:
        raise _fail(exc.detail) from None
    typer.echo(f"Unlocked {username}")


@user_app.command("set-password")
def user_set_password(
    username: str = typer.Argument(...),
    temporary: bool = typer.Option(
        True,
        "--temporary/--permanent",
        help="Temporary (the default): the user must set a new one at their next sign-in.",
    ),
) -> None:
    """Set a user's password (asked for twice, never shown); their browser sessions end."""
    secret = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with unit_of_work() as session:
            service.set_password(
                session, OPERATOR, username, secret, temporary=temporary, source_ip=None
            )
    except UserError as exc:  # WeakPassword included
        raise _fail(exc.detail, 2) from None
    kind = "a temporary" if temporary else "a new"
    typer.echo(f"Set {kind} password for {username}")


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
            service.add_grant(session, OPERATOR, username, kind, target, reason, source_ip=None)
    except UserError as exc:
        raise _fail(exc.detail, 2) from None
    typer.echo(f"Granted {kind} {target} to {username}")


token_app = typer.Typer(
    help="API tokens for devices, integrations and scripts.", no_args_is_help=True
)


@token_app.command("create")
def token_create(
    name: str = typer.Option(..., help="What the token is for (shown in the audit log)."),
    role: str = typer.Option(..., help="A role in the role table (built-in or made since)."),
    expires_days: int = typer.Option(0, help="Expire after this many days (0: never)."),
    user: str = typer.Option(None, help="Act as this user (the token can never exceed them)."),
    borough: str = typer.Option(None, help="Limit a borough-scoped role to this borough."),
    scope: list[str] = typer.Option([], help="Narrow to these permissions (repeatable)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the token."),
) -> None:
    """Create a token; it is printed once and stored only as a hash."""
    spec = service.TokenSpec(
        name=name, role=role, expires_days=expires_days, borough=borough, scopes=scope, user=user
    )
    try:
        with unit_of_work() as session:
            secret, token = service.add_token(session, OPERATOR, spec, source_ip=None)
            token_id = token.id
    except UserError as exc:
        raise _fail(exc.detail, 2) from None
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
        raise _fail(f"{token_id!r} is not a token id", 2) from None
    try:
        with unit_of_work() as session:
            service.revoke(session, OPERATOR, parsed, source_ip=None)
    except AdminNotFound as exc:
        raise _fail(exc.detail) from None
    typer.echo(f"Revoked {parsed}")
