"""Administration pages for roles, categories, API tokens and the Axis connection file (on the
router of `access.views`). Changes go through `access.admin`, the connection file through the
Axis destination's own code, and every one is audited."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import Response
from sqlalchemy import select

from openbwv.access import admin
from openbwv.access import roles as perms
from openbwv.access.admin_web import (
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
from openbwv.access.models import ApiToken, Role
from openbwv.access.schemas import CategoryIn, RoleIn, TokenIn
from openbwv.access.users import UserError
from openbwv.api.problems import Problem
from openbwv.audit.events import record
from openbwv.categories.models import Category
from openbwv.db.session import unit_of_work
from openbwv.ingest.axis.connection import CONTAINER_TYPES, ConnectionError_, create_connection
from openbwv.ingest.axis.crypto import NoPrivateKey
from openbwv.timeutil import utcnow
from openbwv.web.auth import Viewer
from openbwv.web.render import render

Text = Annotated[str, Form(max_length=2000)]
Flag = Annotated[str, Form(max_length=8)]


# --- roles ------------------------------------------------------------------------------------


@router.get("/admin/roles")
def roles(request: Request, principal: Viewer) -> Response:
    require_any(principal, perms.ROLES_MANAGE)
    with unit_of_work() as session:
        rows = list(session.scalars(select(Role).order_by(Role.name)))
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
        "system_permissions": sorted(admin.system_permissions()),
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
        role = session.get(Role, name)
        if role is None:
            raise Problem(404, "Not found", "no such role")
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
    principal: Any,
    name: str,
    values: dict[str, Any],
    *,
    new: bool,
) -> Response:
    try:
        body = validated(RoleIn, values)
        with admin_change() as session:
            if new and session.get(Role, name) is not None:
                raise UserError(f"a role named {name!r} already exists: edit it instead")
            admin.put_role(
                session,
                principal,
                name,
                description=body.description,
                permissions=body.permissions,
                scope=body.scope,
                source_ip=client_ip(request),
            )
    except UserError as exc:
        form = {**values, "name": name, "builtin": False}
        return _role_form(request, form, new=new, error=str(exc), status=422)
    return redirect("/admin/roles", "role-saved")


@router.post("/admin/roles")
def create_role(
    request: Request,
    principal: Viewer,
    name: Text = "",
    description: Text = "",
    scope: Text = "",
    permissions: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
) -> Response:
    require_any(principal, perms.ROLES_MANAGE)
    values = {"description": description.strip(), "scope": scope, "permissions": permissions}
    return _save_role(request, principal, name.strip(), values, new=True)


@router.post("/admin/roles/{name}")
def update_role(
    name: str,
    request: Request,
    principal: Viewer,
    description: Text = "",
    scope: Text = "",
    permissions: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
) -> Response:
    require_any(principal, perms.ROLES_MANAGE)
    with unit_of_work() as session:
        if session.get(Role, name) is None:
            raise Problem(404, "Not found", "no such role")
    values = {"description": description.strip(), "scope": scope, "permissions": permissions}
    return _save_role(request, principal, name, values, new=False)


# --- categories -------------------------------------------------------------------------------


@router.get("/admin/categories")
def categories(request: Request, principal: Viewer) -> Response:
    require_any(principal, perms.CATEGORIES_MANAGE)
    with unit_of_work() as session:
        rows = list(session.scalars(select(Category).order_by(Category.label)))
        context = {"title": "Categories", "categories": rows, "notice": notice_text(request)}
        return render(request, "admin/categories.html", context)


def _category_form(
    request: Request,
    category: dict[str, Any],
    *,
    new: bool,
    error: str | None = None,
    status: int = 200,
) -> Response:
    context = {
        "title": "New category" if new else f"Category {category['label']}",
        "category": category,
        "new": new,
        "error": error,
    }
    return render(request, "admin/category.html", context, status_code=status)


@router.get("/admin/categories/new")
def new_category(request: Request, principal: Viewer) -> Response:
    require_any(principal, perms.CATEGORIES_MANAGE)
    blank = {
        "name": "",
        "label": "",
        "restricted": False,
        "evidential": True,
        "retention_days": None,
    }
    return _category_form(request, blank, new=True)


@router.get("/admin/categories/{name}")
def category_page(name: str, request: Request, principal: Viewer) -> Response:
    require_any(principal, perms.CATEGORIES_MANAGE)
    with unit_of_work() as session:
        category = session.get(Category, name)
        if category is None:
            raise Problem(404, "Not found", "no such category")
        values = {
            "name": category.name,
            "label": category.label,
            "restricted": category.restricted,
            "evidential": category.evidential,
            "retention_days": category.retention_days,
            "builtin": category.builtin,
        }
    return _category_form(request, values, new=False)


def _save_category(
    request: Request, principal: Any, name: str, form: dict[str, Any], *, new: bool
) -> Response:
    retention = blank_to_none(form["retention_days"])
    values = {**form, "name": name, "retention_days": retention}
    try:
        body = validated(CategoryIn, form | {"retention_days": retention})
        with admin_change() as session:
            if new and session.get(Category, name) is not None:
                raise UserError(f"a category named {name!r} already exists: edit it instead")
            spec = admin.CategorySpec(**body.model_dump())
            admin.put_category(session, principal, name, spec, client_ip(request))
    except UserError as exc:
        return _category_form(request, values, new=new, error=str(exc), status=422)
    return redirect("/admin/categories", "category-saved")


def _category_values(
    label: str, restricted: str, evidential: str, retention: str
) -> dict[str, Any]:
    return {
        "label": label.strip(),
        "restricted": restricted == "on",
        "evidential": evidential == "on",
        "retention_days": retention.strip(),
    }


@router.post("/admin/categories")
def create_category(
    request: Request,
    principal: Viewer,
    name: Text = "",
    label: Text = "",
    restricted: Flag = "",
    evidential: Flag = "",
    retention_days: Text = "",
) -> Response:
    require_any(principal, perms.CATEGORIES_MANAGE)
    values = _category_values(label, restricted, evidential, retention_days)
    return _save_category(request, principal, name.strip(), values, new=True)


@router.post("/admin/categories/{name}")
def update_category(
    name: str,
    request: Request,
    principal: Viewer,
    label: Text = "",
    restricted: Flag = "",
    evidential: Flag = "",
    retention_days: Text = "",
) -> Response:
    require_any(principal, perms.CATEGORIES_MANAGE)
    with unit_of_work() as session:
        if session.get(Category, name) is None:
            raise Problem(404, "Not found", "no such category")
    values = _category_values(label, restricted, evidential, retention_days)
    return _save_category(request, principal, name, values, new=False)


# --- API tokens -------------------------------------------------------------------------------


def _tokens_page(
    request: Request,
    *,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    created: tuple[str, ApiToken] | None = None,
    status: int = 200,
) -> Response:
    with unit_of_work() as session:
        query = select(ApiToken).order_by(ApiToken.created_at.desc()).limit(500)
        context = {
            "title": "API tokens",
            "tokens": list(session.scalars(query)),
            "roles": list(session.scalars(select(Role).order_by(Role.name))),
            "boroughs": boroughs(session),
            "permissions": admin.known_permissions(),
            "values": values or {"role": "device", "expires_days": 365, "scopes": []},
            "error": error,
            "created_secret": created[0] if created else None,
            "created": created[1] if created else None,
            "notice": notice_text(request),
            "now": utcnow(),
        }
        return render(request, "admin/tokens.html", context, status_code=status)


@router.get("/admin/tokens")
def tokens(request: Request, principal: Viewer) -> Response:
    require_any(principal, perms.TOKENS_MANAGE)
    return _tokens_page(request)


@router.post("/admin/tokens")
def create_token(
    request: Request,
    principal: Viewer,
    name: Text = "",
    role: Text = "",
    expires_days: Text = "0",
    borough: Text = "",
    scopes: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
) -> Response:
    require_any(principal, perms.TOKENS_MANAGE)
    values: dict[str, Any] = {
        "name": name.strip(),
        "role": role,
        "expires_days": expires_days.strip() or "0",
        "borough": blank_to_none(borough),
        "scopes": scopes,
    }
    try:
        body = validated(TokenIn, values)
        with admin_change() as session:
            secret, token = admin.add_token(
                session, principal, admin.TokenSpec(**body.model_dump()), client_ip(request)
            )
            session.expunge(token)
    except UserError as exc:
        return _tokens_page(request, values=values, error=str(exc), status=422)
    # The secret is shown on this response only (not stored, not in a redirect's URL).
    return _tokens_page(request, created=(secret, token), status=201)


@router.post("/admin/tokens/{token_id}/revoke")
def revoke_token(token_id: uuid.UUID, request: Request, principal: Viewer) -> Response:
    require_any(principal, perms.TOKENS_MANAGE)
    with admin_change() as session:
        admin.revoke(session, principal, token_id, client_ip(request))
    return redirect("/admin/tokens", "token-revoked")


# --- the Axis connection file -----------------------------------------------------------------


def _axis_form(
    request: Request, values: dict[str, Any], error: str | None = None, status: int = 200
) -> Response:
    context = {
        "title": "Axis connection file",
        "values": values,
        "error": error,
        "container_types": CONTAINER_TYPES,
    }
    return render(request, "admin/axis.html", context, status_code=status)


@router.get("/admin/axis")
def axis_page(request: Request, principal: Viewer) -> Response:
    require_any(principal, perms.TOKENS_MANAGE)
    base = str(request.base_url).rstrip("/")
    values = {"urls": base, "name": "axis", "site_name": "", "container_type": "mkv"}
    return _axis_form(request, {**values, "encryption": True})


@router.post("/admin/axis/connection-file")
def axis_connection_file(
    request: Request,
    principal: Viewer,
    urls: Text = "",
    name: Text = "",
    site_name: Text = "",
    container_type: Text = "mkv",
    encryption: Flag = "",
) -> Response:
    """The connection JSON as a download: it carries a new device credential's secret."""
    require_any(principal, perms.TOKENS_MANAGE)
    url_list = [line.strip() for line in urls.splitlines() if line.strip()]
    values: dict[str, Any] = {
        "urls": urls,
        "name": name.strip(),
        "site_name": site_name.strip(),
        "container_type": container_type,
        "encryption": encryption == "on",
    }
    try:
        with unit_of_work() as session:
            connection = create_connection(
                session,
                urls=url_list,
                name=values["name"],
                site_name=blank_to_none(site_name),
                container_type=container_type,
                encryption=values["encryption"],
            )
            record(  # the same event as the API's POST /api/v1/axis/connection-file
                session,
                principal,
                "axis.connection_file.create",
                target_type="api_token",
                target_id=str(connection.token_id),
                source_ip=client_ip(request),
                details={
                    "name": connection.name,
                    "urls": url_list,
                    "encryption": values["encryption"],
                    "public_key_id": connection.document.get("PublicKeyId"),
                },
            )
    except (ConnectionError_, NoPrivateKey) as exc:
        return _axis_form(request, values, str(exc), status=422)
    return Response(
        connection.to_json(),
        media_type="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="openbwv-axis-connection.json"',
            "Cache-Control": "no-store",
        },
    )
