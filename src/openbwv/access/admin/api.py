"""Administration: users, roles, grants, API tokens and categories. Administering is not viewing:
none of these endpoints reads footage, and every change is audited (by `admin.service`, which the
administration pages and the CLI use too). Refusals are domain errors: the app's handler answers
them (422 for a refused change, 404 for a missing target)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from openbwv.access.admin import queries, service
from openbwv.access.admin.schemas import (
    CategoryIn,
    CategoryOut,
    GrantIn,
    GrantOut,
    PasswordIn,
    RoleIn,
    RoleOut,
    RolesIn,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
)
from openbwv.access.deps import require_principal
from openbwv.access.errors import AdminNotFound, UserError
from openbwv.access.policy import roles as perms
from openbwv.access.policy.queries import require
from openbwv.access.principal import Principal
from openbwv.api.context import Client
from openbwv.db.session import unit_of_work

router = APIRouter(prefix="/api/v1/admin", tags=["administration"])
Authed = Annotated[Principal, Depends(require_principal)]


@router.get("/users", response_model=list[UserOut])
def list_users(principal: Authed, borough: str | None = None) -> list[UserOut]:
    require(principal, perms.USERS_MANAGE)
    with unit_of_work() as session:
        return [UserOut.model_validate(u) for u in queries.users(session, borough)]


@router.post("/users", response_model=UserOut, status_code=201)
def add_user(body: UserIn, principal: Authed, client: Client) -> UserOut:
    require(principal, perms.USERS_MANAGE)
    with unit_of_work() as session:
        spec = service.UserSpec(**body.model_dump())
        return UserOut.model_validate(service.add_user(session, principal, spec, client.ip))


@router.get("/users/{username}", response_model=UserOut)
def get_user(username: str, principal: Authed) -> UserOut:
    """One user, by username or id (with any sign-in lock and whether a password change is due)."""
    require(principal, perms.USERS_MANAGE)
    with unit_of_work() as session:
        try:
            return UserOut.model_validate(queries.find_user(session, username))
        except UserError:
            raise AdminNotFound("no such user") from None


@router.put("/users/{username}/roles", response_model=UserOut)
def change_roles(username: str, body: RolesIn, principal: Authed, client: Client) -> UserOut:
    require(principal, perms.USERS_MANAGE)
    with unit_of_work() as session:
        user = service.change_roles(session, principal, username, body.roles, client.ip)
        return UserOut.model_validate(user)


@router.post("/users/{username}/disable", response_model=UserOut)
def disable(username: str, principal: Authed, client: Client) -> UserOut:
    require(principal, perms.USERS_MANAGE)
    with unit_of_work() as session:
        return UserOut.model_validate(service.disable(session, principal, username, client.ip))


@router.post("/users/{username}/unlock", response_model=UserOut)
def unlock(username: str, principal: Authed, client: Client) -> UserOut:
    """End a sign-in lock (too many failures) at once; the failure count starts again."""
    require(principal, perms.USERS_MANAGE)
    with unit_of_work() as session:
        return UserOut.model_validate(service.unlock(session, principal, username, client.ip))


@router.post("/users/{username}/password", response_model=UserOut)
def set_password(username: str, body: PasswordIn, principal: Authed, client: Client) -> UserOut:
    """Set a password (by default temporary: changed at the next sign-in, in a browser); the
    user's browser sessions end."""
    require(principal, perms.USERS_MANAGE)
    with unit_of_work() as session:
        user = service.set_password(
            session,
            principal,
            username,
            body.password,
            temporary=body.temporary,
            source_ip=client.ip,
        )
        return UserOut.model_validate(user)


@router.post("/users/{username}/grants", response_model=GrantOut, status_code=201)
def add_grant(username: str, body: GrantIn, principal: Authed, client: Client) -> GrantOut:
    require(principal, perms.USERS_MANAGE)
    with unit_of_work() as session:
        made = service.add_grant(
            session, principal, username, body.kind, body.target, body.reason, client.ip
        )
        return GrantOut.model_validate(made)


@router.delete("/grants/{grant_id}", status_code=204)
def revoke_grant(grant_id: uuid.UUID, principal: Authed, client: Client) -> None:
    require(principal, perms.USERS_MANAGE)
    with unit_of_work() as session:
        service.revoke_grant(session, principal, grant_id, client.ip)


@router.get("/roles", response_model=list[RoleOut])
def list_roles(principal: Authed) -> list[RoleOut]:
    require(principal, perms.ROLES_MANAGE)
    with unit_of_work() as session:
        return [RoleOut.model_validate(r) for r in queries.roles(session)]


@router.put("/roles/{name}", response_model=RoleOut)
def put_role(name: str, body: RoleIn, principal: Authed, client: Client) -> RoleOut:
    """Create or change a role (the policy change is audited with before and after)."""
    require(principal, perms.ROLES_MANAGE)
    with unit_of_work() as session:
        role = service.put_role(
            session,
            principal,
            name,
            description=body.description,
            permissions=body.permissions,
            scope=body.scope,
            source_ip=client.ip,
        )
        return RoleOut.model_validate(role)


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(principal: Authed) -> list[TokenOut]:
    require(principal, perms.TOKENS_MANAGE)
    with unit_of_work() as session:
        return [TokenOut.model_validate(t) for t in queries.tokens(session)]


@router.post("/tokens", status_code=201)
def add_token(body: TokenIn, principal: Authed, client: Client) -> dict[str, object]:
    """A token for a device or an integration; the secret is in this response only."""
    require(principal, perms.TOKENS_MANAGE)
    with unit_of_work() as session:
        spec = service.TokenSpec(**body.model_dump())
        secret, token = service.add_token(session, principal, spec, client.ip)
        out = TokenOut.model_validate(token).model_dump(mode="json")
    return {**out, "token": secret}


@router.delete("/tokens/{token_id}", status_code=204)
def delete_token(token_id: uuid.UUID, principal: Authed, client: Client) -> None:
    require(principal, perms.TOKENS_MANAGE)
    with unit_of_work() as session:
        service.revoke(session, principal, token_id, client.ip)


@router.get("/categories", response_model=list[CategoryOut])
def list_categories(principal: Authed) -> list[CategoryOut]:
    with unit_of_work() as session:  # every signed-in principal may see the category list
        return [CategoryOut.model_validate(c) for c in queries.categories(session)]


@router.put("/categories/{name}", response_model=CategoryOut)
def put_category(name: str, body: CategoryIn, principal: Authed, client: Client) -> CategoryOut:
    require(principal, perms.CATEGORIES_MANAGE)
    with unit_of_work() as session:
        spec = service.CategorySpec(**body.model_dump())
        category = service.put_category(session, principal, name, spec, client.ip)
        return CategoryOut.model_validate(category)
