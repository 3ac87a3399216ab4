"""The composition root: the one module that imports every domain.

It lists the domains in order, asks each to install itself into one `Platform`, and builds the
web application and the command line from what they contributed. Infrastructure (`api`, `web`,
`jobs`, `db`, `cli`) reads the platform and never imports a domain. Every process starts here:
`bwv` (the CLI), the API server (`create_app`, a uvicorn factory) and the workers (`bwv worker`).
"""

from __future__ import annotations

from functools import cache

import typer
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import MetaData

from openbwv.access import install as access
from openbwv.analytics import install as analytics
from openbwv.api import app as api_app
from openbwv.audit import install as audit
from openbwv.cases import install as cases
from openbwv.categories import install as categories
from openbwv.cli import main as cli_main
from openbwv.db.base import Base
from openbwv.evidence import install as evidence
from openbwv.fleet import install as fleet
from openbwv.incidents import install as incidents
from openbwv.ingest import install as ingest
from openbwv.organisation import install as organisation
from openbwv.platform import Platform
from openbwv.redaction import install as redaction
from openbwv.retention import install as retention
from openbwv.sharing import install as sharing
from openbwv.simulate import install as simulate
from openbwv.subject_access import install as subject_access
from openbwv.transcription import install as transcription

# In order: a domain's reference data may rely on an earlier one's (teams need boroughs).
DOMAINS = (
    organisation,
    categories,
    fleet,
    access,
    audit,
    evidence,
    cases,
    retention,
    redaction,
    sharing,
    subject_access,
    transcription,
    incidents,
    ingest,
    analytics,
    simulate,
)
APP_FACTORY = "openbwv.composition:create_app"  # for uvicorn (`bwv serve`, the embedded API)


@cache
def compose() -> Platform:
    """Every domain installed, once per process."""
    platform = Platform()
    for domain in DOMAINS:
        domain.install(platform)
    return platform


def create_app() -> FastAPI:
    return api_app.build_app(compose())


def api_routes() -> list[tuple[str, str, APIRoute]]:
    """Every (method, path, route) of the application (the authorisation tests' table)."""
    return api_app.api_routes(api_app.routers(compose()))


def metadata() -> MetaData:
    """Every table of every domain (the domains' models are imported by their installs)."""
    compose()
    return Base.metadata


@cache
def cli() -> typer.Typer:
    return cli_main.build_cli(compose())


def main() -> None:
    cli()()


if __name__ == "__main__":
    main()
