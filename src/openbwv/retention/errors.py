"""Errors of the retention domain (each carries its HTTP status)."""

from __future__ import annotations

from openbwv.errors import Conflict, DomainError, NotFound


class RetentionError(DomainError):
    """A hold, review, restore or policy change that cannot be made as asked (422)."""

    title = "Invalid retention request"


class NoSuchHold(NotFound):
    title = "No such hold"


class NoSuchRun(NotFound):
    title = "No such retention run"


class NotQueued(Conflict):
    title = "Not in the deletion queue"


class NotDueForReview(Conflict):
    title = "Not due for review"


class HoldReleased(Conflict):
    title = "Hold already released"
