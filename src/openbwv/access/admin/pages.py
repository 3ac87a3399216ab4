"""Shared pieces of the administration pages: permission checks, form errors,
notices and redirects. A refused change (`UserError`) is shown on the form; a missing target
(`AdminNotFound`) becomes the app's 404 page."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError

from openbwv.access.errors import AccessDenied, UserError
from openbwv.access.models import User
from openbwv.access.policy import roles as perms
from openbwv.access.principal import Principal
from openbwv.timeutil import utcnow
from openbwv.web.render import add_template_dir

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
    "user-unlocked": "The user was unlocked: they can sign in again now.",
    "password-set": "The temporary password was set: the user must choose a new one when they "
    "next sign in. Their browser sessions ended.",
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


def blank_to_none(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def redirect(path: str, notice: str) -> RedirectResponse:
    assert notice in NOTICES
    return RedirectResponse(f"{path}?notice={notice}", status_code=303)


def notice_text(request: Request) -> str | None:
    return NOTICES.get(request.query_params.get("notice", ""))


def lock_minutes_left(user: User, now: datetime | None = None) -> int | None:
    """Whole minutes (rounded up) until a sign-in lock ends; None when the user is not locked."""
    now = now or utcnow()
    if user.locked_until is None or user.locked_until <= now:
        return None
    return max(1, math.ceil((user.locked_until - now).total_seconds() / 60))


def locks(users: list[User]) -> dict[Any, int]:
    """Minutes left of each locked user's lock, by user id (for the user list and page)."""
    now = utcnow()
    found = {user.id: lock_minutes_left(user, now) for user in users}
    return {user_id: minutes for user_id, minutes in found.items() if minutes is not None}
