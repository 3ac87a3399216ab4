"""Administration pages (/admin): the overview, users, their roles and grants. Roles, categories,
and API tokens with the Axis connection file have their own modules (`role_views`,
`category_views`, `token_views`), each with its router.

Every change goes through `admin.service` — the services behind the admin API and the CLI — so it
is made and audited exactly as an API call would be; administering is not viewing, so no page here
shows footage.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from openbwv.access.admin import queries, service
from openbwv.access.admin.pages import (
    ADMIN_PERMISSIONS,
    blank_to_none,
    locks,
    notice_text,
    redirect,
    require_any,
    validated,
)
from openbwv.access.admin.schemas import GrantIn, UserIn
from openbwv.access.errors import AdminNotFound, UserError
from openbwv.access.policy import roles as perms
from openbwv.api.context import Client
from openbwv.db.session import unit_of_work
from openbwv.web.auth import Viewer
from openbwv.web.render import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 100
Text = Annotated[str, Form(max_length=2000)]


@router.get("/admin")
def overview(request: Request, principal: Viewer) -> Response:
    require_any(principal, *ADMIN_PERMISSIONS)
    with unit_of_work() as session:
        counts = queries.overview_counts(session)
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
        rows = queries.users_page(session, search=q, borough=borough, after=after, size=PAGE_SIZE)
        context = {
            "title": "Users",
            "users": rows[:PAGE_SIZE],
            "next_after": rows[PAGE_SIZE - 1].username if len(rows) > PAGE_SIZE else None,
            "q": q,
            "borough": borough,
            "boroughs": queries.boroughs(session),
            "borough_names": queries.borough_names(session),
            "teams": queries.team_names(session, {u.team_id for u in rows if u.team_id}),
            "locks": locks(rows[:PAGE_SIZE]),
            "notice": notice_text(request),
        }
        return render(request, "admin/users.html", context)


def _user_form(
    request: Request, values: dict[str, Any], error: str | None = None, status: int = 200
) -> Response:
    with unit_of_work() as session:
        context = {
            "title": "New user",
            "values": values,
            "error": error,
            "roles": queries.roles(session),
            "boroughs": queries.boroughs(session),
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
    client: Client,
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
        with unit_of_work() as session:
            service.add_user(session, principal, service.UserSpec(**body.model_dump()), client.ip)
    except UserError as exc:
        return _user_form(request, values, str(exc), status=422)
    return redirect(f"/admin/users/{body.username}", "user-created")


def _user_page(
    request: Request, username: str, error: str | None = None, status: int = 200
) -> Response:
    with unit_of_work() as session:
        try:
            user = queries.find_user(session, username)
        except UserError:
            raise AdminNotFound("no such user") from None
        team = queries.team_by_id(session, user.team_id) if user.team_id else None
        context = {
            "title": f"User {user.username}",
            "user": user,
            "team": team.name if team else None,
            "grants": queries.active_grants(session, user),
            "locks": locks([user]),
            "roles": queries.roles(session),
            "categories": queries.restricted_categories(session),
            "boroughs": queries.boroughs(session),
            "borough_names": queries.borough_names(session),
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
    client: Client,
    roles: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
) -> Response:
    require_any(principal, perms.USERS_MANAGE)
    try:
        with unit_of_work() as session:
            user = service.change_roles(session, principal, username, roles, client.ip)
            name = user.username
    except UserError as exc:
        return _user_page(request, username, str(exc), status=422)
    return redirect(f"/admin/users/{name}", "roles-changed")


@router.post("/admin/users/{username}/disable")
def disable_user(username: str, request: Request, principal: Viewer, client: Client) -> Response:
    require_any(principal, perms.USERS_MANAGE)
    try:
        with unit_of_work() as session:
            name = service.disable(session, principal, username, client.ip).username
    except UserError as exc:
        return _user_page(request, username, str(exc), status=422)
    return redirect(f"/admin/users/{name}", "user-disabled")


@router.post("/admin/users/{username}/unlock")
def unlock_user(username: str, request: Request, principal: Viewer, client: Client) -> Response:
    require_any(principal, perms.USERS_MANAGE)
    try:
        with unit_of_work() as session:
            name = service.unlock(session, principal, username, client.ip).username
    except UserError as exc:
        return _user_page(request, username, str(exc), status=422)
    return redirect(f"/admin/users/{name}", "user-unlocked")


@router.post("/admin/users/{username}/password")
def set_password(
    username: str,
    request: Request,
    principal: Viewer,
    client: Client,
    temporary_password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    require_any(principal, perms.USERS_MANAGE)
    try:  # a short password is refused by the service (WeakPassword), like the API's
        with unit_of_work() as session:
            user = service.set_password(
                session, principal, username, temporary_password, source_ip=client.ip
            )
            name = user.username
    except UserError as exc:
        return _user_page(request, username, f"Temporary password: {exc}", status=422)
    return redirect(f"/admin/users/{name}", "password-set")


@router.post("/admin/users/{username}/grants")
def add_grant(
    username: str,
    request: Request,
    principal: Viewer,
    client: Client,
    kind: Text = "",
    target: Text = "",
    reason: Text = "",
) -> Response:
    require_any(principal, perms.USERS_MANAGE)
    try:
        body = validated(GrantIn, {"kind": kind, "target": target, "reason": reason.strip()})
        with unit_of_work() as session:
            user = queries.find_user(session, username)
            service.add_grant(
                session, principal, user.username, body.kind, body.target, body.reason, client.ip
            )
            name = user.username
    except UserError as exc:
        return _user_page(request, username, str(exc), status=422)
    return redirect(f"/admin/users/{name}", "grant-added")


@router.post("/admin/grants/{grant_id}/revoke")
def revoke_grant(grant_id: uuid.UUID, principal: Viewer, client: Client) -> Response:
    require_any(principal, perms.USERS_MANAGE)
    with unit_of_work() as session:
        found = service.revoke_grant(session, principal, grant_id, client.ip)
        user = queries.user_by_id(session, found.user_id)
        name = user.username if user else ""
    return redirect(f"/admin/users/{name}", "grant-revoked")
