"""The web layer's plumbing: static files, security headers, page sign-in redirects and HTML
error pages. Pages themselves live in the domains (their `views` modules)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from openbwv.access.deps import signed_in_browser
from openbwv.api import problems
from openbwv.config import get_settings
from openbwv.web import auth, security
from openbwv.web.render import render


def _html_error(request: Request, status: int, title: str, detail: str | None) -> Response:
    if getattr(request.state, "principal", None) is None:
        # A page that is not found never authenticated: find the signed-in person anyway, so
        # the error keeps the navigation and Sign out.
        found = signed_in_browser(request)
        if found is not None:
            request.state.principal, request.state.csrf_token = found
    return render(
        request,
        "error.html",
        {"status": status, "title": title, "detail": detail},
        status_code=status,
    )


def install(app: FastAPI) -> None:
    """Static files, security headers, page sign-in redirects and HTML error pages."""
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    settings = get_settings()
    # The maps draw tiles only when the policy allows their origin: both come from here.
    app.state.map_tiles = (settings.map_tile_url, settings.map_tile_attribution)
    app.add_middleware(security.SecurityHeaders, tile_origin=settings.map_tile_origin)
    auth.install(app)
    problems.html_renderer = _html_error
