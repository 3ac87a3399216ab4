"""FastAPI dependencies: the authenticated principal of a request.

Two ways in: `Authorization: Bearer <token>` (devices, integrations, scripts) or the session
cookie of a signed-in browser. Cookie-authenticated requests that change anything must carry the
session's CSRF token (header `X-CSRF-Token` or form field `csrf_token`); bearer requests cannot be
forged cross-site, so they need none.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated

from anyio import to_thread
from fastapi import Depends, Request

from openbwv.access.errors import AccessDenied
from openbwv.access.policy.queries import principal_for_user
from openbwv.access.principal import Principal
from openbwv.access.signin.service import find_session, touch_token, verify_token
from openbwv.access.signin.sessions import (
    COOKIE,
    CSRF_FIELD,
    CSRF_HEADER,
    STAGE_CHANGE_PASSWORD,
    STAGE_ENROL_TOTP,
    STAGE_FULL,
)
from openbwv.access.signin.token_cache import VERIFIED
from openbwv.access.signin.tokens import hash_token
from openbwv.api.problems import Problem
from openbwv.db.session import read_only_unit_of_work, unit_of_work

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="openbwv"'}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CHANGE_PASSWORD_PAGE = "/sign-in/change-password"  # noqa: S105 - a path, not a secret
ENROL_PAGE = "/sign-in/enrol-second-factor"


class PasswordChangeRequired(Problem):
    """A browser signed in with a temporary password: nothing but the change-password page until
    it sets a new one (`access.http` sends pages there; the API answers this 403)."""

    page = CHANGE_PASSWORD_PAGE

    def __init__(self) -> None:
        super().__init__(
            403,
            "Password change required",
            f"you signed in with a temporary password: set a new one at {CHANGE_PASSWORD_PAGE}",
        )


class EnrolmentRequired(PasswordChangeRequired):
    """An external account signed in without a second factor: nothing but enrolling one
    (`access.http` sends pages to ENROL_PAGE; the API answers this 403)."""

    page = ENROL_PAGE

    def __init__(self) -> None:
        Problem.__init__(
            self,
            403,
            "Second factor required",
            f"external accounts need a second factor: enrol one at {ENROL_PAGE}",
        )


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


async def _csrf_value(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


def _from_token(token: str) -> Principal | None:
    """The token's principal: from the cache of verified tokens (`token_cache`: a revocation
    is honoured at once in this process, within its SECONDS in others), else looked up in a
    read-only transaction (no write lock; the last use is written only when it is stale)."""
    key = hash_token(token)
    cached = VERIFIED.get(key)
    if cached is not None:
        return cached
    generation = VERIFIED.generation
    with read_only_unit_of_work() as session:
        found = verify_token(session, token)
    if found is None:
        return None
    if found.stale:
        with unit_of_work() as session:
            touch_token(session, found.principal.id)
    # Not kept if a change (the touch too) emptied the cache meanwhile; the next request keeps it.
    VERIFIED.put(key, found.principal, found.expires_at, generation)
    return found.principal


def _from_cookie(request: Request, cookie: str) -> tuple[Principal, str] | None:
    with unit_of_work() as session:
        found = find_session(session, cookie)
        if found is None:
            return None
        record, user = found
        if record.stage == STAGE_CHANGE_PASSWORD:
            raise PasswordChangeRequired()
        if record.stage == STAGE_ENROL_TOTP:
            raise EnrolmentRequired()
        if record.stage != STAGE_FULL:
            return None
        return principal_for_user(session, user, session_id=record.id), record.csrf_token


async def require_principal(request: Request) -> Principal:
    """Every endpoint but health and tus OPTIONS depends on this: deny unless authenticated."""
    token = bearer_token(request)
    if token is not None:
        # A token verified a moment ago is answered here; database work runs in a worker
        # thread: never block the event loop.
        principal = VERIFIED.get(hash_token(token)) or await to_thread.run_sync(_from_token, token)
        if principal is None:
            raise Problem(
                401, "Invalid token", "the token is unknown, revoked or expired", headers=CHALLENGE
            )
        request.state.principal = principal
        return principal
    cookie = request.cookies.get(COOKIE)
    found = await to_thread.run_sync(_from_cookie, request, cookie) if cookie else None
    if found is None:
        raise Problem(
            401,
            "Authentication required",
            "sign in, or send 'Authorization: Bearer <token>'",
            headers=CHALLENGE,
        )
    principal, csrf_token = found
    if request.method not in SAFE_METHODS:
        sent = await _csrf_value(request)
        if not sent or not hmac.compare_digest(sent, csrf_token):
            raise Problem(
                403,
                "CSRF check failed",
                "a signed-in browser must send the page's CSRF token with changes",
            )
    request.state.principal = principal
    request.state.csrf_token = csrf_token
    return principal


async def optional_principal(request: Request) -> Principal | None:
    """For what is public by nature (the audit log's verifier key and checkpoint): None for a
    request that presents no credentials; one that presents them is authenticated as anywhere
    else (a bad token is still 401, never quietly anonymous)."""
    if bearer_token(request) is None and COOKIE not in request.cookies:
        return None
    return await require_principal(request)


def requires_any(*permissions: str) -> Callable[[Principal], Principal]:
    """A dependency: the authenticated principal, if it holds any of `permissions` (else a
    recorded refusal). Domains name their own, e.g. fleet's `Reader = Annotated[Principal,
    Depends(requires_any(FLEET_READ))]`. As a dependency it runs before the body is validated, so
    a refused caller learns nothing from validation errors."""

    def check(principal: Annotated[Principal, Depends(require_principal)]) -> Principal:
        if not any(principal.can(p) for p in permissions):
            raise AccessDenied(
                permissions[0], f"your role does not allow {' or '.join(permissions)}"
            )
        return principal

    return check


def signed_in_browser(request: Request) -> tuple[Principal, str] | None:
    """Who is signed in to this browser and their session's CSRF token, for showing them the
    navigation and Sign out on an error page of a route that never authenticated; never for
    deciding what they may do."""
    cookie = request.cookies.get(COOKIE)
    try:
        return _from_cookie(request, cookie) if cookie else None
    except PasswordChangeRequired:
        return None  # signed in with a temporary password: no navigation until it is changed
