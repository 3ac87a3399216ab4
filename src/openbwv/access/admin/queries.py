"""Reads of administration: people, roles, grants, tokens, categories and the force's boroughs and
teams, as the admin API, the administration pages and the CLI list and look them up."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from openbwv.access.errors import UserError
from openbwv.access.models import ApiToken, Grant, Role, User, WebSession
from openbwv.categories.models import Category
from openbwv.organisation import queries as organisation
from openbwv.organisation.errors import UnknownBorough
from openbwv.organisation.models import Borough, Team
from openbwv.timeutil import utcnow

MAX_LISTED = 1000  # the API's lists stop here


# --- people and grants ------------------------------------------------------------------------


def find_user(session: Session, reference: str) -> User:
    """A user by username or id; UserError if there is none."""
    user = session.scalar(select(User).where(User.username == reference))
    if user is None:
        try:
            user = session.get(User, uuid.UUID(reference))
        except ValueError:
            user = None
    if user is None:
        raise UserError(f"no user {reference!r}")
    return user


def user_by_id(session: Session, user_id: uuid.UUID) -> User | None:
    return session.get(User, user_id)


def username_taken(session: Session, username: str) -> bool:
    return session.scalar(select(User.id).where(User.username == username)) is not None


def users(session: Session, borough: str | None = None) -> list[User]:
    """Users by username (the API's list), optionally of one borough."""
    query = select(User).order_by(User.username)
    if borough:
        query = query.where(User.borough == borough)
    return list(session.scalars(query.limit(MAX_LISTED)))


def users_page(session: Session, *, search: str, borough: str, after: str, size: int) -> list[User]:
    """Up to `size + 1` users after a username (the extra one says there is a next page)."""
    query = select(User).order_by(User.username).limit(size + 1)
    if search.strip():
        wanted = search.strip().lower()  # '%' and '_' are matched as themselves
        query = query.where(
            or_(
                func.lower(User.username).contains(wanted, autoescape=True),
                func.lower(User.display_name).contains(wanted, autoescape=True),
            )
        )
    if borough:
        query = query.where(User.borough == borough)
    if after:
        query = query.where(User.username > after)
    return list(session.scalars(query))


def live_sessions(session: Session, user_id: uuid.UUID) -> list[WebSession]:
    """The user's web sessions not yet ended (disabling a user ends them)."""
    query = select(WebSession).where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
    return list(session.scalars(query))


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


def grant_by_id(session: Session, grant_id: uuid.UUID) -> Grant | None:
    return session.get(Grant, grant_id)


# --- roles, tokens, categories ----------------------------------------------------------------


def roles(session: Session) -> list[Role]:
    return list(session.scalars(select(Role).order_by(Role.name)))


def role(session: Session, name: str) -> Role | None:
    return session.get(Role, name)


def role_names(session: Session) -> set[str]:
    return set(session.scalars(select(Role.name)))


def check_roles(session: Session, names: Iterable[str]) -> None:
    """UserError naming the roles that are not in the role table (built-in or made since)."""
    known = role_names(session)
    unknown = sorted(set(names) - known)
    if unknown:
        raise UserError(f"unknown role(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")


def tokens(session: Session, limit: int = MAX_LISTED) -> list[ApiToken]:
    """The newest tokens first."""
    query = select(ApiToken).order_by(ApiToken.created_at.desc()).limit(limit)
    return list(session.scalars(query))


def token_by_id(session: Session, token_id: uuid.UUID) -> ApiToken | None:
    return session.get(ApiToken, token_id)


def categories(session: Session) -> list[Category]:
    return list(session.scalars(select(Category).order_by(Category.label)))


def restricted_categories(session: Session) -> list[Category]:
    """The categories a grant means something for (an unrestricted one needs none), by label."""
    query = select(Category).where(Category.restricted.is_(True)).order_by(Category.label)
    return list(session.scalars(query))


def category(session: Session, name: str) -> Category | None:
    return session.get(Category, name)


def overview_counts(session: Session) -> dict[str, int | None]:
    """Active users, roles, categories and live tokens, for the administration overview."""
    now = utcnow()
    return {
        "users": session.scalar(select(func.count()).where(User.active.is_(True))),
        "roles": session.scalar(select(func.count()).select_from(Role)),
        "categories": session.scalar(select(func.count()).select_from(Category)),
        "tokens": session.scalar(
            select(func.count()).where(
                ApiToken.revoked_at.is_(None),
                or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now),
            )
        ),
    }


# --- the force's structure --------------------------------------------------------------------


def resolve_borough(session: Session, value: str) -> Borough:
    """A borough by GSS code or name (the organisation's lookup); UserError if there is none, so
    user forms and sign-in claims refuse it like any other bad user detail."""
    try:
        return organisation.resolve_borough(session, value)
    except UnknownBorough as exc:
        raise UserError(str(exc)) from None


def boroughs(session: Session) -> list[Borough]:
    return organisation.boroughs(session)


def borough_names(session: Session) -> dict[str, str]:
    """Borough names by GSS code, so pages show "Camden" rather than "E09000007"."""
    return {b.gss_code: b.name for b in organisation.boroughs(session)}


def team_by_id(session: Session, team_id: uuid.UUID) -> Team | None:
    return organisation.team(session, team_id)


def team_names(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    return organisation.team_names(session, ids)
