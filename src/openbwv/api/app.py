"""The FastAPI application: every router, problem details, OpenAPI at /api/docs."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from openbwv import __version__
from openbwv.access import admin_api, auth_api, oidc_api, reports_api
from openbwv.access import http as access_http
from openbwv.access import views as access_views
from openbwv.api import docs as api_docs
from openbwv.api import health, problems
from openbwv.audit import api as audit_api
from openbwv.cases import api as cases_api
from openbwv.cases import views as cases_views
from openbwv.config import get_settings
from openbwv.evidence import annotations_api, page_actions, review_api, search_views
from openbwv.evidence import api as evidence_api
from openbwv.evidence import views as evidence_views
from openbwv.fleet import api as fleet_api
from openbwv.fleet import import_views as fleet_import_views
from openbwv.fleet import views as fleet_views
from openbwv.ingest import api as ingest_api
from openbwv.ingest import views as ingest_views
from openbwv.ingest.axis import api as axis_api
from openbwv.logging import configure_logging
from openbwv.web import views as web_views


def create_app() -> FastAPI:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
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
    access_http.install(app)
    for router in ROUTERS:
        app.include_router(router)
    return app


ROUTERS: list[APIRouter] = [
    health.router,
    auth_api.router,
    oidc_api.router,
    ingest_api.router,
    evidence_api.router,
    review_api.router,
    cases_api.router,
    admin_api.router,
    reports_api.router,
    audit_api.router,
    fleet_api.router,
    axis_api.router,
    web_views.router,
    annotations_api.router,
    evidence_views.router,
    page_actions.router,
    search_views.router,
    cases_views.router,
    fleet_views.router,
    fleet_import_views.router,
    access_views.router,
    ingest_views.router,
]


def api_routes() -> list[tuple[str, str, APIRoute]]:
    """Every (method, path, route) the application serves: the table the authorisation tests
    are generated from, so a new endpoint cannot escape them."""
    table: list[tuple[str, str, APIRoute]] = []
    for router in ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute):
                table.extend((method, route.path, route) for method in sorted(route.methods or ()))
    return table
