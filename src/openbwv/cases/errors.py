"""Errors of the cases domain (each carries its HTTP status; `api.problems` presents them)."""

from __future__ import annotations

from openbwv.errors import Conflict, DomainError, NotFound


class CaseError(DomainError):
    """A case change refused as asked (a bad crime reference, an unknown member...)."""

    title = "Refused"


class BadPage(DomainError):
    status = 400
    title = "Invalid page"


class CaseClosed(Conflict):
    """A change a closed case does not take (linking items, adding members) until reopened."""

    title = "Case closed"


class CaseConflict(Conflict):
    """A change that clashes with the case as it stands (its last officer in the case, a status
    already set)."""


class NoSuchMember(NotFound):
    pass
