"""Setting an item's categories (they drive retention and restriction): one rule for the API and
the pages."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from openbwv.access.principal import Principal
from openbwv.evidence.models import Category, EvidenceCategory, EvidenceItem


class UnknownCategory(ValueError):
    def __init__(self, names: list[str]) -> None:
        super().__init__(f"no such category: {', '.join(names)}")
        self.names = names


def categories_of(session: Session, item: EvidenceItem) -> list[str]:
    return sorted(
        session.scalars(
            select(EvidenceCategory.category).where(EvidenceCategory.evidence_id == item.id)
        )
    )


def set_categories(
    session: Session, principal: Principal, item: EvidenceItem, wanted: list[str]
) -> tuple[list[str], list[str]]:
    """Replace the item's categories with `wanted` (known categories only): (before, after).

    The caller has authorised `evidence.categorise` and records the change in the audit log."""
    after = sorted(set(wanted))
    known = set(session.scalars(select(Category.name).where(Category.name.in_(after))))
    unknown = sorted(set(after) - known)
    if unknown:
        raise UnknownCategory(unknown)
    before = categories_of(session, item)
    session.execute(delete(EvidenceCategory).where(EvidenceCategory.evidence_id == item.id))
    for name in after:
        session.add(
            EvidenceCategory(evidence_id=item.id, category=name, assigned_by=principal.user_id)
        )
    session.flush()
    return before, after
