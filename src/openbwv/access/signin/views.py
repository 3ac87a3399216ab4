"""Pages every user passes through: the start page, sign-in (password, TOTP, single sign-on)
and sign-out. Sign-in forms carry a pre-session CSRF token (double-submit cookie) against
login CSRF. The single sign-on routes (/auth/oidc/login and /auth/oidc/callback) are browser
redirects on a router of their own."""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from openbwv.access.deps import CHANGE_PASSWORD_PAGE, ENROL_PAGE
from openbwv.access.errors import EnrolmentRefused, SignInRefused, UserError
from openbwv.access.policy import roles
from openbwv.access.principal import Principal
from openbwv.access.signin import oidc, service
from openbwv.access.signin.http import (
    clear_session_cookies,
    complete_enrolment,
    complete_password_change,
    complete_second_factor,
    set_session_cookies,
    sign_in_with_password,
)
from openbwv.access.signin.passwords import MIN_PASSWORD_LENGTH, totp_uri
from openbwv.access.signin.sessions import COOKIE
from openbwv.api.context import Client
from openbwv.api.problems import Problem
from openbwv.db.session import unit_of_work
from openbwv.web.auth import Viewer
from openbwv.web.render import add_template_dir, render

router = APIRouter(include_in_schema=False)
oidc_router = APIRouter(prefix="/auth/oidc", tags=["sign-in"])
LOGIN_CSRF_COOKIE = "bwv_login_csrf"
add_template_dir(Path(__file__).parent / "templates")


def _login_form(
    request: Request,
    step: str = "password",
    error: str | None = None,
    next_path: str = "/",
    status: int = 200,
    expired: bool = False,
) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = render(
        request,
        "sign_in.html",
        {
            "step": step,
            "error": error,
            "expired": expired,  # a flag, never text from the URL
            "next": oidc.safe_next(next_path),
            "login_csrf": token,
            "oidc": oidc.configured(),
            "title": "Sign in",
        },
        status_code=status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/sign-in",
    )
    return response


def _check_login_csrf(request: Request, sent: str) -> None:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, sent):
        raise Problem(403, "Form expired", "reload the sign-in page and try again")


def landing_path(principal: Principal) -> str:
    """Where a person's work is, by what their roles let them do (roles can be made in the
    admin pages, so by permissions and scope, not by role names)."""
    sees_footage = principal.can(roles.VIEW)
    if principal.scope == "shared":
        return "/shared"  # external: only what is shared with them
    if principal.can(roles.AUDIT_READ) and not sees_footage:
        return "/audit"
    if principal.can(roles.USERS_MANAGE):
        return "/admin"
    if principal.can(roles.FLEET_READ) and not sees_footage:
        return "/fleet"
    if principal.can(roles.SAR_HANDLE):
        return "/subject-access"  # information rights: the open requests by days left
    if principal.scope == "team" and principal.team_id is not None:
        return "/team"
    if principal.can(roles.CASE_MANAGE):
        return "/cases"
    return "/footage" if sees_footage else "/cases"


@router.get("/")
def start_page(principal: Viewer) -> RedirectResponse:
    return RedirectResponse(landing_path(principal), status_code=303)


@router.get("/sign-in")
def sign_in_page(request: Request, next: str = "/", expired: bool = False) -> Response:
    """`expired=1`: the browser's session ended while it was in use (`web.auth`), so say so."""
    return _login_form(request, next_path=next, expired=expired)


@router.post("/sign-in")
def sign_in(
    request: Request,
    client: Client,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
    expired: Annotated[bool, Form()] = False,
) -> Response:
    _check_login_csrf(request, csrf_token)
    try:
        result = sign_in_with_password(client, username, password)
    except SignInRefused as exc:
        return _login_form(
            request, error=exc.detail, next_path=next, status=exc.status, expired=expired
        )
    target = oidc.safe_next(next)
    if result.needs_second_factor:
        target = f"/sign-in/second-factor?next={quote(target, safe='/')}"
    elif result.must_enrol_totp:
        target = f"{ENROL_PAGE}?next={quote(target, safe='/')}"
    elif result.must_change_password:
        target = f"{CHANGE_PASSWORD_PAGE}?next={quote(target, safe='/')}"
    response = RedirectResponse(target, status_code=303)
    set_session_cookies(request, response, result.new_session.token, result.new_session.csrf_token)
    return response


@router.get("/sign-in/second-factor")
def second_factor_page(request: Request, next: str = "/") -> Response:
    return _login_form(request, step="second_factor", next_path=next)


@router.post("/sign-in/second-factor")
def second_factor(
    request: Request,
    client: Client,
    code: Annotated[str, Form(max_length=8)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    _check_login_csrf(request, csrf_token)
    try:
        result = complete_second_factor(request, client, code)
    except SignInRefused as exc:
        return _login_form(
            request, step="second_factor", error=exc.detail, next_path=next, status=exc.status
        )
    target = oidc.safe_next(next)
    if result.must_change_password:
        target = f"{CHANGE_PASSWORD_PAGE}?next={quote(target, safe='/')}"
    response = RedirectResponse(target, status_code=303)
    set_session_cookies(request, response, result.new_session.token, result.new_session.csrf_token)
    return response


def _change_form(
    request: Request, csrf: str, next_path: str, error: str | None = None, status: int = 200
) -> Response:
    context = {
        "title": "Set a new password",
        "error": error,
        "next": oidc.safe_next(next_path),
        "change_csrf": csrf,
        "min_length": MIN_PASSWORD_LENGTH,
    }
    return render(request, "change_password.html", context, status_code=status)


def _pending_change_csrf(request: Request) -> str | None:
    """The CSRF token of the browser's temporary-password session; None if it has none."""
    with unit_of_work() as session:
        try:
            pending, _user = service.pending_password_change(
                session, request.cookies.get(COOKIE, "")
            )
        except SignInRefused:
            return None
        return pending.csrf_token


@router.get(CHANGE_PASSWORD_PAGE)
def change_password_page(request: Request, next: str = "/") -> Response:
    csrf = _pending_change_csrf(request)
    if csrf is None:
        return RedirectResponse("/sign-in", status_code=303)
    return _change_form(request, csrf, next)


@router.post(CHANGE_PASSWORD_PAGE)
def change_password(
    request: Request,
    client: Client,
    password: Annotated[str, Form(max_length=1024)],
    confirmation: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    csrf = _pending_change_csrf(request)
    if csrf is None:
        return RedirectResponse("/sign-in", status_code=303)
    if not hmac.compare_digest(csrf, csrf_token):
        raise Problem(403, "CSRF check failed", "reload the page and try again")
    if password != confirmation:
        return _change_form(request, csrf, next, "the two new passwords differ", 422)
    try:
        result = complete_password_change(request, client, password)
    except UserError as exc:  # too short, or the temporary password again
        return _change_form(request, csrf, next, exc.detail, exc.status)
    except SignInRefused:
        return RedirectResponse("/sign-in", status_code=303)
    response = RedirectResponse(oidc.safe_next(next), status_code=303)
    set_session_cookies(request, response, result.new_session.token, result.new_session.csrf_token)
    return response


# --- a second factor for an external account, enrolled before anything else --------------------


def _enrolment(request: Request, client: Client) -> tuple[str, str, str] | None:
    """(secret, otpauth URI, CSRF token) of the browser's enrolment session, or None."""
    with unit_of_work() as session:
        try:
            pending, user = service.pending_enrolment(session, request.cookies.get(COOKIE, ""))
        except SignInRefused:
            return None
        secret = service.enrolment_secret(session, user, source_ip=client.ip)
        return secret, totp_uri(secret, user.username), pending.csrf_token


def _enrol_form(
    request: Request,
    found: tuple[str, str, str],
    next_path: str,
    error: str | None = None,
    status: int = 200,
) -> Response:
    secret, uri, csrf = found
    context = {
        "title": "Set up your second factor",
        "secret": secret,
        "uri": uri,
        "enrol_csrf": csrf,
        "next": oidc.safe_next(next_path),
        "error": error,
    }
    return render(request, "enrol_totp.html", context, status_code=status)


@router.get(ENROL_PAGE)
def enrol_page(request: Request, client: Client, next: str = "/") -> Response:
    found = _enrolment(request, client)
    if found is None:
        return RedirectResponse("/sign-in", status_code=303)
    return _enrol_form(request, found, next)


@router.post(ENROL_PAGE)
def enrol(
    request: Request,
    client: Client,
    code: Annotated[str, Form(max_length=8)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    found = _enrolment(request, client)
    if found is None:
        return RedirectResponse("/sign-in", status_code=303)
    if not hmac.compare_digest(found[2], csrf_token):
        raise Problem(403, "CSRF check failed", "reload the page and try again")
    try:
        result = complete_enrolment(request, client, code)
    except EnrolmentRefused as exc:  # a wrong code
        return _enrol_form(request, found, next, exc.detail, exc.status)
    except SignInRefused:
        return RedirectResponse("/sign-in", status_code=303)
    target = oidc.safe_next(next)
    if result.must_change_password:
        target = f"{CHANGE_PASSWORD_PAGE}?next={quote(target, safe='/')}"
    response = RedirectResponse(target, status_code=303)
    set_session_cookies(request, response, result.new_session.token, result.new_session.csrf_token)
    return response


@router.post("/sign-out")
def sign_out(request: Request, principal: Viewer) -> Response:
    with unit_of_work() as session:
        service.sign_out(session, principal, request.cookies.get(COOKIE, ""), source_ip=None)
    response = RedirectResponse("/sign-in", status_code=303)
    clear_session_cookies(response)
    return response


# --- single sign-on ---------------------------------------------------------------------------


def _redirect_uri(request: Request) -> str:
    return str(request.url_for("oidc_callback"))


@oidc_router.get("/login", summary="Sign in with the force's identity provider")
def oidc_login(request: Request, next: str | None = None) -> RedirectResponse:
    try:
        target, cookie = oidc.begin(_redirect_uri(request), next)
    except oidc.OidcError as exc:
        raise Problem(400, "Single sign-on unavailable", str(exc)) from exc
    response = RedirectResponse(target, status_code=302)
    response.set_cookie(
        oidc.PENDING_COOKIE,
        cookie,
        max_age=oidc.PENDING_SECONDS,
        httponly=True,
        secure=request.url.scheme == "https",
        samesite="lax",
        path="/auth/oidc/",
    )
    return response


@oidc_router.get("/callback", name="oidc_callback", include_in_schema=False)
def oidc_callback(
    request: Request,
    client: Client,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
) -> RedirectResponse:
    # OidcError's status depends on the step: the provider's answer (401), our account (403).
    if error or not code or not state:
        raise Problem(400, "Sign-in refused", f"the identity provider said: {error or 'nothing'}")
    try:
        pending = oidc.read_pending(request.cookies.get(oidc.PENDING_COOKIE))
        identity = oidc.complete(code, state, pending, _redirect_uri(request))
    except oidc.OidcError as exc:
        raise Problem(401, "Sign-in refused", str(exc)) from exc
    try:
        with unit_of_work() as session:
            new = service.oidc_sign_in(session, identity, client)
    except oidc.OidcError as exc:
        raise Problem(403, "Sign-in refused", str(exc)) from exc
    response = RedirectResponse(pending.next_path, status_code=303)
    set_session_cookies(request, response, new.token, new.csrf_token)
    response.delete_cookie(oidc.PENDING_COOKIE, path="/auth/oidc/")
    return response
