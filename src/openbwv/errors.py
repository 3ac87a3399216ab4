"""The one base of every domain's errors: each carries its HTTP status and title, so one handler
(`api.problems`) turns any of them into RFC 9457 problem details and the CLI into a message and an
exit code. Domains subclass these in their own `errors.py`; nobody converts them by hand."""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """A request the platform refuses as it stands (HTTP 422 unless a subclass says otherwise)."""

    status: ClassVar[int] = 422
    title: ClassVar[str] = "Invalid request"
    exit_code: ClassVar[int] = 2  # the CLI's: 2 unusable input, 1 refused

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions
        self.headers: dict[str, str] = {}


class NotFound(DomainError):
    status = 404
    title = "Not found"
    exit_code = 1


class Conflict(DomainError):
    """The request clashes with the current state (e.g. a camera already assigned)."""

    status = 409
    title = "Conflict"
    exit_code = 1


class Gone(DomainError):
    status = 410
    title = "Gone"
    exit_code = 1
