"""Interoperability with the official Python tus client, tuspy."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
from tusclient import client as tus_client

from openbwv.media.synth import make_clip
from tests.support.evidence import wait_processed


def _client(live_server: str, token: str) -> tus_client.TusClient:
    return tus_client.TusClient(
        f"{live_server}/api/v1/uploads/", headers={"Authorization": f"Bearer {token}"}
    )


def test_tuspy_uploads_with_per_chunk_checksums(
    live_server: str, admin_token: str, api: httpx.Client, tmp_path: Path, seed: int
) -> None:
    path = make_clip(tmp_path / "tuspy.mkv", seconds=3, container="mkv", seed=seed)
    uploader = _client(live_server, admin_token).uploader(
        str(path),
        chunk_size=40_000,
        upload_checksum=True,
        metadata={
            "filename": path.name,
            "camera_serial": "TUSPY-1",
            "officer": "PC-77",
            "recorded_start": "2026-11-24T10:00:00Z",
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        },
    )
    uploader.upload()
    head = httpx.head(
        uploader.url, headers={"Tus-Resumable": "1.0.0", "Authorization": f"Bearer {admin_token}"}
    )
    assert head.headers["Upload-Offset"] == str(path.stat().st_size)
    items = api.get("/api/v1/evidence", params={"camera": "TUSPY-1"}).json()["items"]
    item = wait_processed(api, items[0]["links"]["self"])
    assert item["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert item["status"] == "ready"


def test_tuspy_resumes_an_interrupted_upload_from_a_new_client(
    live_server: str, admin_token: str, api: httpx.Client, tmp_path: Path, seed: int
) -> None:
    path = make_clip(tmp_path / "resume.mp4", seconds=4, seed=seed)
    first = _client(live_server, admin_token).uploader(
        str(path), chunk_size=30_000, metadata={"filename": path.name}
    )
    first.upload_chunk()
    first.upload_chunk()
    assert 0 < first.offset < path.stat().st_size
    # A new process knows only the upload URL: it asks the server where to continue.
    second = _client(live_server, admin_token).uploader(str(path), url=first.url, chunk_size=30_000)
    assert second.offset == first.offset
    second.upload()
    found = api.get(
        "/api/v1/evidence", params={"sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    ).json()
    assert len(found["items"]) == 1
