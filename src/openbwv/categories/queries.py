"""Reading categories: the list, one by name, which names exist, which are restricted."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from openbwv.categories.models import Category


def all_categories(session: Session) -> list[Category]:
    """Every category, by label."""
    return list(session.scalars(select(Category).order_by(Category.label)))


def find(session: Session, name: str) -> Category | None:
    return session.get(Category, name)


def names(session: Session) -> set[str]:
    return set(session.scalars(select(Category.name)))


def unknown_names(session: Session, wanted: Iterable[str]) -> list[str]:
    """The names in `wanted` that are no category, sorted."""
    asked = set(wanted)
    known = set(session.scalars(select(Category.name).where(Category.name.in_(asked))))
    return sorted(asked - known)


def restricted_names() -> Select[str]:
    """The restricted categories' names, as a subquery for policy clauses."""
    return select(Category.name).where(Category.restricted.is_(True))
