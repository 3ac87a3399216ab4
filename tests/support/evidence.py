"""Helpers to get a clip in and wait for processing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.support import tus
from tests.support.waiting import wait_until


def ingest(api: httpx.Client, path: Path, **metadata: str) -> str:
    """Upload a file through tus; returns the evidence URL."""
    meta: dict[str, str | None] = {"filename": path.name, **metadata}
    response = tus.upload(api, path.read_bytes(), meta, chunk=256 * 1024)
    return response.headers["Evidence-Location"]


def wait_processed(api: httpx.Client, url: str, timeout: float = 120) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        item = api.get(url).json()
        return item if item["status"] != "processing" else None

    return wait_until(done, timeout=timeout, what=f"processing of {url}")


def search_pages(client: httpx.Client, params: dict[str, str], limit: int) -> list[dict[str, Any]]:
    """Every page of an API search, following `next_cursor` to the end."""
    pages, cursor = [], None
    while True:
        query = params | {"limit": str(limit)} | ({"cursor": cursor} if cursor else {})
        response = client.get("/api/v1/search", params=query)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        cursor = pages[-1]["next_cursor"]
        if cursor is None:
            return pages
