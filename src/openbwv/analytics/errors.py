"""Errors of the analytics domain (each carries its HTTP status)."""

from __future__ import annotations

from openbwv.errors import Conflict, DomainError, NotFound


class AnalyticsError(DomainError):
    """A complaint, count or evaluation request that cannot be met as asked (422)."""

    title = "Invalid analytics request"


class NoSuchComplaint(NotFound):
    title = "No such complaint"


class ComplaintConflict(Conflict):
    title = "Complaint conflict"


class BadCounts(AnalyticsError):
    """A counts CSV with bad rows: nothing was applied; `errors` lists row, column, message."""

    title = "Bad counts file"
