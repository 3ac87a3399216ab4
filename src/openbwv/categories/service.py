"""The built-in categories, kept as reference data."""

from __future__ import annotations

from sqlalchemy.orm import Session

from openbwv.categories import queries
from openbwv.categories.models import Category

# name, label, restricted, evidential, retention days (None: MoPI review, never automatic)
BUILTIN_CATEGORIES = (
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


def ensure_builtin_categories(session: Session) -> None:
    """The built-in categories (reference data; idempotent: an administrator may change them)."""
    existing_categories = queries.names(session)
    for name, label, restricted, evidential, days in BUILTIN_CATEGORIES:
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
