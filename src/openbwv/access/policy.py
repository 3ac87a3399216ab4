"""The access policy: the one place that decides who may do what to which evidence.

Deny by default. An action on an item needs (1) the permission, from the principal's roles;
(2) the item within reach: its scope (own, team, borough, force), a case it is a member of, or an
item grant (given by someone, or break glass with a reason); and (3) for every restricted category
on the item, a grant of that category — unless an item grant covers it explicitly. The same rules
exist twice, in Python for one item and in SQL for lists, searches and counts, and the tests hold
them to each other. Refusals raise `AccessDenied`; the API records them in the audit log.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from openbwv.access.models import EvidenceGrant, Grant
from openbwv.access.principal import Principal
from openbwv.cases.models import CaseItem, CaseMember
from openbwv.categories.models import Category
from openbwv.evidence.models import EvidenceCategory, EvidenceItem
from openbwv.timeutil import utcnow


class AccessDenied(Exception):
    """A refused action. `status` 404 hides whether the item exists; 403 when it is visible."""

    def __init__(
        self,
        action: str,
        detail: str,
        *,
        status: int = 403,
        evidence_id: uuid.UUID | None = None,
        target: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.action = action
        self.detail = detail
        self.status = status
        self.evidence_id = evidence_id
        self.target = target


def _active(
    expires: InstrumentedAttribute[datetime | None], revoked: InstrumentedAttribute[datetime | None]
) -> ColumnElement[bool]:
    now = utcnow()
    return and_(revoked.is_(None), or_(expires.is_(None), expires > now))


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
        .where(CaseItem.evidence_id == EvidenceItem.id, CaseMember.user_id == principal.user_id)
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
    clauses = [_case_member(principal), _item_grant(principal)]
    if scope in ("own", "team", "borough"):
        clauses.append(_own(principal))
    if scope in ("team", "borough") and principal.team_id is not None:
        clauses.append(EvidenceItem.team_id == principal.team_id)
    if scope == "borough":
        if principal.borough:
            clauses.append(EvidenceItem.borough == principal.borough)
        if principal.user_id is not None:
            clauses.append(EvidenceItem.borough.in_(_grant_targets(principal, "borough")))
    return or_(*clauses)


def _restrictions_met(principal: Principal) -> ColumnElement[bool]:
    restricted = select(Category.name).where(Category.restricted.is_(True))
    unmet = select(EvidenceCategory.category).where(
        EvidenceCategory.evidence_id == EvidenceItem.id,
        EvidenceCategory.category.in_(restricted),
    )
    if principal.user_id is not None:
        unmet = unmet.where(EvidenceCategory.category.not_in(_grant_targets(principal, "category")))
    # OFFSET 0 keeps PostgreSQL probing the primary key row by row: otherwise it may hash every
    # restricted item in the force first (tens of ms at 1 M items, growing with the force), which
    # a newest-first page that stops after a few thousand rows never needs.
    return or_(~exists(unmet.offset(0)), _item_grant(principal))


def visible_clause(principal: Principal, action: str) -> ColumnElement[bool]:
    """SQL condition on EvidenceItem: the items `principal` may perform `action` on."""
    if not principal.can(action):
        return false()
    return and_(_in_scope(principal), _restrictions_met(principal))


def can_on_item(session: Session, principal: Principal, item_id: uuid.UUID, action: str) -> bool:
    query = select(EvidenceItem.id).where(
        EvidenceItem.id == item_id, visible_clause(principal, action)
    )
    return session.scalar(query) is not None


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
    item = session.scalar(
        select(EvidenceItem).where(EvidenceItem.id == parsed, visible_clause(principal, action))
    )
    if item is not None:
        return item
    from openbwv.access.roles import VIEW

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
