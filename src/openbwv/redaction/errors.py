"""Errors of the redaction domain (each carries its HTTP status; `api.problems` presents them)."""

from __future__ import annotations

from openbwv.errors import Conflict, DomainError, NotFound


class RedactionError(DomainError):
    """A redaction request that cannot be used as given (422)."""

    title = "Invalid redaction"


class NoSuchRedaction(NotFound):
    title = "No such redaction"


class NotReady(Conflict):
    """The redaction is still detecting, rendering, or failed."""

    title = "Redaction not ready"


class Undecided(Conflict):
    """A render asked for while some tracks have no decision (redact or keep, with a reason)."""

    title = "Tracks undecided"


class NotRendered(NotFound):
    title = "Not rendered yet"


class NotVideo(Conflict):
    """The item has no readable video to redact (unreadable, disposed, still processing)."""

    title = "Nothing to redact"
