"""A recipient's evidence package: exactly what the share gives, verifiable offline, shown in the
case's receipts; refused once the share has ended or when it allows no download; a revocation
stops a package already streaming; a link's package counts toward its maximum downloads."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.sharing.helpers import build, share
from tests.sharing.package_helpers import run_verify
from tests.support.stack import Stack


def _manifest(body: bytes) -> dict[str, object]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        found: dict[str, object] = json.loads(archive.read("manifest.json"))
        return found


def test_a_recipient_downloads_the_package_of_what_is_shared(
    stack: Stack, live_server: str, tmp_path: Path
) -> None:
    world = build(stack, live_server)
    try:
        shared, kept = world.items
        made = share(world, evidence_ids=[str(shared)]).json()
        url = f"/api/v1/shares/{made['id']}/package"
        got = world.cps.get(url, params={"copies": "original"})
        assert got.status_code == 200, got.text
        assert got.headers["content-type"] == "application/zip"
        manifest = _manifest(got.content)
        files = manifest["files"]
        assert isinstance(files, list)
        assert {f["evidence_id"] for f in files if f.get("evidence_id")} == {str(shared)}
        assert str(kept) not in json.dumps(manifest)  # nothing of an item not shared
        assert manifest["share"]["id"] == made["id"]  # type: ignore[index]
        with zipfile.ZipFile(io.BytesIO(got.content)) as archive:
            archive.extractall(tmp_path)
        checked = run_verify(tmp_path)
        assert checked.returncode == 0, checked.stdout + checked.stderr

        receipts = world.dco.get(f"/api/v1/cases/{world.case_id}/receipts").json()
        assert ("package.export", world.org) in {(r["action"], r["recipient"]) for r in receipts}
        page = world.dco.get(f"/cases/{world.case_id}/sharing")
        assert "downloaded the evidence package" in page.text
        given = world.cps.get(f"/api/v1/shares/{made['id']}/receipt").json()
        assert "package.export" in {a["action"] for a in given["accesses"]}
        pdf = world.cps.get(f"/api/v1/shares/{made['id']}/receipt", params={"format": "pdf"})
        assert pdf.content.startswith(b"%PDF")
        # Only the recipient: a sharer of the case is no recipient of its share.
        assert world.dco.get(url).status_code == 404

        world.dco.post(f"/api/v1/shares/{made['id']}/revoke", json={"reason": "done"})
        ended = world.cps.get(url)
        assert ended.status_code == 410, ended.text
    finally:
        world.close()


def test_revocation_stops_a_package_in_progress(stack: Stack, live_server: str) -> None:
    size = 32 * 1024 * 1024  # well past the socket buffers: the server must still be sending
    world = build(stack, live_server, items=1, content=os.urandom(size))
    try:
        made = share(world).json()
        body = bytearray()
        url = f"/api/v1/shares/{made['id']}/package"
        with world.cps.stream("GET", url, params={"copies": "original"}) as response:
            assert response.status_code == 200
            chunks = response.iter_raw(64 * 1024)
            body += next(chunks)
            world.dco.post(f"/api/v1/shares/{made['id']}/revoke", json={"reason": "stop"})
            # A ZIP's length is not known before it is built (chunked): the stream breaks off,
            # so the client can tell it from a whole package (which a clean end would imply).
            with pytest.raises(httpx.RemoteProtocolError):
                for chunk in chunks:
                    body += chunk
        assert len(body) < size // 2, len(body)
        with pytest.raises(zipfile.BadZipFile):
            zipfile.ZipFile(io.BytesIO(bytes(body)))
        stopped = world.dco.get(f"/api/v1/cases/{world.case_id}/receipts").json()
        assert "package.export" not in {r["action"] for r in stopped}  # only whole packages
    finally:
        world.close()


def test_no_package_without_download_and_a_link_counts_it(stack: Stack, live_server: str) -> None:
    world = build(stack, live_server, items=1)
    try:
        viewing = share(world, download=False).json()
        refused = world.cps.get(f"/api/v1/shares/{viewing['id']}/package")
        assert refused.status_code == 403, refused.text
        assert "Download the evidence package" not in world.cps.get("/shared").text

        link = share(world, link_label="Smith & Co", max_downloads=1).json()["link"]
        path = "/s/" + link.rsplit("/s/", 1)[1]
        with httpx.Client(base_url=live_server, timeout=60) as holder:
            assert "Download the evidence package" in holder.get(path).text
            first = holder.get(f"{path}/package", params={"copies": "original"})
            assert first.status_code == 200, first.text
            assert _manifest(first.content)["files"]
            again = holder.get(f"{path}/package", params={"copies": "original"})
            assert again.status_code == 403, again.text  # its one download is spent
    finally:
        world.close()
