"""Raw tus requests for protocol tests (the way tus-js-client and tuspy speak)."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import httpx

TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = "application/offset+octet-stream"


def encode_metadata(values: dict[str, str | None]) -> str:
    parts = []
    for key, value in values.items():
        parts.append(key if value is None else f"{key} {base64.b64encode(value.encode()).decode()}")
    return ",".join(parts)


def create(
    api: httpx.Client,
    length: int,
    metadata: dict[str, str | None] | None = None,
    body: bytes | None = None,
    **headers: str,
) -> httpx.Response:
    sent: dict[str, Any] = {**TUS, "Upload-Length": str(length), **headers}
    if metadata is not None:
        sent["Upload-Metadata"] = encode_metadata(metadata)
    if body is not None:
        sent["Content-Type"] = OCTETS
    return api.post("/api/v1/uploads/", headers=sent, content=body)


def patch(
    api: httpx.Client, url: str, offset: int, body: Any, checksum: str | None = None, **headers: str
) -> httpx.Response:
    sent = {**TUS, "Upload-Offset": str(offset), "Content-Type": OCTETS, **headers}
    if checksum:
        sent["Upload-Checksum"] = checksum
    return api.patch(url, headers=sent, content=body)


def head(api: httpx.Client, url: str) -> httpx.Response:
    return api.head(url, headers=TUS)


def sha256_checksum(data: bytes) -> str:
    return "sha256 " + base64.b64encode(hashlib.sha256(data).digest()).decode()


def upload(
    api: httpx.Client,
    data: bytes,
    metadata: dict[str, str | None] | None = None,
    chunk: int = 64 * 1024,
) -> httpx.Response:
    """Create and send everything in PATCHes; returns the last response."""
    created = create(api, len(data), metadata)
    assert created.status_code == 201, created.text
    url = created.headers["Location"]
    response = created
    for offset in range(0, len(data), chunk):
        response = patch(api, url, offset, data[offset : offset + chunk])
        assert response.status_code == 204, response.text
    response.headers["X-Test-Upload-Url"] = url
    return response
