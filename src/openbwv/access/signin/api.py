"""Sign-in endpoints for browsers: password, TOTP, sign-out, who am I, TOTP enrolment."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from openbwv.access.deps import CHANGE_PASSWORD_PAGE, require_principal
from openbwv.access.errors import NotAPerson
from openbwv.access.principal import Principal
from openbwv.access.signin import service
from openbwv.access.signin.http import (
    clear_session_cookies,
    complete_second_factor,
    set_session_cookies,
    sign_in_with_password,
)
from openbwv.access.signin.passwords import totp_uri
from openbwv.access.signin.service import SignedIn
from openbwv.access.signin.sessions import COOKIE
from openbwv.api.context import Client
from openbwv.api.problems import Problem
from openbwv.db.session import unit_of_work

router = APIRouter(prefix="/api/v1/auth", tags=["sign-in"])
Authed = Annotated[Principal, Depends(require_principal)]


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class TotpCode(BaseModel):
    code: str = Field(min_length=6, max_length=8)


def _signed_in_body(result: SignedIn) -> dict[str, object]:
    if result.must_change_password:
        # The password is right but temporary: the new one is set in a browser (decisions.md).
        raise Problem(
            403,
            "Password change required",
            "this account has a temporary password: sign in at /sign-in in a browser and set a "
            f"new one ({CHANGE_PASSWORD_PAGE}) before signing in here",
        )
    if result.must_enrol_totp:
        # External accounts must have a second factor; it is enrolled in a browser.
        raise Problem(
            403,
            "Second factor required",
            "external accounts need a second factor: sign in at /sign-in in a browser and enrol "
            "one before signing in here",
        )
    return {
        "user": result.principal.name,
        "roles": list(result.principal.roles),
        "second_factor_required": result.needs_second_factor,
        "csrf_token": result.new_session.csrf_token,
    }


@router.post("/login", summary="Sign in with username and password")
def login(
    credentials: Credentials, request: Request, response: Response, client: Client
) -> dict[str, object]:
    result = sign_in_with_password(client, credentials.username, credentials.password)
    body = _signed_in_body(result)
    set_session_cookies(request, response, result.new_session.token, result.new_session.csrf_token)
    return body


@router.post("/totp", summary="Second factor: a TOTP code")
def totp(code: TotpCode, request: Request, response: Response, client: Client) -> dict[str, object]:
    result = complete_second_factor(request, client, code.code)
    body = _signed_in_body(result)
    set_session_cookies(request, response, result.new_session.token, result.new_session.csrf_token)
    return body


@router.post("/logout", status_code=204, summary="Sign out")
def logout(request: Request, principal: Authed, client: Client) -> Response:
    with unit_of_work() as session:
        service.sign_out(session, principal, request.cookies.get(COOKIE, ""), source_ip=client.ip)
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
def enrol_totp(principal: Authed, client: Client) -> dict[str, str]:
    if principal.user_id is None:
        raise NotAPerson("only people enrol a second factor")
    with unit_of_work() as session:
        secret, username = service.start_totp_enrolment(
            session, principal, principal.user_id, source_ip=client.ip
        )
    return {"secret": secret, "otpauth_uri": totp_uri(secret, username)}


@router.post("/totp/confirm", summary="Confirm TOTP enrolment with a first code")
def confirm_totp(code: TotpCode, principal: Authed, client: Client) -> dict[str, bool]:
    with unit_of_work() as session:
        service.confirm_totp_enrolment(session, principal, code.code, source_ip=client.ip)
    return {"totp_enabled": True}
