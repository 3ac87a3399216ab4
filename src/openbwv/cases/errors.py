"""Errors of the cases domain (each carries its HTTP status; `api.problems` presents them)."""

from __future__ import annotations

from openbwv.errors import DomainError


class CaseError(DomainError):
    """A case change refused as asked (a bad crime reference, an unknown member...)."""

    title = "Refused"


class BadPage(DomainError):
    status = 400
    title = "Invalid page"
