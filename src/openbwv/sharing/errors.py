"""Errors of the sharing domain (each carries its HTTP status; `api.problems` presents them)."""

from __future__ import annotations

from openbwv.errors import Conflict, DomainError, Gone, NotFound


class ShareRefused(DomainError):
    """A share that may not be made as asked (no reason, an item flagged do not disclose...)."""

    title = "Share refused"
    status = 422


class NotDisclosable(ShareRefused):
    """An item flagged do not disclose, or in a restricted category the sharer does not hold."""

    status = 403
    title = "Not disclosable"


class NoSuchShare(NotFound):
    pass


class NoSuchRecipient(NotFound):
    pass


class ShareEnded(Conflict):
    """A change to a share that was revoked (or has expired) as asked."""

    title = "Share ended"


class LinkGone(Gone):
    """A share link that is unknown, expired or revoked: 410, with a page that says so."""

    title = "Link no longer valid"


class TooManyAttempts(DomainError):
    status = 429
    title = "Too many attempts"


class ShareOver(Gone):
    """A recipient's request on a share that was revoked or has expired: 410. A package being
    streamed stops with it at its next check."""

    title = "Share ended"


class NoDownload(DomainError):
    """A share that gives viewing and playing only (or a link past its maximum downloads)."""

    status = 403
    title = "Download not allowed"
