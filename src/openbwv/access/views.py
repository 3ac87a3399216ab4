"""Administration pages (/admin): the overview, users, their roles and grants. Roles, categories,
API tokens and the Axis connection file are in `views_policy`, on the same router.

Every change goes through `access.admin` — the services behind the admin API — so it is made and
audited exactly as an API call would be; administering is not viewing, so no page here shows
footage.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from openbwv.access import admin, views_policy  # noqa: F401 - its pages join the same router
from openbwv.access import roles as perms
from openbwv.access.admin_web import (
    ADMIN_PERMISSIONS,
    admin_change,
    blank_to_none,
    boroughs,
    notice_text,
    redirect,
    require_any,
    router,
    validated,
)
from openbwv.access.http import client_ip
from openbwv.access.models import ApiToken, Grant, Role, User
from openbwv.access.schemas import GrantIn, UserIn
from openbwv.access.users import UserError, UserSpec, find_user
from openbwv.api.problems import Problem
from openbwv.categories.models import Category
from openbwv.db.session import unit_of_work
from openbwv.fleet.models import Team
from openbwv.timeutil import utcnow
from openbwv.web.auth import Viewer
from openbwv.web.render import render

PAGE_SIZE = 100
Text = Annotated[str, Form(max_length=2000)]


@router.get("/admin")
def overview(request: Request, principal: Viewer) -> Response:
    require_any(principal, *ADMIN_PERMISSIONS)
    with unit_of_work() as session:
        now = utcnow()
        counts = {
            "users": session.scalar(select(func.count()).where(User.active.is_(True))),
            "roles": session.scalar(select(func.count()).select_from(Role)),
            "categories": session.scalar(select(func.count()).select_from(Category)),
            "tokens": session.scalar(
                select(func.count()).where(
                    ApiToken.revoked_at.is_(None),
                    or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now),
                )
            ),
        }
    return render(request, "admin/overview.html", {"title": "Administration", "counts": counts})


# --- users ------------------------------------------------------------------------------------


@router.get("/admin/users")
def users(
    request: Request,
    principal: Viewer,
    q: Annotated[str, Query(max_length=64)] = "",
    borough: Annotated[str, Query(max_length=9)] = "",
    after: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    require_any(principal, perms.USERS_MANAGE)
    with unit_of_work() as session:
        query = select(User).order_by(User.username).limit(PAGE_SIZE + 1)
        if q.strip():
            wanted = q.strip().lower()  # '%' and '_' are matched as themselves
            query = query.where(
                or_(
                    func.lower(User.username).contains(wanted, autoescape=True),
                    func.lower(User.display_name).contains(wanted, autoescape=True),
                )
            )
        if borough:
            query = query.where(User.borough == borough)
        if after:
            query = query.where(User.username > after)
        rows = list(session.scalars(query))
        context = {
            "title": "Users",
            "users": rows[:PAGE_SIZE],
            "next_after": rows[PAGE_SIZE - 1].username if len(rows) > PAGE_SIZE else None,
            "q": q,
            "borough": borough,
            "boroughs": boroughs(session),
            "teams": _team_names(session, {u.team_id for u in rows if u.team_id}),
            "notice": notice_text(request),
        }
        return render(request, "admin/users.html", context)


def _team_names(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    return dict(session.execute(select(Team.id, Team.name).where(Team.id.in_(ids))).all())


def _user_form(
    request: Request, values: dict[str, Any], error: str | None = None, status: int = 200
) -> Response:
    with unit_of_work() as session:
        context = {
            "title": "New user",
            "values": values,
            "error": error,
            "roles": list(session.scalars(select(Role).order_by(Role.name))),
            "boroughs": boroughs(session),
        }
    return render(request, "admin/user_new.html", context, status_code=status)


@router.get("/admin/users/new")
def new_user(request: Request, principal: Viewer) -> Response:
    require_any(principal, perms.USERS_MANAGE)
    return _user_form(request, {"kind": "internal", "roles": []})


@router.post("/admin/users")
def create_user(
    request: Request,
    principal: Viewer,
    username: Text = "",
    display_name: Text = "",
    roles: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
    borough: Text = "",
    team: Text = "",
    warrant_number: Text = "",
    shoulder_number: Text = "",
    email: Text = "",
    kind: Text = "internal",
    organisation: Text = "",
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    require_any(principal, perms.USERS_MANAGE)
    values: dict[str, Any] = {
        "username": username.strip(),
        "display_name": display_name.strip(),
        "roles": roles,
        "borough": blank_to_none(borough),
        "team": blank_to_none(team),
        "warrant_number": blank_to_none(warrant_number),
        "shoulder_number": blank_to_none(shoulder_number),
        "email": blank_to_none(email),
        "kind": kind,
        "organisation": blank_to_none(organisation),
    }
    try:
        body = validated(UserIn, {**values, "password": password or None})
        with admin_change() as session:
            admin.add_user(session, principal, UserSpec(**body.model_dump()), client_ip(request))
    except UserError as exc:
        return _user_form(request, values, str(exc), status=422)
    return redirect(f"/admin/users/{body.username}", "user-created")


def _user_page(
    request: Request, username: str, error: str | None = None, status: int = 200
) -> Response:
    with unit_of_work() as session:
        try:
            user = find_user(session, username)
        except UserError:
            raise Problem(404, "Not found", "no such user") from None
        team = session.get(Team, user.team_id) if user.team_id else None
        context = {
            "title": f"User {user.username}",
            "user": user,
            "team": team.name if team else None,
            "grants": admin.active_grants(session, user),
            "roles": list(session.scalars(select(Role).order_by(Role.name))),
            "categories": list(
                session.scalars(
                    select(Category).order_by(Category.restricted.desc(), Category.label)
                )
            ),
            "boroughs": boroughs(session),
            "notice": notice_text(request),
            "error": error,
        }
        return render(request, "admin/user.html", context, status_code=status)


@router.get("/admin/users/{username}")
def user_page(username: str, request: Request, principal: Viewer) -> Response:
    require_any(principal, perms.USERS_MANAGE)
    return _user_page(request, username)


@router.post("/admin/users/{username}/roles")
def change_roles(
    username: str,
    request: Request,
    principal: Viewer,
    roles: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
) -> Response:
    require_any(principal, perms.USERS_MANAGE)
    try:
        with admin_change() as session:
            user = admin.change_roles(session, principal, username, roles, client_ip(request))
            name = user.username
    except UserError as exc:
        return _user_page(request, username, str(exc), status=422)
    return redirect(f"/admin/users/{name}", "roles-changed")


@router.post("/admin/users/{username}/disable")
def disable_user(username: str, request: Request, principal: Viewer) -> Response:
    require_any(principal, perms.USERS_MANAGE)
    try:
        with admin_change() as session:
            name = admin.disable(session, principal, username, client_ip(request)).username
    except UserError as exc:
        return _user_page(request, username, str(exc), status=422)
    return redirect(f"/admin/users/{name}", "user-disabled")


@router.post("/admin/users/{username}/grants")
def add_grant(
    username: str,
    request: Request,
    principal: Viewer,
    kind: Text = "",
    target: Text = "",
    reason: Text = "",
) -> Response:
    require_any(principal, perms.USERS_MANAGE)
    try:
        body = validated(GrantIn, {"kind": kind, "target": target, "reason": reason.strip()})
        with admin_change() as session:
            user = find_user(session, username)
            admin.add_grant(
                session,
                principal,
                user.username,
                body.kind,
                body.target,
                body.reason,
                client_ip(request),
            )
            name = user.username
    except UserError as exc:
        return _user_page(request, username, str(exc), status=422)
    return redirect(f"/admin/users/{name}", "grant-added")


@router.post("/admin/grants/{grant_id}/revoke")
def revoke_grant(grant_id: uuid.UUID, request: Request, principal: Viewer) -> Response:
    require_any(principal, perms.USERS_MANAGE)
    with admin_change() as session:
        found: Grant = admin.revoke_grant(session, principal, grant_id, client_ip(request))
        user = session.get(User, found.user_id)
        name = user.username if user else ""
    return redirect(f"/admin/users/{name}", "grant-revoked")
