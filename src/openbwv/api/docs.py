"""The OpenAPI browser at /api/docs: Swagger UI 5 (it reads OpenAPI 3.1) served from the files of
the swagger-ui-py package (no CDN, no network) and started from a script file, so the strict
Content-Security-Policy holds."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/api/docs/assets"
PAGE = f"""<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>openbwv API</title>
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="/static/js/api-docs.js"></script>
</body>
</html>
"""


def _assets() -> Path:
    """swagger-ui-py's static files, found without importing the package (we use only them)."""
    spec = find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the swagger-ui-py package is missing: reinstall openbwv")
    return Path(spec.submodule_search_locations[0]) / "static"


def install(app: FastAPI) -> None:
    app.mount(ASSETS, StaticFiles(directory=_assets()))

    @app.get("/api/docs", include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        return HTMLResponse(PAGE)
