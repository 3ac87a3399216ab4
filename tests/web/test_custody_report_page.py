"""The HTML custody report in the browser (issue 9, item 2): its inline stylesheet is allowed by
its hash, so it renders styled with no CSP error, fits an A4-width viewport and prints."""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.sync_api import Page

from openbwv.media.synth import make_clip
from tests.support.evidence import ingest
from tests.support.stack import Stack
from tests.web.conftest import watch_page_errors

A4_WIDTH = 794  # CSS pixels at 96 dpi
A4_HEIGHT = 1123


def test_the_html_custody_report_is_styled_fits_a4_and_prints(
    page: Page, stack: Stack, live_server: str, tmp_path: Path
) -> None:
    officer = stack.user("officer", borough="E09000021", team="Report Team")
    token = stack.user_token(officer)
    with httpx.Client(
        base_url=live_server, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as api:
        url = ingest(api, make_clip(tmp_path / "report.mp4", seconds=1, seed=9090))
    item_id = url.rstrip("/").rsplit("/", 1)[-1]
    page.context.set_extra_http_headers({"Authorization": f"Bearer {token}"})
    errors = watch_page_errors(page)
    page.set_viewport_size({"width": A4_WIDTH, "height": A4_HEIGHT})
    response = page.goto(f"/api/v1/evidence/{item_id}/custody-report")
    assert response is not None and response.status == 200
    assert "sha256-" in response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    # The stylesheet applied: the body is the report's narrow column, not the browser default.
    assert page.evaluate("getComputedStyle(document.body).maxWidth") == "960px"
    assert page.evaluate("document.documentElement.scrollWidth") <= A4_WIDTH
    page.emulate_media(media="print")
    assert page.evaluate("document.documentElement.scrollWidth") <= A4_WIDTH
    printed = page.pdf(format="A4")
    assert printed.startswith(b"%PDF-")
    assert errors == []
