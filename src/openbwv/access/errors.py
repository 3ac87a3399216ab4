"""The access domain's errors. All but `AccessDenied` are domain errors carrying their HTTP
status, so the app's one handler (`api.problems`) answers them and nobody converts them by hand."""

from __future__ import annotations

import uuid

from openbwv.errors import DomainError, NotFound


class AccessDenied(Exception):
    """A refused action. `status` 404 hides whether the item exists; 403 when it is visible.

    Not a domain error: its own handler (`access.http`) records every refusal in the audit log
    before answering, and its status depends on what the principal may see."""

    def __init__(
        self,
        action: str,
        detail: str,
        *,
        status: int = 403,
        evidence_id: uuid.UUID | None = None,
        target: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.action = action
        self.detail = detail
        self.status = status
        self.evidence_id = evidence_id
        self.target = target


class UserError(DomainError):
    """A change to people, roles, grants, tokens or categories that the platform refuses, with a
    message for the operator (a 422 in the API, shown on the form in the pages, exit 2 in the
    CLI). `fleet.http` relies on the 422."""

    title = "Refused"


class WeakPassword(UserError):
    """A password too short to accept."""


class AdminNotFound(NotFound):
    """The thing to change does not exist (or is no longer active)."""


class SignInRefused(DomainError):
    """A failed sign-in step; the message never says whether the account exists."""

    status = 401
    title = "Sign-in refused"
    exit_code = 1


class TooManySignIns(SignInRefused):
    """Too many failures from one address in the lockout window (password spraying)."""

    status = 429


class EnrolmentRefused(DomainError):
    """A second-factor enrolment step that cannot go ahead."""

    status = 400


class NotAPerson(EnrolmentRefused):
    title = "Not a user"


class NoEnrolment(EnrolmentRefused):
    title = "No enrolment"


class WrongCode(EnrolmentRefused):
    title = "Wrong code"
