"""Browser routes for OpenID Connect sign-in: /auth/oidc/login and /auth/oidc/callback."""

from __future__ import annotations

import contextlib

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwv.access import oidc
from openbwv.access.auth_api import set_session_cookies
from openbwv.access.http import client_ip
from openbwv.access.models import User, UserRole
from openbwv.access.principals import principal_for_user
from openbwv.access.sessions import STAGE_FULL, start
from openbwv.access.users import UserError, resolve_borough
from openbwv.api.problems import Problem
from openbwv.audit.events import record
from openbwv.config import get_settings
from openbwv.db.session import unit_of_work
from openbwv.timeutil import utcnow

router = APIRouter(prefix="/auth/oidc", tags=["sign-in"])


def _redirect_uri(request: Request) -> str:
    return str(request.url_for("oidc_callback"))


@router.get("/login", summary="Sign in with the force's identity provider")
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


def _user_for(session: Session, identity: oidc.Identity) -> User:
    user = session.scalar(
        select(User).where(
            User.oidc_issuer == identity.issuer, User.oidc_subject == identity.subject
        )
    )
    if user is None:
        user = session.scalar(
            select(User).where(User.username == identity.username, User.oidc_subject.is_(None))
        )
        if user is None:
            if not get_settings().oidc_create_users:
                raise oidc.OidcError("no account here for this identity; ask an administrator")
            user = User(username=identity.username, display_name=identity.display_name)
            session.add(user)
        user.oidc_issuer, user.oidc_subject = identity.issuer, identity.subject
    if identity.borough:
        with contextlib.suppress(UserError):  # an unknown borough claim leaves it as it was
            user.borough = resolve_borough(session, identity.borough).gss_code
    user.roles = [UserRole(role=name) for name in identity.roles]  # the provider decides
    user.email = identity.email or user.email
    session.flush()
    return user


@router.get("/callback", name="oidc_callback", include_in_schema=False)
def oidc_callback(
    request: Request, code: str | None = None, state: str | None = None, error: str | None = None
) -> RedirectResponse:
    if error or not code or not state:
        raise Problem(400, "Sign-in refused", f"the identity provider said: {error or 'nothing'}")
    try:
        pending = oidc.read_pending(request.cookies.get(oidc.PENDING_COOKIE))
        identity = oidc.complete(code, state, pending, _redirect_uri(request))
    except oidc.OidcError as exc:
        raise Problem(401, "Sign-in refused", str(exc)) from exc
    try:
        with unit_of_work() as session:
            user = _user_for(session, identity)
            if not user.active:
                raise oidc.OidcError("this account is disabled")
            user.last_login_at = utcnow()
            new = start(
                session,
                user,
                stage=STAGE_FULL,
                ip=client_ip(request),
                user_agent=request.headers.get("user-agent"),
            )
            record(
                session,
                principal_for_user(session, user),
                "auth.login",
                source_ip=client_ip(request),
                details={"method": "oidc", "issuer": identity.issuer, "roles": identity.roles},
            )
    except oidc.OidcError as exc:
        raise Problem(403, "Sign-in refused", str(exc)) from exc
    response = RedirectResponse(pending.next_path, status_code=303)
    set_session_cookies(request, response, new.token, new.csrf_token)
    response.delete_cookie(oidc.PENDING_COOKIE, path="/auth/oidc/")
    return response
