"""A real package from real footage: clips made now, uploaded through tus, processed by the
worker, linked to a case, then packaged through the API and unpacked."""

from __future__ import annotations

import subprocess
import sys
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from openbwv.audit.service import integrate
from openbwv.media.synth import make_clip
from tests.support.evidence import ingest, wait_processed
from tests.support.stack import Stack


@dataclass
class Built:
    case_id: str
    crime_reference: str
    item_ids: list[str]
    zip_path: Path
    folder: Path
    headers: dict[str, str]
    exporter: Any


def build_package(stack: Stack, api: httpx.Client, live_server: str, root: Path) -> Built:
    """Two clips of a case, packaged with originals and playback copies."""
    item_ids = []
    for n in range(2):
        clip = make_clip(root / f"clip-{n}.mp4", seconds=1, seed=uuid.uuid4().int % 10_000)
        url = ingest(api, clip, officer=f"PC{n}")
        item_ids.append(wait_processed(api, url)["id"])
    reference = f"CR{uuid.uuid4().hex[:10]}"
    case = api.post("/api/v1/cases", json={"crime_reference": reference, "title": "Package"})
    assert case.status_code == 201, case.text
    case_id = case.json()["id"]
    for item_id in item_ids:
        linked = api.post(f"/api/v1/cases/{case_id}/items", json={"evidence_id": item_id})
        assert linked.status_code == 204, linked.text
    integrate()  # the recipient holds a checkpoint from before: the package must extend it
    held = api.get("/api/v1/audit/checkpoint")
    assert held.status_code == 200, held.text
    exporter = stack.user("disclosure_officer", "professional_standards", borough="E09000033")
    token = stack.user_token(exporter)
    zip_path = root / "package.zip"
    with (
        httpx.Client(
            base_url=live_server, headers={"Authorization": f"Bearer {token}"}, timeout=120
        ) as client,
        client.stream(
            "POST",
            f"/api/v1/cases/{case_id}/packages",
            json={"copies": "both", "recipient": "CPS London", "known_checkpoint": held.text},
        ) as response,
    ):
        assert response.status_code == 200, response.read()
        headers = dict(response.headers)
        with zip_path.open("wb") as out:
            for chunk in response.iter_bytes():
                out.write(chunk)
    folder = root / "unpacked"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(folder)
    return Built(case_id, reference, item_ids, zip_path, folder, headers, exporter)


def run_verify(folder: Path, target: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The package's own verify.py on its folder (or on `target`, such as the ZIP itself)."""
    return subprocess.run(
        [sys.executable, str(folder / "verify.py"), str(target or folder)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
