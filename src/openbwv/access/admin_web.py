"""Shared pieces of the administration pages: the router, permission checks, form errors and the
units of work whose refusals are shown on the form rather than as an error page."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwv.access import roles as perms
from openbwv.access.admin import AdminNotFound
from openbwv.access.policy import AccessDenied
from openbwv.access.principal import Principal
from openbwv.access.users import UserError
from openbwv.api.problems import Problem
from openbwv.db.session import unit_of_work
from openbwv.organisation.models import Borough
from openbwv.web.render import add_template_dir

router = APIRouter(include_in_schema=False)
M = TypeVar("M", bound=BaseModel)
add_template_dir(Path(__file__).parent / "templates")

ADMIN_PERMISSIONS = (
    perms.USERS_MANAGE,
    perms.ROLES_MANAGE,
    perms.CATEGORIES_MANAGE,
    perms.TOKENS_MANAGE,
)
# Fixed notices a redirect may ask for (never text taken from the query string).
NOTICES = {
    "user-created": "The user was created.",
    "roles-changed": "The roles were changed.",
    "user-disabled": "The user was disabled: their sessions ended and their tokens stopped.",
    "grant-added": "The grant was added.",
    "grant-revoked": "The grant was revoked.",
    "role-saved": "The role was saved.",
    "category-saved": "The category was saved.",
    "token-revoked": "The token was revoked.",
}
FIELD_LABELS = {
    "username": "Username",
    "display_name": "Display name",
    "password": "Initial password",
    "email": "Email",
    "organisation": "Organisation",
    "warrant_number": "Warrant number",
    "shoulder_number": "Shoulder number",
    "team": "Team",
    "reason": "Reason",
    "target": "Grant",
    "label": "Label",
    "retention_days": "Retention",
    "description": "Description",
    "name": "Name",
    "expires_days": "Expires after",
}
FIELD_HINTS = {
    "username": "use 2–64 lower-case letters, digits, '.', '_' or '-', starting with a letter "
    "or digit",
    "password": "use at least 12 characters",
    "reason": "give a reason of at least 5 characters",
    "retention_days": "give 1–36500 days, or leave it empty",
    "expires_days": "give 0 (never) to 3650 days",
}


def require_any(principal: Principal, *permissions: str) -> None:
    if not any(principal.can(p) for p in permissions):
        raise AccessDenied(permissions[0], "administration is for administrators")


def form_errors(exc: ValidationError) -> list[str]:
    """Validation errors as sentences naming the form's labels."""
    messages = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        label = FIELD_LABELS.get(field, field.replace("_", " ").capitalize() or "Form")
        messages.append(f"{label}: {FIELD_HINTS.get(field, error['msg'].lower())}")
    return messages


def validated(model: type[M], values: dict[str, Any]) -> M:
    """The form's values as the API's request model, or UserError with every problem."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise UserError("; ".join(form_errors(exc))) from None


@contextmanager
def admin_change() -> Iterator[Session]:
    """A unit of work for a change: refusals propagate (after rollback) for the form to show;
    a missing target becomes a 404 page."""
    try:
        with unit_of_work() as session:
            yield session
    except AdminNotFound as exc:
        raise Problem(404, "Not found", str(exc)) from None


def blank_to_none(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def boroughs(session: Session) -> list[Borough]:
    return list(session.scalars(select(Borough).order_by(Borough.name)))


def redirect(path: str, notice: str) -> RedirectResponse:
    assert notice in NOTICES
    return RedirectResponse(f"{path}?notice={notice}", status_code=303)


def notice_text(request: Request) -> str | None:
    return NOTICES.get(request.query_params.get("notice", ""))
