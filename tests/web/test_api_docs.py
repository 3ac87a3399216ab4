"""The OpenAPI browser at /api/docs works offline and under the strict CSP: Swagger UI loads from
the platform itself, lists the API, and nothing is fetched from anywhere else."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.support.stack import Stack


def test_the_api_browser_loads_from_the_platform_alone(
    page: Page, live_server: str, stack: Stack
) -> None:
    elsewhere: list[str] = []
    page.on(
        "request",
        lambda request: (
            None if request.url.startswith(live_server) else elsewhere.append(request.url)
        ),
    )
    page.goto("/api/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("openbwv")
    expect(page.get_by_text("/api/v1/evidence/{evidence_id}/playback").first).to_be_visible()
    assert elsewhere == []
    assert page.js_errors == []  # type: ignore[attr-defined]  # CSP violations included
    served = httpx.get(f"{live_server}/api/docs")
    assert "script-src 'self'" in served.headers["content-security-policy"]
    assert "<script>" not in served.text  # no inline script: only files from the platform
