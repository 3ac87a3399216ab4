"""Creating and changing users (the CLI, the admin API and the demo all come through here)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwv.access.models import Grant, Role, User, UserRole
from openbwv.access.passwords import hash_password
from openbwv.fleet.models import Borough, Team
from openbwv.timeutil import utcnow


class UserError(ValueError):
    """A user change the platform refuses, with a message for the operator."""


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


def resolve_borough(session: Session, value: str) -> Borough:
    borough = session.get(Borough, value) or session.scalar(
        select(Borough).where(Borough.name == value)
    )
    if borough is None:
        raise UserError(f"unknown borough {value!r} (use a GSS code such as E09000033 or a name)")
    return borough


def ensure_team(session: Session, borough: str, name: str) -> Team:
    team = session.scalar(select(Team).where(Team.borough == borough, Team.name == name))
    if team is None:
        team = Team(borough=borough, name=name)
        session.add(team)
        session.flush()
    return team


def _check_roles(session: Session, roles: list[str]) -> None:
    known = set(session.scalars(select(Role.name)))
    unknown = sorted(set(roles) - known)
    if unknown:
        raise UserError(f"unknown role(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")


def create_user(session: Session, spec: UserSpec) -> User:
    if session.scalar(select(User.id).where(User.username == spec.username)):
        raise UserError(f"a user named {spec.username!r} already exists")
    if spec.kind not in ("internal", "external"):
        raise UserError("kind must be internal or external")
    _check_roles(session, spec.roles)
    borough = resolve_borough(session, spec.borough).gss_code if spec.borough else None
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


def find_user(session: Session, reference: str) -> User:
    user = session.scalar(select(User).where(User.username == reference))
    if user is None:
        try:
            user = session.get(User, uuid.UUID(reference))
        except ValueError:
            user = None
    if user is None:
        raise UserError(f"no user {reference!r}")
    return user


def set_roles(session: Session, user: User, roles: list[str]) -> None:
    _check_roles(session, roles)
    user.roles = [UserRole(role=name) for name in sorted(set(roles))]


def disable_user(session: Session, user: User) -> None:
    """Disabling ends every session at once and stops the user's tokens."""
    from openbwv.access.models import WebSession

    user.active = False
    for web_session in session.scalars(
        select(WebSession).where(WebSession.user_id == user.id, WebSession.revoked_at.is_(None))
    ):
        web_session.revoked_at = utcnow()


def grant(
    session: Session,
    user: User,
    kind: str,
    target: str,
    *,
    reason: str | None,
    granted_by: uuid.UUID | None,
) -> Grant:
    if kind == "category":
        from openbwv.categories.models import Category

        if session.get(Category, target) is None:
            raise UserError(f"unknown category {target!r}")
    elif kind == "borough":
        target = resolve_borough(session, target).gss_code
    else:
        raise UserError("grant kind must be category or borough")
    record = Grant(user_id=user.id, kind=kind, target=target, reason=reason, granted_by=granted_by)
    session.add(record)
    session.flush()
    return record
