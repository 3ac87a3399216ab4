"""Administration: users, roles, grants, API tokens and categories. Administering is not viewing:
none of these endpoints reads footage, and every change is audited (by `access.admin`, which the
administration pages use too)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwv.access import admin
from openbwv.access import roles as perms
from openbwv.access.deps import require_principal
from openbwv.access.http import client_ip
from openbwv.access.models import ApiToken, Role, User
from openbwv.access.policy import require
from openbwv.access.principal import Principal
from openbwv.access.schemas import (
    CategoryIn,
    CategoryOut,
    GrantIn,
    GrantOut,
    RoleIn,
    RoleOut,
    RolesIn,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
)
from openbwv.access.users import UserError, UserSpec
from openbwv.api.problems import Problem
from openbwv.categories.models import Category
from openbwv.db.session import unit_of_work

router = APIRouter(prefix="/api/v1/admin", tags=["administration"])
Authed = Annotated[Principal, Depends(require_principal)]


@contextmanager
def admin_session() -> Iterator[Session]:
    """A unit of work whose refusals become problem details (and roll back)."""
    try:
        with unit_of_work() as session:
            yield session
    except UserError as exc:
        raise Problem(422, "Refused", str(exc)) from None
    except admin.AdminNotFound as exc:
        raise Problem(404, "Not found", str(exc)) from None


@router.get("/users", response_model=list[UserOut])
def list_users(principal: Authed, borough: str | None = None) -> list[UserOut]:
    require(principal, perms.USERS_MANAGE)
    with unit_of_work() as session:
        query = select(User).order_by(User.username)
        if borough:
            query = query.where(User.borough == borough)
        return [UserOut.model_validate(u) for u in session.scalars(query.limit(1000))]


@router.post("/users", response_model=UserOut, status_code=201)
def add_user(body: UserIn, request: Request, principal: Authed) -> UserOut:
    require(principal, perms.USERS_MANAGE)
    with admin_session() as session:
        user = admin.add_user(session, principal, UserSpec(**body.model_dump()), client_ip(request))
        return UserOut.model_validate(user)


@router.put("/users/{username}/roles", response_model=UserOut)
def change_roles(username: str, body: RolesIn, request: Request, principal: Authed) -> UserOut:
    require(principal, perms.USERS_MANAGE)
    with admin_session() as session:
        user = admin.change_roles(session, principal, username, body.roles, client_ip(request))
        return UserOut.model_validate(user)


@router.post("/users/{username}/disable", response_model=UserOut)
def disable(username: str, request: Request, principal: Authed) -> UserOut:
    require(principal, perms.USERS_MANAGE)
    with admin_session() as session:
        return UserOut.model_validate(
            admin.disable(session, principal, username, client_ip(request))
        )


@router.post("/users/{username}/grants", response_model=GrantOut, status_code=201)
def add_grant(username: str, body: GrantIn, request: Request, principal: Authed) -> GrantOut:
    require(principal, perms.USERS_MANAGE)
    with admin_session() as session:
        made = admin.add_grant(
            session, principal, username, body.kind, body.target, body.reason, client_ip(request)
        )
        return GrantOut.model_validate(made)


@router.delete("/grants/{grant_id}", status_code=204)
def revoke_grant(grant_id: uuid.UUID, request: Request, principal: Authed) -> None:
    require(principal, perms.USERS_MANAGE)
    with admin_session() as session:
        admin.revoke_grant(session, principal, grant_id, client_ip(request))


@router.get("/roles", response_model=list[RoleOut])
def list_roles(principal: Authed) -> list[RoleOut]:
    require(principal, perms.ROLES_MANAGE)
    with unit_of_work() as session:
        return [
            RoleOut.model_validate(r) for r in session.scalars(select(Role).order_by(Role.name))
        ]


@router.put("/roles/{name}", response_model=RoleOut)
def put_role(name: str, body: RoleIn, request: Request, principal: Authed) -> RoleOut:
    """Create or change a role (the policy change is audited with before and after)."""
    require(principal, perms.ROLES_MANAGE)
    with admin_session() as session:
        role = admin.put_role(
            session,
            principal,
            name,
            description=body.description,
            permissions=body.permissions,
            scope=body.scope,
            source_ip=client_ip(request),
        )
        return RoleOut.model_validate(role)


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(principal: Authed) -> list[TokenOut]:
    require(principal, perms.TOKENS_MANAGE)
    with unit_of_work() as session:
        query = select(ApiToken).order_by(ApiToken.created_at.desc()).limit(1000)
        return [TokenOut.model_validate(t) for t in session.scalars(query)]


@router.post("/tokens", status_code=201)
def add_token(body: TokenIn, request: Request, principal: Authed) -> dict[str, object]:
    """A token for a device or an integration; the secret is in this response only."""
    require(principal, perms.TOKENS_MANAGE)
    with admin_session() as session:
        secret, token = admin.add_token(
            session, principal, admin.TokenSpec(**body.model_dump()), client_ip(request)
        )
        out = TokenOut.model_validate(token).model_dump(mode="json")
    return {**out, "token": secret}


@router.delete("/tokens/{token_id}", status_code=204)
def delete_token(token_id: uuid.UUID, request: Request, principal: Authed) -> None:
    require(principal, perms.TOKENS_MANAGE)
    with admin_session() as session:
        admin.revoke(session, principal, token_id, client_ip(request))


@router.get("/categories", response_model=list[CategoryOut])
def list_categories(principal: Authed) -> list[CategoryOut]:
    with unit_of_work() as session:  # every signed-in principal may see the category list
        query = select(Category).order_by(Category.label)
        return [CategoryOut.model_validate(c) for c in session.scalars(query)]


@router.put("/categories/{name}", response_model=CategoryOut)
def put_category(name: str, body: CategoryIn, request: Request, principal: Authed) -> CategoryOut:
    require(principal, perms.CATEGORIES_MANAGE)
    with admin_session() as session:
        category = admin.put_category(
            session, principal, name, admin.CategorySpec(**body.model_dump()), client_ip(request)
        )
        return CategoryOut.model_validate(category)
