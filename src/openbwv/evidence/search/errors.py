"""Errors of searching (each carries its HTTP status)."""

from __future__ import annotations

from openbwv.errors import DomainError, NotFound


class SavedSearchError(DomainError):
    """A search that cannot be saved as asked (no name, too many, too long)."""

    title = "Not saved"


class NoSuchSavedSearch(NotFound):
    pass
