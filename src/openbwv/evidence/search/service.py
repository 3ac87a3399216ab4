"""Saved searches: saving (or replacing, by name) and deleting a person's own, each recorded."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from openbwv.access.principal import Principal
from openbwv.audit.events import record
from openbwv.evidence.search import queries
from openbwv.evidence.search.errors import NoSuchSavedSearch, SavedSearchError
from openbwv.evidence.search.models import MAX_NAME, SavedSearch
from openbwv.timeutil import utcnow

MAX_SAVED = 50
MAX_QUERY = 4000


def _put(session: Session, user_id: uuid.UUID, name: str, query: str) -> SavedSearch:
    """Save (or replace, by name) a search."""
    name = " ".join(name.split())
    if not name:
        raise SavedSearchError("give the search a name")
    if len(name) > MAX_NAME:
        raise SavedSearchError(f"a name is at most {MAX_NAME} characters")
    if len(query) > MAX_QUERY:
        raise SavedSearchError("this search is too long to save")
    existing = queries.find_saved(session, user_id, name)
    if existing is not None:
        existing.query = query
        existing.created_at = utcnow()
        return existing
    if len(queries.saved_for(session, user_id)) >= MAX_SAVED:
        raise SavedSearchError(f"you can keep at most {MAX_SAVED} saved searches")
    saved = SavedSearch(user_id=user_id, name=name, query=query)
    session.add(saved)
    session.flush()
    return saved


def save_search(
    session: Session,
    principal: Principal,
    user_id: uuid.UUID,
    name: str,
    query: str,
    source_ip: str | None,
) -> SavedSearch:
    """Save the person's search (`query`: the search form's fields as a URL query string)."""
    saved = _put(session, user_id, name, query)
    record(
        session,
        principal,
        "search.save",
        target_type="saved_search",
        target_id=str(saved.id),
        source_ip=source_ip,
        details={"query": query[:500]},
    )
    return saved


def delete_search(
    session: Session,
    principal: Principal,
    user_id: uuid.UUID,
    saved_id: str,
    source_ip: str | None,
) -> None:
    found = queries.find_own_saved(session, user_id, saved_id)
    if found is None:
        raise NoSuchSavedSearch("no such saved search")
    session.delete(found)
    record(
        session,
        principal,
        "search.delete",
        target_type="saved_search",
        target_id=saved_id[:64],
        source_ip=source_ip,
    )
