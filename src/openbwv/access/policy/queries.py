"""The access policy: the one place that decides who may do what to which evidence.

Deny by default. An action on an item needs (1) the permission, from the principal's roles;
(2) the item within reach: its scope (own, team, borough, force), a case it is a member of, or an
item grant (given by someone, or break glass with a reason); and (3) for every restricted category
on the item, a grant of that category — unless an item grant covers it explicitly. The same rules
exist twice, in Python for one item and in SQL for lists, searches and counts, and the tests hold
them to each other. External principals (CPS, defence, the holder of a share link) reach only what
is shared with them: the sharing domain registers what its active shares give
(`register_share_reach`); without it they reach nothing. Refusals raise `AccessDenied`; the API
records them in the audit log.

The principals themselves are built here too, from the configurable role table: what a user or a
token may do is the first half of every decision.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    exists,
    false,
    or_,
    select,
    true,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from openbwv.access.errors import AccessDenied
from openbwv.access.models import ApiToken, EvidenceGrant, Grant, Role, User
from openbwv.access.policy.roles import EVIDENCE_ACTIONS, VIEW
from openbwv.access.principal import SCOPE_RANK, Principal
from openbwv.cases.models import CaseItem, CaseMember
from openbwv.categories.models import Category
from openbwv.db.base import now_when_executed
from openbwv.evidence.models import EvidenceCategory, EvidenceItem

# Built clauses kept per principal: building one costs over a millisecond of Python (dozens of
# column comparisons), paid by every read. A principal is a frozen value, so an entry is only
# ever reused for exactly the same facts; the data the clause tests stays in SQL.
CLAUSES_KEPT = 256


def _active(
    expires: InstrumentedAttribute[datetime | None], revoked: InstrumentedAttribute[datetime | None]
) -> ColumnElement[bool]:
    return and_(revoked.is_(None), or_(expires.is_(None), expires > now_when_executed()))


def _item_grant(principal: Principal) -> ColumnElement[bool]:
    if principal.user_id is None:
        return false()
    return exists(
        select(EvidenceGrant.id).where(
            EvidenceGrant.evidence_id == EvidenceItem.id,
            EvidenceGrant.user_id == principal.user_id,
            _active(EvidenceGrant.expires_at, EvidenceGrant.revoked_at),
        )
    )


def _grant_targets(principal: Principal, kind: str) -> Select[str]:
    """Targets of the principal's active grants of one kind (categories, boroughs)."""
    return select(Grant.target).where(
        Grant.user_id == principal.user_id,
        Grant.kind == kind,
        _active(Grant.expires_at, Grant.revoked_at),
    )


def _case_member(principal: Principal) -> ColumnElement[bool]:
    if principal.user_id is None:
        return false()
    return exists(
        select(CaseItem.case_id)
        .join(CaseMember, CaseMember.case_id == CaseItem.case_id)
        .where(
            CaseItem.evidence_id == EvidenceItem.id,
            CaseMember.user_id == principal.user_id,
            # A membership past its expiry grants nothing (the same as cases.queries').
            or_(CaseMember.expires_at.is_(None), CaseMember.expires_at > now_when_executed()),
        )
    )


def _own(principal: Principal) -> ColumnElement[bool]:
    clauses: list[ColumnElement[bool]] = [EvidenceItem.ingested_by == principal.id]
    if principal.user_id is not None:
        clauses.append(EvidenceItem.officer_user_id == principal.user_id)
    return or_(*clauses)


def _in_scope(principal: Principal) -> ColumnElement[bool]:
    scope = principal.scope
    if scope == "force":
        return true()
    # The item's own columns first, the correlated subqueries last: SQLite tests an OR's terms
    # in order and stops at the first true one, so a walk through the person's borough never
    # probes cases and grants for the items their borough already lets them see.
    clauses: list[ColumnElement[bool]] = []
    if scope in ("own", "team", "borough"):
        clauses.append(_own(principal))
    if scope in ("team", "borough") and principal.team_id is not None:
        clauses.append(EvidenceItem.team_id == principal.team_id)
    if scope == "borough":
        if principal.borough:
            clauses.append(EvidenceItem.borough == principal.borough)
        if principal.user_id is not None:
            clauses.append(EvidenceItem.borough.in_(_grant_targets(principal, "borough")))
    return or_(*clauses, _case_member(principal), _item_grant(principal))


@dataclass(frozen=True)
class SharedReach:
    """What shares give an external principal for one action, as subqueries of item ids:
    `explicit` items (chosen, or a case's items when it was shared: the sharer's authority,
    restricted categories included, was checked then) and `later` items (linked to a shared case
    afterwards: only those without a restricted category)."""

    explicit: Select[uuid.UUID]
    later: Select[uuid.UUID]


ShareReach = Callable[[Principal, str], SharedReach]
_share_reach: list[ShareReach] = []


def register_share_reach(reach: ShareReach) -> None:
    """The sharing domain tells the policy what its shares give (the policy cannot import it:
    sharing's queries build on this module). Without it, external principals see nothing."""
    if reach not in _share_reach:
        _share_reach.append(reach)


def _shared(principal: Principal, action: str) -> ColumnElement[bool]:
    """External principals (CPS, defence, link holders) reach exactly what is shared with them,
    never through case membership, grants or scope; an expired or revoked share gives nothing."""
    clauses: list[ColumnElement[bool]] = []
    for reach in _share_reach:
        given = reach(principal, action)
        clauses.append(EvidenceItem.id.in_(given.explicit))
        clauses.append(
            and_(EvidenceItem.id.in_(given.later), _restrictions_met(principal, grants=False))
        )
    return or_(*clauses) if clauses else false()


def _restrictions_met(principal: Principal, *, grants: bool = True) -> ColumnElement[bool]:
    restricted = select(Category.name).where(Category.restricted.is_(True))
    unmet = select(EvidenceCategory.category).where(
        EvidenceCategory.evidence_id == EvidenceItem.id,
        EvidenceCategory.category.in_(restricted),
    )
    if not grants:
        return ~exists(unmet)
    if principal.user_id is not None:
        unmet = unmet.where(EvidenceCategory.category.not_in(_grant_targets(principal, "category")))
    # OFFSET 0 keeps PostgreSQL probing the primary key row by row: otherwise it may hash every
    # restricted item in the force first (tens of ms at 1 M items, growing with the force), which
    # a newest-first page that stops after a few thousand rows never needs.
    return or_(~exists(unmet.offset(0)), _item_grant(principal))


def holds_categories(session: Session, principal: Principal, item_id: uuid.UUID) -> bool:
    """Whether the principal holds a grant of every restricted category on the item (an item
    grant or break glass does not count: sharing a restricted item needs the category)."""
    restricted = select(Category.name).where(Category.restricted.is_(True))
    unmet = select(EvidenceCategory.category).where(
        EvidenceCategory.evidence_id == item_id, EvidenceCategory.category.in_(restricted)
    )
    if principal.user_id is not None:
        unmet = unmet.where(EvidenceCategory.category.not_in(_grant_targets(principal, "category")))
    return session.scalar(select(~exists(unmet))) is True


def _through_shares(principal: Principal) -> bool:
    return principal.external or principal.scope == "shared"


def visible_clause(principal: Principal, action: str) -> ColumnElement[bool]:
    """SQL condition on EvidenceItem: the items `principal` may perform `action` on."""
    if not principal.can(action):
        return false()
    if _through_shares(principal):
        return _shared(principal, action)  # the sharing domain's clauses: built every time
    return _internal_reach(principal)


@lru_cache(maxsize=CLAUSES_KEPT)
def _internal_reach(principal: Principal) -> ColumnElement[bool]:
    """An internal principal's reach, once per principal (see CLAUSES_KEPT)."""
    return and_(_in_scope(principal), _restrictions_met(principal))


def _one_item(principal: Principal, action: str, whole: bool) -> Select[Any]:
    """The item (`whole`) or its id, bound as `item_id`, if the principal may `action` it."""
    entity: Any = EvidenceItem if whole else EvidenceItem.id
    return select(entity).where(
        EvidenceItem.id == bindparam("item_id"), visible_clause(principal, action)
    )


# The same statement object executed again also reuses its SQLAlchemy cache key: computing it
# walks the whole clause, another millisecond a read.
_one_item_kept = lru_cache(maxsize=CLAUSES_KEPT)(_one_item)


def _one_item_query(principal: Principal, action: str, *, whole: bool) -> Select[Any]:
    if _through_shares(principal):
        return _one_item(principal, action, whole)
    return _one_item_kept(principal, action, whole)


def can_on_item(session: Session, principal: Principal, item_id: uuid.UUID, action: str) -> bool:
    query = _one_item_query(principal, action, whole=False)
    return session.scalar(query, {"item_id": item_id}) is not None


def authorize_item(
    session: Session, principal: Principal, item_id: uuid.UUID | str, action: str
) -> EvidenceItem:
    """The item if `principal` may do `action` to it; AccessDenied otherwise.

    Unknown, out-of-reach and restricted items all answer 404 alike, so nothing leaks whether
    an item exists; an item the principal can view but not act on answers 403.
    """
    try:
        parsed = item_id if isinstance(item_id, uuid.UUID) else uuid.UUID(str(item_id))
    except ValueError:
        raise AccessDenied(action, "no such evidence item", status=404) from None
    item = session.scalar(_one_item_query(principal, action, whole=True), {"item_id": parsed})
    if item is not None:
        return item
    if action != VIEW and can_on_item(session, principal, parsed, VIEW):
        raise AccessDenied(
            action, f"you may not {action.split('.')[-1]} this item", status=403, evidence_id=parsed
        )
    exists_at_all = session.get(EvidenceItem, parsed) is not None
    raise AccessDenied(
        action,
        "no such evidence item",
        status=404,
        evidence_id=parsed if exists_at_all else None,
        target=str(parsed),
    )


def require(principal: Principal, permission: str, target: str | None = None) -> None:
    """A system-level action (not about one item)."""
    if not principal.can(permission):
        raise AccessDenied(permission, f"your role does not allow {permission}", target=target)


# --- principals: users and tokens, with their roles resolved ----------------------------------


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
