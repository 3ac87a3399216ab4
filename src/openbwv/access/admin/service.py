"""Administration services: users, roles, grants, API tokens and categories.

One function per action, called by the admin API, the administration pages and the CLI alike: it
validates, checks the actor's permission and records the audit event in the caller's unit of
work (it never commits). `create_user`, `create_token` and `ensure_team` are the unaudited
building blocks underneath, for seeding (the demo, the fleet's CSV import, the tests)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from openbwv.access.admin import queries
from openbwv.access.admin.schemas import CategoryOut
from openbwv.access.errors import AdminNotFound, UserError
from openbwv.access.models import ApiToken, Grant, Role, User, UserRole
from openbwv.access.policy import roles as perms
from openbwv.access.policy.queries import require
from openbwv.access.principal import Principal
from openbwv.access.signin.passwords import hash_password
from openbwv.access.signin.tokens import PREFIX_SHOWN, hash_token, new_secret
from openbwv.audit.events import record
from openbwv.categories.models import Category
from openbwv.organisation.service import ensure_team
from openbwv.timeutil import utcnow

MAX_TOKEN_DAYS = 3650
MAX_RETENTION_DAYS = 36500

# --- users and grants -------------------------------------------------------------------------


@dataclass
class UserSpec:
    username: str
    display_name: str
    roles: list[str] = field(default_factory=list)
    borough: str | None = None  # GSS code or name
    team: str | None = None  # team name within the borough
    warrant_number: str | None = None
    shoulder_number: str | None = None
    email: str | None = None
    kind: str = "internal"
    organisation: str | None = None
    password: str | None = None


def create_user(session: Session, spec: UserSpec) -> User:
    """A user as specified, after checking it (unaudited: `add_user` is the action)."""
    if queries.username_taken(session, spec.username):
        raise UserError(f"a user named {spec.username!r} already exists")
    if spec.kind not in ("internal", "external"):
        raise UserError("kind must be internal or external")
    queries.check_roles(session, spec.roles)
    borough = queries.resolve_borough(session, spec.borough).gss_code if spec.borough else None
    if spec.team and not borough:
        raise UserError("a team needs a borough")
    team = ensure_team(session, borough, spec.team) if spec.team and borough else None
    user = User(
        username=spec.username,
        display_name=spec.display_name,
        warrant_number=spec.warrant_number,
        shoulder_number=spec.shoulder_number,
        email=spec.email,
        kind=spec.kind,
        organisation=spec.organisation,
        borough=borough,
        team_id=team.id if team else None,
        password_hash=hash_password(spec.password) if spec.password else None,
    )
    user.roles = [UserRole(role=name) for name in sorted(set(spec.roles))]
    session.add(user)
    session.flush()
    return user


def add_user(session: Session, actor: Principal, spec: UserSpec, source_ip: str | None) -> User:
    require(actor, perms.USERS_MANAGE)
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


def set_roles(session: Session, user: User, roles: list[str]) -> None:
    queries.check_roles(session, roles)
    user.roles = [UserRole(role=name) for name in sorted(set(roles))]


def change_roles(
    session: Session, actor: Principal, username: str, roles: list[str], source_ip: str | None
) -> User:
    require(actor, perms.USERS_MANAGE)
    user = queries.find_user(session, username)
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


def disable_user(session: Session, user: User) -> None:
    """Disabling ends every session at once and stops the user's tokens."""
    user.active = False
    for web_session in queries.live_sessions(session, user.id):
        web_session.revoked_at = utcnow()


def disable(session: Session, actor: Principal, username: str, source_ip: str | None) -> User:
    require(actor, perms.USERS_MANAGE)
    user = queries.find_user(session, username)
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


def unlock(session: Session, actor: Principal, username: str, source_ip: str | None) -> User:
    """End a sign-in lock at once and forget the failures counted towards the next one."""
    require(actor, perms.USERS_MANAGE)
    user = queries.find_user(session, username)
    was = user.locked_until if user.locked_until and user.locked_until > utcnow() else None
    user.locked_until, user.failed_logins = None, 0
    record(
        session,
        actor,
        "user.unlock",
        target_type="user",
        target_id=str(user.id),
        source_ip=source_ip,
        details={"was_locked_until": was.isoformat() if was else None},
    )
    return user


def set_password(
    session: Session,
    actor: Principal,
    username: str,
    password: str,
    *,
    temporary: bool = True,
    source_ip: str | None,
) -> User:
    """An administrator sets a user's password (hashed; never recorded). A temporary one must be
    changed at the next sign-in. The user's browser sessions end, as a reset is often because
    the old password is lost or known to someone else; API tokens are unaffected."""
    require(actor, perms.USERS_MANAGE)
    user = queries.find_user(session, username)
    user.password_hash = hash_password(password)  # WeakPassword (a UserError) if too short
    user.must_change_password = temporary
    ended = queries.live_sessions(session, user.id)
    for web_session in ended:
        web_session.revoked_at = utcnow()
    record(
        session,
        actor,
        "user.password.reset",
        target_type="user",
        target_id=str(user.id),
        source_ip=source_ip,
        details={"temporary": temporary, "sessions_ended": len(ended)},
    )
    return user


def grant(
    session: Session,
    user: User,
    kind: str,
    target: str,
    *,
    reason: str | None,
    granted_by: uuid.UUID | None,
) -> Grant:
    """A category or borough grant on top of the user's roles (unaudited: see `add_grant`)."""
    if kind == "category":
        category = queries.category(session, target)
        if category is None:
            raise UserError(f"unknown category {target!r}")
        if not category.restricted:
            raise UserError(
                f"the category {target!r} is not restricted: everyone who may see an item may "
                "see it in this category, so a grant would give nothing"
            )
    elif kind == "borough":
        target = queries.resolve_borough(session, target).gss_code
    else:
        raise UserError("grant kind must be category or borough")
    made = Grant(user_id=user.id, kind=kind, target=target, reason=reason, granted_by=granted_by)
    session.add(made)
    session.flush()
    return made


def add_grant(
    session: Session,
    actor: Principal,
    username: str,
    kind: str,
    target: str,
    reason: str,
    source_ip: str | None,
) -> Grant:
    require(actor, perms.USERS_MANAGE)
    user = queries.find_user(session, username)
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
    require(actor, perms.USERS_MANAGE)
    found = queries.grant_by_id(session, grant_id)
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


# --- roles ------------------------------------------------------------------------------------


def check_role(name: str, permissions: list[str]) -> None:
    """Refuse unknown permissions and bad names (before any database work)."""
    unknown = sorted(set(permissions) - set(perms.known_permissions()))
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
    require(actor, perms.ROLES_MANAGE)
    check_role(name, permissions)
    if scope not in perms.SCOPES:
        raise UserError(f"scope must be one of {', '.join(perms.SCOPES)}")
    role = queries.role(session, name)
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
    user: str | None = None  # act as this user (username or id): never more than they may


def create_token(
    session: Session,
    *,
    name: str,
    role: str,
    expires_at: datetime | None = None,
    user_id: uuid.UUID | None = None,
    borough: str | None = None,
    scopes: list[str] | None = None,
) -> tuple[str, ApiToken]:
    """A token and its secret, stored as given (unaudited: `add_token` is the action)."""
    secret = new_secret()
    token = ApiToken(
        name=name,
        role=role,
        token_hash=hash_token(secret),
        prefix=secret[:PREFIX_SHOWN],
        expires_at=expires_at,
        user_id=user_id,
        borough=borough,
        scopes=scopes or [],
    )
    session.add(token)
    session.flush()
    return secret, token


def _check_token(session: Session, spec: TokenSpec) -> None:
    if not spec.name.strip() or len(spec.name) > 100:
        raise UserError("a token needs a name of 1–100 characters")
    if queries.role(session, spec.role) is None:
        raise UserError(f"unknown role {spec.role!r}")
    if not 0 <= spec.expires_days <= MAX_TOKEN_DAYS:
        raise UserError(f"a token expires after 0 (never) to {MAX_TOKEN_DAYS} days")
    unknown = sorted(set(spec.scopes) - set(perms.known_permissions()))
    if unknown:  # a scope narrows the role to permissions: anything else would be meaningless
        raise UserError(f"unknown permission(s): {', '.join(unknown)}")


def add_token(
    session: Session, actor: Principal, spec: TokenSpec, source_ip: str | None
) -> tuple[str, ApiToken]:
    """A token for a device, an integration or a script (any role in the role table, scopes
    naming known permissions only); the secret is returned here and never again."""
    require(actor, perms.TOKENS_MANAGE)
    _check_token(session, spec)
    user_id = queries.find_user(session, spec.user).id if spec.user else None
    borough = queries.resolve_borough(session, spec.borough).gss_code if spec.borough else None
    expires = utcnow() + timedelta(days=spec.expires_days) if spec.expires_days else None
    secret, token = create_token(
        session,
        name=spec.name,
        role=spec.role,
        expires_at=expires,
        user_id=user_id,
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


def revoke_token(session: Session, token_id: uuid.UUID) -> bool:
    """Revoke a live token (unaudited: `revoke` is the action); False if there is none."""
    token = queries.token_by_id(session, token_id)
    if token is None or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    return True


def revoke(session: Session, actor: Principal, token_id: uuid.UUID, source_ip: str | None) -> None:
    require(actor, perms.TOKENS_MANAGE)
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


def _check_category(name: str, spec: CategorySpec) -> None:
    if not name.isidentifier() or len(name) > 64:
        raise UserError("category names are letters, digits and underscores")
    if not spec.label.strip() or len(spec.label) > 100:
        raise UserError("a category needs a label of 1–100 characters")
    if spec.retention_days is not None and not 1 <= spec.retention_days <= MAX_RETENTION_DAYS:
        raise UserError("retention is 1–36500 days, or empty for review without deletion")


def put_category(
    session: Session, actor: Principal, name: str, spec: CategorySpec, source_ip: str | None
) -> Category:
    """Create or change a category (audited with before and after)."""
    require(actor, perms.CATEGORIES_MANAGE)
    _check_category(name, spec)
    category = queries.category(session, name)
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
