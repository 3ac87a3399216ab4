"""Saved searches: a person's named search forms, private to them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from openbwv.db.base import Base, IdMixin
from openbwv.timeutil import utcnow

MAX_SAVED = 50
MAX_NAME = 100
MAX_QUERY = 4000


class SavedSearchError(ValueError):
    pass


class SavedSearch(IdMixin, Base):
    __tablename__ = "saved_searches"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    query: Mapped[str] = mapped_column(Text)  # the search form as a URL query string
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "name"),)


def saved_for(session: Session, user_id: uuid.UUID) -> list[SavedSearch]:
    return list(
        session.scalars(
            select(SavedSearch).where(SavedSearch.user_id == user_id).order_by(SavedSearch.name)
        )
    )


def save(session: Session, user_id: uuid.UUID, name: str, query: str) -> SavedSearch:
    """Save (or replace, by name) a search."""
    name = " ".join(name.split())
    if not name:
        raise SavedSearchError("give the search a name")
    if len(name) > MAX_NAME:
        raise SavedSearchError(f"a name is at most {MAX_NAME} characters")
    if len(query) > MAX_QUERY:
        raise SavedSearchError("this search is too long to save")
    existing = session.scalar(
        select(SavedSearch).where(SavedSearch.user_id == user_id, SavedSearch.name == name)
    )
    if existing is not None:
        existing.query = query
        existing.created_at = utcnow()
        return existing
    if len(saved_for(session, user_id)) >= MAX_SAVED:
        raise SavedSearchError(f"you can keep at most {MAX_SAVED} saved searches")
    saved = SavedSearch(user_id=user_id, name=name, query=query)
    session.add(saved)
    session.flush()
    return saved


def delete_saved(session: Session, user_id: uuid.UUID, saved_id: str) -> bool:
    try:
        parsed = uuid.UUID(saved_id)
    except ValueError:
        return False
    found = session.scalar(
        select(SavedSearch).where(SavedSearch.id == parsed, SavedSearch.user_id == user_id)
    )
    if found is None:
        return False
    session.delete(found)
    return True
