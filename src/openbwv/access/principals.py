"""Building principals from users and tokens (roles resolved from the configurable role table)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwv.access.models import ApiToken, Role, User
from openbwv.access.principal import SCOPE_RANK, Principal
from openbwv.access.roles import EVIDENCE_ACTIONS


def _resolve(session: Session, names: Iterable[str]) -> tuple[frozenset[str], str]:
    roles = list(session.scalars(select(Role).where(Role.name.in_(list(names)))))
    permissions = frozenset(p for role in roles for p in role.permissions)
    scopes = [role.scope for role in roles if set(role.permissions) & set(EVIDENCE_ACTIONS)]
    scope = max(scopes, key=lambda s: SCOPE_RANK.get(s, 0), default="none")
    return permissions, scope


def principal_for_user(session: Session, user: User, session_id: object = None) -> Principal:
    permissions, scope = _resolve(session, user.role_names)
    return Principal(
        id=user.id,
        name=user.username,
        kind="user",
        roles=tuple(user.role_names),
        permissions=permissions,
        scope=scope,
        user_id=user.id,
        borough=user.borough,
        team_id=user.team_id,
        external=user.kind == "external",
        session_id=session_id,  # type: ignore[arg-type]
    )


def principal_for_token(session: Session, token: ApiToken) -> Principal:
    """A token acts with its role's rights, or, tied to a user, with that user's roles (so it can
    never exceed them); its scopes narrow either. A disabled user's tokens can do nothing."""
    user = session.get(User, token.user_id) if token.user_id else None
    role_names = user.role_names if user else [token.role]
    permissions, scope = _resolve(session, role_names)
    if token.scopes:
        permissions = permissions & frozenset(token.scopes)
    if token.user_id and (user is None or not user.active):
        permissions = frozenset()
    return Principal(
        id=token.id,
        name=f"token:{token.name}",
        kind="token",
        roles=tuple(role_names),
        permissions=permissions,
        scope=scope,
        user_id=user.id if user else None,
        borough=token.borough or (user.borough if user else None),
        team_id=user.team_id if user else None,
        external=bool(user and user.kind == "external"),
    )
