"""`bwv user` and `bwv token`, in process: the CLI goes through the same administration service as
the admin API and pages, so it refuses what they refuse, accepts every role they can make, and
records each change once."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
from sqlalchemy import func, select
from typer.testing import CliRunner

from openbwv.access.models import ApiToken, User
from openbwv.access.policy import roles as perms
from openbwv.access.signin.service import authenticate
from openbwv.audit.models import AuditEvent
from openbwv.composition import cli
from openbwv.db.session import unit_of_work
from tests.support.stack import Stack


def _bwv(stack: Stack, *args: str) -> Any:
    return CliRunner().invoke(cli(), list(args), env=stack.env)


def _name(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(4)}"


def _tokens_named(name: str) -> list[ApiToken]:
    with unit_of_work() as session:
        return list(session.scalars(select(ApiToken).where(ApiToken.name == name)))


def _events(action: str, target_id: str) -> int:
    with unit_of_work() as session:
        query = select(func.count()).where(
            AuditEvent.action == action, AuditEvent.target_id == target_id
        )
        return session.scalar(query) or 0


def test_token_create_refuses_a_scope_that_names_no_permission(stack: Stack) -> None:
    name = _name("bad-scope")
    args = ["--name", name, "--role", "device", "--scope", "no.such.permission"]
    result = _bwv(stack, "token", "create", *args)
    assert result.exit_code == 2, result.output
    assert "unknown permission(s): no.such.permission" in result.output
    assert _tokens_named(name) == []  # nothing stored


def test_a_role_made_through_the_admin_api_works_from_the_cli(
    stack: Stack, live_server: str
) -> None:
    admin = stack.user_token(stack.user("administrator"))
    role = _name("cli_role")
    with httpx.Client(base_url=live_server, headers={"Authorization": f"Bearer {admin}"}) as api:
        made = api.put(
            f"/api/v1/admin/roles/{role}",
            json={
                "description": "made in administration",
                "permissions": [perms.FLEET_READ],
                "scope": "none",
            },
        )
    assert made.status_code == 200, made.text

    username = _name("cli-user").replace("_", "-")
    created = _bwv(stack, "user", "create", username, "--name", "CLI User", "--role", role)
    assert created.exit_code == 0, created.output
    with unit_of_work() as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None and user.role_names == [role]

    token_name = _name("cli-token")
    issued = _bwv(stack, "token", "create", "--name", token_name, "--role", role, "--quiet")
    assert issued.exit_code == 0, issued.output
    secret = issued.stdout.strip()
    with unit_of_work() as session:
        principal = authenticate(session, secret)
    assert principal is not None and principal.roles == (role,)
    assert principal.permissions == frozenset({perms.FLEET_READ})


def test_each_cli_change_is_audited_once(stack: Stack) -> None:
    username = _name("audited").replace("_", "-")
    created = _bwv(stack, "user", "create", username, "--name", "Audited", "--role", "officer")
    assert created.exit_code == 0, created.output
    with unit_of_work() as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        user_id = str(user.id)
    assert _events("user.create", user_id) == 1

    name = _name("audited-token")
    issued = _bwv(stack, "token", "create", "--name", name, "--role", "device", "--user", username)
    assert issued.exit_code == 0, issued.output
    (token,) = _tokens_named(name)
    assert str(token.user_id) == user_id
    assert _events("token.create", str(token.id)) == 1

    revoked = _bwv(stack, "token", "revoke", str(token.id))
    assert revoked.exit_code == 0, revoked.output
    assert _events("token.revoke", str(token.id)) == 1
    again = _bwv(stack, "token", "revoke", str(token.id))
    assert again.exit_code == 1 and "no such active token" in again.output
    assert _events("token.revoke", str(token.id)) == 1
