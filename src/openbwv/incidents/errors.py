"""Errors of the incidents domain (each carries its HTTP status)."""

from __future__ import annotations

from openbwv.errors import DomainError, NotFound


class IncidentError(DomainError):
    """An import, link or case request that cannot be made as asked (422)."""

    title = "Invalid incident request"


class BadRows(IncidentError):
    """A CAD file with bad rows, none applied: each problem names its row and column."""

    title = "Bad CAD rows"


class NoSuchIncident(NotFound):
    title = "No such incident"
