"""Administration pages for categories: the list, and a form to make or change one (restriction,
evidential status, retention). Changes go through `admin.service`, audited before and after."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from openbwv.access.admin import queries, service
from openbwv.access.admin.pages import blank_to_none, notice_text, redirect, require_any, validated
from openbwv.access.admin.schemas import CategoryIn
from openbwv.access.errors import AdminNotFound, UserError
from openbwv.access.policy import roles as perms
from openbwv.access.principal import Principal
from openbwv.api.context import Client, ClientContext
from openbwv.db.session import unit_of_work
from openbwv.web.auth import Viewer
from openbwv.web.render import render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=2000)]
Flag = Annotated[str, Form(max_length=8)]


@router.get("/admin/categories")
def categories(request: Request, principal: Viewer) -> Response:
    require_any(principal, perms.CATEGORIES_MANAGE)
    with unit_of_work() as session:
        rows = queries.categories(session)
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
        category = queries.category(session, name)
        if category is None:
            raise AdminNotFound("no such category")
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
    request: Request,
    principal: Principal,
    client: ClientContext,
    name: str,
    form: dict[str, Any],
    *,
    new: bool,
) -> Response:
    retention = blank_to_none(form["retention_days"])
    values = {**form, "name": name, "retention_days": retention}
    try:
        body = validated(CategoryIn, form | {"retention_days": retention})
        with unit_of_work() as session:
            if new and queries.category(session, name) is not None:
                raise UserError(f"a category named {name!r} already exists: edit it instead")
            spec = service.CategorySpec(**body.model_dump())
            service.put_category(session, principal, name, spec, client.ip)
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
    client: Client,
    name: Text = "",
    label: Text = "",
    restricted: Flag = "",
    evidential: Flag = "",
    retention_days: Text = "",
) -> Response:
    require_any(principal, perms.CATEGORIES_MANAGE)
    values = _category_values(label, restricted, evidential, retention_days)
    return _save_category(request, principal, client, name.strip(), values, new=True)


@router.post("/admin/categories/{name}")
def update_category(
    name: str,
    request: Request,
    principal: Viewer,
    client: Client,
    label: Text = "",
    restricted: Flag = "",
    evidential: Flag = "",
    retention_days: Text = "",
) -> Response:
    require_any(principal, perms.CATEGORIES_MANAGE)
    with unit_of_work() as session:
        if queries.category(session, name) is None:
            raise AdminNotFound("no such category")
    values = _category_values(label, restricted, evidential, retention_days)
    return _save_category(request, principal, client, name, values, new=False)
