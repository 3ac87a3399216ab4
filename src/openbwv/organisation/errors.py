"""Organisation errors: each carries its HTTP status (see `openbwv.errors`)."""

from __future__ import annotations

from openbwv.errors import DomainError


class UnknownBorough(DomainError, ValueError):
    """A borough reference that is neither a GSS code nor a name (HTTP 422)."""

    title = "Unknown borough"
