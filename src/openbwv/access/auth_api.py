"""Sign-in endpoints for browsers: password, TOTP, sign-out, who am I, TOTP enrolment."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from openbwv.access.deps import require_principal
from openbwv.access.http import client_ip
from openbwv.access.models import User
from openbwv.access.passwords import new_totp_secret, totp_uri, verify_totp
from openbwv.access.principal import Principal
from openbwv.access.sessions import (
    COOKIE,
    CSRF_COOKIE,
    STAGE_SECOND_FACTOR,
    end,
    lookup,
)
from openbwv.access.signin import SignedIn, SignInRefused, password_step, totp_step
from openbwv.api.problems import Problem
from openbwv.audit.events import record
from openbwv.config import get_settings
from openbwv.db.session import unit_of_work

router = APIRouter(prefix="/api/v1/auth", tags=["sign-in"])
Authed = Annotated[Principal, Depends(require_principal)]


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class TotpCode(BaseModel):
    code: str = Field(min_length=6, max_length=8)


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


def _signed_in_body(result: SignedIn) -> dict[str, object]:
    return {
        "user": result.principal.name,
        "roles": list(result.principal.roles),
        "second_factor_required": result.needs_second_factor,
        "csrf_token": result.new_session.csrf_token,
    }


def sign_in_with_password(request: Request, username: str, password: str) -> SignedIn:
    refused: SignInRefused | None = None
    with unit_of_work() as session:  # failures are recorded and committed too
        try:
            result = password_step(
                session,
                username,
                password,
                ip=client_ip(request),
                user_agent=request.headers.get("user-agent"),
            )
        except SignInRefused as exc:
            refused = exc
    if refused is not None:
        raise Problem(refused.status, "Sign-in refused", refused.detail)
    return result


def complete_second_factor(request: Request, code: str) -> SignedIn:
    cookie = request.cookies.get(COOKIE, "")
    refused: SignInRefused | None = None
    with unit_of_work() as session:
        found = lookup(session, cookie)
        if found is None or found[0].stage != STAGE_SECOND_FACTOR:
            raise Problem(401, "Sign-in refused", "sign in with your password first")
        pending, user = found
        try:
            result = totp_step(
                session,
                pending,
                user,
                code,
                ip=client_ip(request),
                user_agent=request.headers.get("user-agent"),
            )
        except SignInRefused as exc:
            refused = exc
    if refused is not None:
        raise Problem(refused.status, "Sign-in refused", refused.detail)
    return result


@router.post("/login", summary="Sign in with username and password")
def login(credentials: Credentials, request: Request, response: Response) -> dict[str, object]:
    result = sign_in_with_password(request, credentials.username, credentials.password)
    set_session_cookies(request, response, result.new_session.token, result.new_session.csrf_token)
    return _signed_in_body(result)


@router.post("/totp", summary="Second factor: a TOTP code")
def totp(code: TotpCode, request: Request, response: Response) -> dict[str, object]:
    result = complete_second_factor(request, code.code)
    set_session_cookies(request, response, result.new_session.token, result.new_session.csrf_token)
    return _signed_in_body(result)


@router.post("/logout", status_code=204, summary="Sign out")
def logout(request: Request, principal: Authed) -> Response:
    cookie = request.cookies.get(COOKIE, "")
    with unit_of_work() as session:
        found = lookup(session, cookie)
        if found is not None:
            end(session, found[0])
        record(session, principal, "auth.logout", source_ip=client_ip(request))
    response = Response(status_code=204)
    clear_session_cookies(response)
    return response


@router.get("/me", summary="The signed-in principal")
def me(principal: Authed) -> dict[str, object]:
    return {
        "id": str(principal.id),
        "name": principal.name,
        "kind": principal.kind,
        "roles": list(principal.roles),
        "permissions": sorted(principal.permissions),
        "scope": principal.scope,
        "borough": principal.borough,
    }


@router.post("/totp/enrol", summary="Start TOTP enrolment (returns the secret once)")
def enrol_totp(request: Request, principal: Authed) -> dict[str, str]:
    if principal.user_id is None:
        raise Problem(400, "Not a user", "only people enrol a second factor")
    secret = new_totp_secret()
    with unit_of_work() as session:
        user = session.get(User, principal.user_id)
        assert user is not None
        user.totp_secret = secret
        user.totp_enabled = False
        record(session, principal, "auth.totp_enrol_start", source_ip=client_ip(request))
        username = user.username
    return {"secret": secret, "otpauth_uri": totp_uri(secret, username)}


@router.post("/totp/confirm", summary="Confirm TOTP enrolment with a first code")
def confirm_totp(code: TotpCode, request: Request, principal: Authed) -> dict[str, bool]:
    with unit_of_work() as session:
        user = session.get(User, principal.user_id) if principal.user_id else None
        if user is None or not user.totp_secret:
            raise Problem(400, "No enrolment", "start enrolment first")
        step = verify_totp(user.totp_secret, code.code, user.totp_last_step)
        if step is None:
            raise Problem(400, "Wrong code", "the code does not match; check the device clock")
        user.totp_enabled = True
        user.totp_last_step = step
        record(session, principal, "auth.totp_enrolled", source_ip=client_ip(request))
    return {"totp_enabled": True}
