"""Page authentication: the signed-in person, or a redirect to the sign-in page.

The same rules as the API (`access.deps.require_principal`), so forms posted by a browser must
carry the session's CSRF token; a missing session sends the browser to /sign-in instead of 401.
The redirect names the page the person was on (`next`), never a POST-only URL that would answer
405 after signing in, and says `expired=1` when the browser sent a session cookie that no longer
finds a live session (so the sign-in page can say why; `static/js/app.js` keeps what was typed).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.routing import Match

from openbwv.access.deps import COOKIE, SAFE_METHODS, require_principal
from openbwv.access.principal import Principal
from openbwv.api.problems import Problem


class SignInRequired(Exception):
    def __init__(self, next_path: str, expired: bool = False) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.expired = expired


def _is_page(request: Request, path: str) -> bool:
    """Whether a GET of this path reaches a route (so signing in can land there)."""
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "root_path": "",
        "query_string": b"",
        "headers": [],
    }
    return any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes)


def _same_origin_target(request: Request, url: str | None) -> str | None:
    """The path and query of a same-origin URL that a GET can show, else None."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.netloc != request.url.netloc or not parts.path.startswith("/"):
        return None
    if parts.path.startswith("//") or not _is_page(request, parts.path):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _nearest_page(request: Request, path: str) -> str:
    """The form's own page: the POST URL's nearest ancestor a GET can show (e.g.
    /evidence/{id}/categories -> /evidence/{id}), else the start page."""
    segments = path.rstrip("/").split("/")
    while len(segments) > 1:
        segments.pop()
        candidate = "/".join(segments) or "/"
        if _is_page(request, candidate):
            return candidate
    return "/"


def return_path(request: Request) -> str:
    """Where to come back to after signing in: the page itself for a page GET; for htmx requests
    and changes, the page the person was on (htmx's current URL, else a same-origin Referer),
    else the form's own page; never the POST URL."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    is_htmx = bool(request.headers.get("hx-request"))
    if request.method in SAFE_METHODS and not is_htmx:
        return here
    for candidate in (request.headers.get("hx-current-url"), request.headers.get("referer")):
        target = _same_origin_target(request, candidate)
        if target is not None:
            return target
    if request.method in SAFE_METHODS:
        return here
    return _nearest_page(request, request.url.path)


async def page_principal(request: Request) -> Principal:
    try:
        return await require_principal(request)
    except Problem as exc:
        if exc.status == 401:
            # A cookie was presented but found no live session: it expired (or was ended).
            expired = bool(request.cookies.get(COOKIE))
            raise SignInRequired(return_path(request), expired=expired) from exc
        raise


Viewer = Annotated[Principal, Depends(page_principal)]


def install(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def _to_sign_in(request: Request, exc: SignInRequired) -> Response:
        location = f"/sign-in?next={quote(exc.next_path, safe='/')}"
        if exc.expired:
            location += "&expired=1"
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": location})
        return RedirectResponse(location, status_code=303)
