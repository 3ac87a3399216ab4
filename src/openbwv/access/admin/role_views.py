"""Administration pages for roles: the list, and a form to make or change one. Changes go through
`admin.service`, audited with the permissions before and after."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from openbwv.access.admin import queries, service
from openbwv.access.admin.pages import notice_text, redirect, require_any, validated
from openbwv.access.admin.schemas import RoleIn
from openbwv.access.errors import AdminNotFound, UserError
from openbwv.access.policy import roles as perms
from openbwv.access.principal import Principal
from openbwv.api.context import Client, ClientContext
from openbwv.db.session import unit_of_work
from openbwv.web.auth import Viewer
from openbwv.web.render import render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=2000)]


@router.get("/admin/roles")
def roles(request: Request, principal: Viewer) -> Response:
    require_any(principal, perms.ROLES_MANAGE)
    with unit_of_work() as session:
        rows = queries.roles(session)
        context = {"title": "Roles", "roles": rows, "notice": notice_text(request)}
        return render(request, "admin/roles.html", context)


def _role_form(
    request: Request,
    role: dict[str, Any],
    *,
    new: bool,
    error: str | None = None,
    status: int = 200,
) -> Response:
    context = {
        "title": "New role" if new else f"Role {role['name']}",
        "role": role,
        "new": new,
        "error": error,
        "scopes": perms.SCOPES,
        "evidence_permissions": perms.EVIDENCE_ACTIONS,
        "system_permissions": sorted(perms.system_permissions()),
    }
    return render(request, "admin/role.html", context, status_code=status)


@router.get("/admin/roles/new")
def new_role(request: Request, principal: Viewer) -> Response:
    require_any(principal, perms.ROLES_MANAGE)
    blank = {"name": "", "description": "", "scope": "own", "permissions": [], "builtin": False}
    return _role_form(request, blank, new=True)


@router.get("/admin/roles/{name}")
def role_page(name: str, request: Request, principal: Viewer) -> Response:
    require_any(principal, perms.ROLES_MANAGE)
    with unit_of_work() as session:
        role = queries.role(session, name)
        if role is None:
            raise AdminNotFound("no such role")
        values = {
            "name": role.name,
            "description": role.description,
            "scope": role.scope,
            "permissions": list(role.permissions),
            "builtin": role.builtin,
        }
    return _role_form(request, values, new=False)


def _save_role(
    request: Request,
    principal: Principal,
    client: ClientContext,
    name: str,
    values: dict[str, Any],
    *,
    new: bool,
) -> Response:
    try:
        body = validated(RoleIn, values)
        with unit_of_work() as session:
            if new and queries.role(session, name) is not None:
                raise UserError(f"a role named {name!r} already exists: edit it instead")
            service.put_role(
                session,
                principal,
                name,
                description=body.description,
                permissions=body.permissions,
                scope=body.scope,
                source_ip=client.ip,
            )
    except UserError as exc:
        form = {**values, "name": name, "builtin": False}
        return _role_form(request, form, new=new, error=str(exc), status=422)
    return redirect("/admin/roles", "role-saved")


@router.post("/admin/roles")
def create_role(
    request: Request,
    principal: Viewer,
    client: Client,
    name: Text = "",
    description: Text = "",
    scope: Text = "",
    permissions: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
) -> Response:
    require_any(principal, perms.ROLES_MANAGE)
    values = {"description": description.strip(), "scope": scope, "permissions": permissions}
    return _save_role(request, principal, client, name.strip(), values, new=True)


@router.post("/admin/roles/{name}")
def update_role(
    name: str,
    request: Request,
    principal: Viewer,
    client: Client,
    description: Text = "",
    scope: Text = "",
    permissions: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
) -> Response:
    require_any(principal, perms.ROLES_MANAGE)
    with unit_of_work() as session:
        if queries.role(session, name) is None:
            raise AdminNotFound("no such role")
    values = {"description": description.strip(), "scope": scope, "permissions": permissions}
    return _save_role(request, principal, client, name, values, new=False)
