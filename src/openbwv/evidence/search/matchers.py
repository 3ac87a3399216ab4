"""Where other domains add to the search's text criterion, without evidence importing them.

A `TextMatcher` (transcription's, registered by its install) says which items match the typed
words besides their titles and notes, and where in each item they match (a time to jump to).
The matcher applies the access policy itself: what it matches may need more than `view` (hearing
what was said needs `play`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import ColumnElement
from sqlalchemy.orm import QueryableAttribute, Session

from openbwv.access.principal import Principal


@dataclass(frozen=True)
class TextHit:
    """The words found at `seconds` into the item, with a few words around them."""

    evidence_id: uuid.UUID
    seconds: float
    snippet: str
    source: str  # e.g. "transcript"


class TextMatcher(Protocol):
    def clause(
        self, principal: Principal, text: str, item_id: QueryableAttribute[Any]
    ) -> ColumnElement[bool]:
        """A condition on the item id column: the items whose words match `text`."""
        ...

    def hits(
        self, session: Session, principal: Principal, ids: Sequence[uuid.UUID], text: str
    ) -> dict[uuid.UUID, list[TextHit]]:
        """Where `text` is found in each of these items (those the principal may reach)."""
        ...


_matchers: list[TextMatcher] = []


def register_text_matcher(matcher: TextMatcher) -> None:
    if matcher not in _matchers:
        _matchers.append(matcher)


def text_matchers() -> list[TextMatcher]:
    return list(_matchers)


def hits_for(
    session: Session, principal: Principal, ids: Sequence[uuid.UUID], text: str | None
) -> dict[uuid.UUID, list[TextHit]]:
    """Every registered matcher's hits in these items (none without search text)."""
    found: dict[uuid.UUID, list[TextHit]] = {}
    if not text or not ids:
        return found
    for matcher in _matchers:
        for item_id, hits in matcher.hits(session, principal, ids, text).items():
            found.setdefault(item_id, []).extend(hits)
    return found
