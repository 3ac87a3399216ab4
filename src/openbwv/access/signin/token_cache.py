"""Bearer tokens already verified, kept for a moment so that a busy client is not looked up (its
token, its user, its roles) on every request.

The bound: a token revoked, a user disabled or a role changed is refused or takes effect at
once in the process that committed the change (any commit that touches a token, a user, a
role or a role assignment empties this process's cache), and within SECONDS in every other
process (an API process of `bwv serve --workers N`, another node, a change made with `bwv` from
a shell). A token's own expiry is never overstepped: an entry ends when its token does. Only
tokens that verified are kept, under their SHA-256 (never the secret); an unknown or revoked
token is looked up every time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from openbwv.access.models import ApiToken, Role, User, UserRole
from openbwv.access.principal import Principal
from openbwv.timeutil import utcnow

SECONDS = 2.0
MAX_ENTRIES = 10_000  # beyond it the cache starts again (a bound on memory, not a policy)
_PRINCIPAL_TABLES = (ApiToken, User, Role, UserRole)
_CHANGED = "openbwv_principals_changed"


class VerifiedTokens:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock  # seconds, monotonic
        self._entries: dict[str, tuple[Principal, float]] = {}
        self._lock = threading.Lock()
        self.generation = 0  # one more at each forget_all

    def get(self, token_hash: str) -> Principal | None:
        entry = self._entries.get(token_hash)
        if entry is None:
            return None
        principal, until = entry
        if self.clock() >= until:
            with self._lock:
                self._entries.pop(token_hash, None)
            return None
        return principal

    def put(
        self, token_hash: str, principal: Principal, expires_at: datetime | None, generation: int
    ) -> None:
        """Keep a principal looked up when the cache was at `generation`: if a change emptied
        it since, the lookup may predate the change and is not kept."""
        now = self.clock()
        until = now + SECONDS
        if expires_at is not None:
            until = min(until, now + (expires_at - utcnow()).total_seconds())
        with self._lock:
            if generation != self.generation:
                return
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[token_hash] = (principal, until)

    def forget_all(self) -> None:
        with self._lock:
            self._entries.clear()
            self.generation += 1


VERIFIED = VerifiedTokens()


@event.listens_for(Session, "after_flush")
def _note_principal_changes(session: Session, _context: Any) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, _PRINCIPAL_TABLES) for obj in changed):
        session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _forget_after_change(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        VERIFIED.forget_all()


@event.listens_for(Session, "after_rollback")
def _nothing_changed(session: Session) -> None:
    session.info.pop(_CHANGED, None)
