"""HTTP pieces shared by the sign-in API and the sign-in pages: the session cookies, and the units
of work for the sign-in steps, which commit a refused attempt's record before refusing."""

from __future__ import annotations

from fastapi import Request, Response

from openbwv.access.errors import SignInRefused
from openbwv.access.signin import service
from openbwv.access.signin.service import SignedIn
from openbwv.access.signin.sessions import COOKIE, CSRF_COOKIE
from openbwv.api.context import ClientContext
from openbwv.config import get_settings
from openbwv.db.session import unit_of_work


def set_session_cookies(request: Request, response: Response, token: str, csrf: str) -> None:
    settings = get_settings()
    secure = settings.cookie_secure
    if secure is None:
        secure = request.url.scheme == "https"
    max_age = int(settings.session_hours * 3600)
    response.set_cookie(
        COOKIE, token, httponly=True, secure=secure, samesite="strict", max_age=max_age, path="/"
    )
    # Readable by the page's script so it can send the header; useless to another site.
    response.set_cookie(
        CSRF_COOKIE,
        csrf,
        httponly=False,
        secure=secure,
        samesite="strict",
        max_age=max_age,
        path="/",
    )


def clear_session_cookies(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


def sign_in_with_password(client: ClientContext, username: str, password: str) -> SignedIn:
    """The password step; SignInRefused after the failure is committed."""
    refused: SignInRefused | None = None
    with unit_of_work() as session:  # failures are recorded and committed too
        try:
            result = service.password_step(
                session, username, password, ip=client.ip, user_agent=client.user_agent
            )
        except SignInRefused as exc:
            refused = exc
    if refused is not None:
        raise refused
    return result


def complete_second_factor(request: Request, client: ClientContext, code: str) -> SignedIn:
    """The TOTP step for the browser's half-way session; SignInRefused after it is committed."""
    cookie = request.cookies.get(COOKIE, "")
    refused: SignInRefused | None = None
    with unit_of_work() as session:
        pending, user = service.pending_second_factor(session, cookie)
        try:
            result = service.totp_step(
                session, pending, user, code, ip=client.ip, user_agent=client.user_agent
            )
        except SignInRefused as exc:
            refused = exc
    if refused is not None:
        raise refused
    return result


def complete_password_change(request: Request, client: ClientContext, password: str) -> SignedIn:
    """A new password for the browser's temporary-password session (SignInRefused if it has
    none; WeakPassword for a password it refuses)."""
    with unit_of_work() as session:
        pending, user = service.pending_password_change(session, request.cookies.get(COOKIE, ""))
        return service.change_password(
            session, pending, user, password, ip=client.ip, user_agent=client.user_agent
        )


def complete_enrolment(request: Request, client: ClientContext, code: str) -> SignedIn:
    """A first TOTP code for an external account's enrolment session (SignInRefused if it has
    none; WrongCode for a bad code)."""
    with unit_of_work() as session:
        pending, user = service.pending_enrolment(session, request.cookies.get(COOKIE, ""))
        return service.complete_enrolment(
            session, pending, user, code, ip=client.ip, user_agent=client.user_agent
        )
