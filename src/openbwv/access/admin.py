"""Administration services: users, roles, grants, API tokens and categories, each change recorded
in the audit log in the caller's unit of work. The admin API and the administration pages both
come through here, so there is one implementation of every change and of its audit record."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwv.access import roles as perms
from openbwv.access.models import ApiToken, Grant, Role, User
from openbwv.access.principal import Principal
from openbwv.access.roles import DEFAULT_ROLE_SPECS
from openbwv.access.schemas import CategoryOut
from openbwv.access.tokens import create_token, revoke_token
from openbwv.access.users import (
    UserError,
    UserSpec,
    create_user,
    disable_user,
    find_user,
    grant,
    resolve_borough,
    set_roles,
)
from openbwv.audit.events import record
from openbwv.categories.models import Category
from openbwv.timeutil import utcnow


class AdminNotFound(LookupError):
    """The thing to change does not exist (or is no longer active)."""


def system_permissions() -> set[str]:
    """Every permission that is not an evidence action (from the constants in `roles`)."""
    return {
        value
        for key, value in vars(perms).items()
        if key.isupper() and isinstance(value, str) and "." in value
    }


def known_permissions() -> list[str]:
    return sorted(set(perms.EVIDENCE_ACTIONS) | system_permissions())


# --- users and grants -------------------------------------------------------------------------


def add_user(session: Session, actor: Principal, spec: UserSpec, source_ip: str | None) -> User:
    user = create_user(session, spec)
    record(
        session,
        actor,
        "user.create",
        target_type="user",
        target_id=str(user.id),
        source_ip=source_ip,
        details={"username": user.username, "roles": user.role_names},
    )
    return user


def change_roles(
    session: Session, actor: Principal, username: str, roles: list[str], source_ip: str | None
) -> User:
    user = find_user(session, username)
    before = user.role_names
    set_roles(session, user, roles)
    session.flush()
    session.refresh(user)
    record(
        session,
        actor,
        "user.roles",
        target_type="user",
        target_id=str(user.id),
        source_ip=source_ip,
        details={"before": before, "after": user.role_names},
    )
    return user


def disable(session: Session, actor: Principal, username: str, source_ip: str | None) -> User:
    user = find_user(session, username)
    disable_user(session, user)
    record(
        session,
        actor,
        "user.disable",
        target_type="user",
        target_id=str(user.id),
        source_ip=source_ip,
    )
    return user


def add_grant(
    session: Session,
    actor: Principal,
    username: str,
    kind: str,
    target: str,
    reason: str,
    source_ip: str | None,
) -> Grant:
    user = find_user(session, username)
    made = grant(session, user, kind, target, reason=reason, granted_by=actor.user_id)
    record(
        session,
        actor,
        "user.grant",
        target_type="user",
        target_id=str(user.id),
        reason=reason,
        source_ip=source_ip,
        details={"kind": made.kind, "target": made.target},
    )
    return made


def revoke_grant(
    session: Session, actor: Principal, grant_id: uuid.UUID, source_ip: str | None
) -> Grant:
    found = session.get(Grant, grant_id)
    if found is None or found.revoked_at is not None:
        raise AdminNotFound("no such active grant")
    found.revoked_at = utcnow()
    record(
        session,
        actor,
        "user.grant_revoke",
        target_type="grant",
        target_id=str(grant_id),
        source_ip=source_ip,
    )
    return found


def active_grants(session: Session, user: User) -> list[Grant]:
    now = utcnow()
    return [
        g
        for g in session.scalars(
            select(Grant)
            .where(Grant.user_id == user.id, Grant.revoked_at.is_(None))
            .order_by(Grant.created_at)
        )
        if g.expires_at is None or g.expires_at > now
    ]


# --- roles ------------------------------------------------------------------------------------


def check_role(name: str, permissions: list[str]) -> None:
    """Refuse unknown permissions and bad names (before any database work)."""
    unknown = sorted(set(permissions) - set(known_permissions()))
    if unknown:
        raise UserError(f"unknown permission(s): {', '.join(unknown)}")
    if not name.isidentifier() or len(name) > 32:
        raise UserError("role names are letters, digits and underscores")


def put_role(
    session: Session,
    actor: Principal,
    name: str,
    *,
    description: str,
    permissions: list[str],
    scope: str,
    source_ip: str | None,
) -> Role:
    """Create or change a role (the policy change is audited with before and after)."""
    check_role(name, permissions)
    if scope not in perms.SCOPES:
        raise UserError(f"scope must be one of {', '.join(perms.SCOPES)}")
    role = session.get(Role, name)
    before = None if role is None else {"permissions": role.permissions, "scope": role.scope}
    if role is None:
        role = Role(name=name)
        session.add(role)
    role.description, role.permissions, role.scope = description, sorted(set(permissions)), scope
    session.flush()
    record(
        session,
        actor,
        "policy.role",
        target_type="role",
        target_id=name,
        source_ip=source_ip,
        details={"before": before, "after": {"permissions": role.permissions, "scope": role.scope}},
    )
    return role


# --- API tokens -------------------------------------------------------------------------------


@dataclass
class TokenSpec:
    name: str
    role: str
    expires_days: int = 0  # 0: never expires
    borough: str | None = None
    scopes: list[str] = field(default_factory=list)


def add_token(
    session: Session, actor: Principal, spec: TokenSpec, source_ip: str | None
) -> tuple[str, ApiToken]:
    """A token for a device or an integration; the secret is returned here and never again."""
    if not spec.name.strip() or len(spec.name) > 100:
        raise UserError("a token needs a name of 1–100 characters")
    if session.get(Role, spec.role) is None:
        raise UserError(f"unknown role {spec.role!r}")
    if not 0 <= spec.expires_days <= 3650:
        raise UserError("a token expires after 0 (never) to 3650 days")
    unknown = sorted(set(spec.scopes) - set(known_permissions()))
    if unknown:  # a scope narrows the role to permissions: anything else would be meaningless
        raise UserError(f"unknown permission(s): {', '.join(unknown)}")
    borough = resolve_borough(session, spec.borough).gss_code if spec.borough else None
    expires = utcnow() + timedelta(days=spec.expires_days) if spec.expires_days else None
    secret, token = create_token(
        session,
        name=spec.name,
        role=spec.role,
        expires_at=expires,
        borough=borough,
        scopes=spec.scopes,
    )
    record(
        session,
        actor,
        "token.create",
        target_type="token",
        target_id=str(token.id),
        source_ip=source_ip,
        details={"name": spec.name, "role": spec.role},
    )
    return secret, token


def revoke(session: Session, actor: Principal, token_id: uuid.UUID, source_ip: str | None) -> None:
    if not revoke_token(session, token_id):
        raise AdminNotFound("no such active token")
    record(
        session,
        actor,
        "token.revoke",
        target_type="token",
        target_id=str(token_id),
        source_ip=source_ip,
    )


# --- categories -------------------------------------------------------------------------------


@dataclass
class CategorySpec:
    label: str
    restricted: bool = False
    evidential: bool = True
    retention_days: int | None = None  # None: reviewed, never deleted automatically


def put_category(
    session: Session, actor: Principal, name: str, spec: CategorySpec, source_ip: str | None
) -> Category:
    """Create or change a category (audited with before and after)."""
    if not name.isidentifier() or len(name) > 64:
        raise UserError("category names are letters, digits and underscores")
    if not spec.label.strip() or len(spec.label) > 100:
        raise UserError("a category needs a label of 1–100 characters")
    if spec.retention_days is not None and not 1 <= spec.retention_days <= 36500:
        raise UserError("retention is 1–36500 days, or empty for review without deletion")
    category = session.get(Category, name)
    before = None if category is None else CategoryOut.model_validate(category).model_dump()
    if category is None:
        category = Category(name=name)
        session.add(category)
    category.label, category.restricted = spec.label, spec.restricted
    category.evidential, category.retention_days = spec.evidential, spec.retention_days
    session.flush()
    after = CategoryOut.model_validate(category).model_dump()
    record(
        session,
        actor,
        "policy.category",
        target_type="category",
        target_id=name,
        source_ip=source_ip,
        details={"before": before, "after": after},
    )
    return category


def ensure_builtin_roles(session: Session) -> None:
    """The built-in roles (reference data; idempotent: an administrator may change them)."""
    existing_roles = set(session.scalars(select(Role.name)))
    for spec in DEFAULT_ROLE_SPECS:
        if spec.name not in existing_roles:
            session.add(
                Role(
                    name=spec.name,
                    description=spec.description,
                    scope=spec.scope,
                    permissions=list(spec.permissions),
                    builtin=True,
                )
            )
