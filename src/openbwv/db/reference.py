"""Reference data every deployment starts with (roles, categories, boroughs …).

Domains register an idempotent `ensure(session)` through their install; `bwv db upgrade` runs them
all after migrating, in registration order (so a domain's data may rely on an earlier one's).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

_ensurers: list[Callable[[Session], None]] = []


def register(ensure: Callable[[Session], None]) -> None:
    if ensure not in _ensurers:
        _ensurers.append(ensure)


def ensure_reference_data(session: Session) -> None:
    for ensure in _ensurers:
        ensure(session)
