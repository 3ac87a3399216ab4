"""The FastAPI application, built from what the domains contributed: problem details, the API
browser at /api/docs, the web layer, then every domain's routers (API and pages)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from openbwv import __version__
from openbwv.api import docs as api_docs
from openbwv.api import health, openapi, problems
from openbwv.config import get_settings
from openbwv.logging import configure_logging
from openbwv.platform import Platform
from openbwv.web import views as web_views


def build_app(platform: Platform) -> FastAPI:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json, settings.log_file)
    app = FastAPI(
        title="openbwv",
        version=__version__,
        summary="Body-worn video evidence: camera to court.",
        docs_url=None,  # our own page (api/docs.py): vendored assets, strict CSP
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    problems.install(app)
    api_docs.install(app)
    web_views.install(app)
    for hook in platform.app_hooks:
        hook(app)
    for router in routers(platform):
        app.include_router(router)
    openapi.install(app, (route for _, _, route in api_routes(routers(platform))))
    warm_route_table(app)
    return app


WARM_UP_SCOPE: dict[str, Any] = {
    "type": "http",
    "path": "/\x00warm-up",
    "method": "GET",
    "headers": [],
}


def warm_route_table(app: FastAPI) -> None:
    """Build every included router's routes now. FastAPI builds them (dependants, pydantic
    adapters: about a second of CPU in all) on the first request that reaches each router, on
    the event loop, so the first burst after a start stalled behind it (profiled: the Axis
    uploads of the burst benchmark waited seconds). A path no route matches visits them all."""
    for route in app.router.routes:
        route.matches(dict(WARM_UP_SCOPE))


def routers(platform: Platform) -> list[APIRouter]:
    """The infrastructure's own routers (health), then the domains'."""
    return [health.router, *platform.routers]


def api_routes(all_routers: Iterable[APIRouter]) -> list[tuple[str, str, APIRoute]]:
    """Every (method, path, route) the application serves: the table the authorisation tests
    are generated from, so a new endpoint cannot escape them."""
    table: list[tuple[str, str, APIRoute]] = []
    for router in all_routers:
        for route in router.routes:
            if isinstance(route, APIRoute):
                table.extend((method, route.path, route) for method in sorted(route.methods or ()))
    return table
