"""Errors of subject access requests (each carries its HTTP status)."""

from __future__ import annotations

from openbwv.errors import Conflict, DomainError, NotFound


class SarError(DomainError):
    """A request, pause, extension, restriction or release that cannot be made as asked (422)."""

    title = "Invalid subject access request"


class NoSuchRequest(NotFound):
    title = "No such subject access request"


class NoSuchRequestItem(NotFound):
    title = "Not an item of this request"


class RequestClosed(Conflict):
    title = "Subject access request closed"
