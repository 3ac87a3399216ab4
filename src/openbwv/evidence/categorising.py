"""Setting an item's categories (they drive retention and restriction): one rule for the API and
the pages."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from openbwv.access.principal import Principal
from openbwv.evidence.models import Category, EvidenceCategory, EvidenceItem

# name, label, restricted, evidential, retention days (None: MoPI review, never automatic)
DEFAULT_CATEGORIES = (
    ("non_evidential", "Non-evidential", False, False, 31),
    ("arrest", "Arrest", False, True, None),
    ("stop_and_search", "Stop and search", False, True, None),
    ("use_of_force", "Use of force", False, True, None),
    ("domestic_abuse", "Domestic abuse", True, True, None),
    ("public_order", "Public order", False, True, None),
    ("traffic", "Road traffic", False, True, None),
    ("complaint", "Complaint", False, True, None),
    ("professional_standards", "Professional standards", True, True, None),
)


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


def ensure_builtin_categories(session: Session) -> None:
    """The built-in categories (reference data; idempotent: an administrator may change them)."""
    existing_categories = set(session.scalars(select(Category.name)))
    for name, label, restricted, evidential, days in DEFAULT_CATEGORIES:
        if name not in existing_categories:
            session.add(
                Category(
                    name=name,
                    label=label,
                    restricted=restricted,
                    evidential=evidential,
                    retention_days=days,
                    builtin=True,
                )
            )
