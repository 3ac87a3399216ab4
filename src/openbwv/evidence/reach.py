"""A search's reach as separate index-friendly branches.

The access policy's `visible_clause` is one OR of everything that puts an item within a person's
reach (their borough, their team, their own footage, their cases, their grants). As a filter it
is exact, but an OR of unlike conditions lets no index drive the query: a borough investigator's
"category: arrest" would read every row in the table. So a search runs once per branch of that
OR — each branch a plain condition an index can drive, newest first — and merges the branches.
Every branch is still ANDed with `visible_clause`, which stays the authority: a branch can only
narrow what the policy allows, never widen it (tests hold the two to each other).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from openbwv.access.models import EvidenceGrant, Grant
from openbwv.access.policy import roles
from openbwv.access.principal import Principal
from openbwv.cases.models import CaseItem, CaseMember
from openbwv.evidence.models import EvidenceItem
from openbwv.timeutil import utcnow


def _active(
    expires: InstrumentedAttribute[datetime | None], revoked: InstrumentedAttribute[datetime | None]
) -> ColumnElement[bool]:
    return and_(revoked.is_(None), or_(expires.is_(None), expires > utcnow()))


def _my_case_items(principal: Principal) -> Select[uuid.UUID]:
    return (
        select(CaseItem.evidence_id)
        .join(CaseMember, CaseMember.case_id == CaseItem.case_id)
        .where(CaseMember.user_id == principal.user_id)
    )


def _my_item_grants(principal: Principal) -> Select[uuid.UUID]:
    return select(EvidenceGrant.evidence_id).where(
        EvidenceGrant.user_id == principal.user_id,
        _active(EvidenceGrant.expires_at, EvidenceGrant.revoked_at),
    )


def _my_borough_grants(principal: Principal) -> Select[str]:
    return select(Grant.target).where(
        Grant.user_id == principal.user_id,
        Grant.kind == "borough",
        _active(Grant.expires_at, Grant.revoked_at),
    )


def branches(session: Session, principal: Principal) -> list[ColumnElement[bool]]:
    """The branches of the principal's reach (one `true()` branch when force-wide)."""
    if not principal.can(roles.VIEW):
        return [false()]
    if principal.scope == "force":
        return [true()]
    found: list[ColumnElement[bool]] = []
    if principal.user_id is not None:
        has_cases, has_grants, has_boroughs = session.execute(
            select(
                exists(_my_case_items(principal)),
                exists(_my_item_grants(principal)),
                exists(_my_borough_grants(principal)),
            )
        ).one()
        if has_cases:
            found.append(EvidenceItem.id.in_(_my_case_items(principal)))
        if has_grants:
            found.append(EvidenceItem.id.in_(_my_item_grants(principal)))
        if has_boroughs and principal.scope == "borough":
            found.append(EvidenceItem.borough.in_(_my_borough_grants(principal)))
    if principal.scope in ("own", "team", "borough"):
        found.append(EvidenceItem.ingested_by == principal.id)
        if principal.user_id is not None:
            found.append(EvidenceItem.officer_user_id == principal.user_id)
    if principal.scope in ("team", "borough") and principal.team_id is not None:
        found.append(EvidenceItem.team_id == principal.team_id)
    if principal.scope == "borough" and principal.borough:
        found.append(EvidenceItem.borough == principal.borough)
    return found or [false()]
