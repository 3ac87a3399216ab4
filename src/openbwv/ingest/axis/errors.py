"""Refusals of the Axis protocol, each with the status code the body worn system acts on."""

from __future__ import annotations


class SwiftError(Exception):
    """400: can never be stored; 401: credentials; 403: not allowed; 404: no such thing;
    422: the body does not match its ETag; 503: busy, retry soon; 507: out of storage."""

    def __init__(
        self, status: int, title: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.headers = headers or {}


def bad_request(detail: str) -> SwiftError:
    return SwiftError(400, "Bad Request", detail)


def forbidden(detail: str) -> SwiftError:
    return SwiftError(403, "Forbidden", detail)


def not_found(detail: str) -> SwiftError:
    return SwiftError(404, "Not Found", detail)


def unauthorised(detail: str) -> SwiftError:
    return SwiftError(401, "Unauthorized", detail)
