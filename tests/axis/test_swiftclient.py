"""A standard OpenStack Swift client (python-swiftclient) uses openbwv as a content destination,
making the requests a body worn system makes, in its order."""

from __future__ import annotations

import hashlib
import io
import json
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from swiftclient import client as swift
from swiftclient.exceptions import ClientException

from openbwv.ingest.axis.client import BookmarkSpec, compact, iso, meta_headers
from openbwv.ingest.axis.crypto import encrypt_for, load_public_key
from openbwv.ingest.axis.receive import slots
from openbwv.ingest.axis.settings import reset_axis_settings
from tests.axis.helpers import fleet_camera, officer, recording, sha256, wait_processed
from tests.support.stack import Stack
from tests.support.waiting import wait_until


def _connection(doc: dict[str, Any], **kwargs: Any) -> swift.Connection:
    return swift.Connection(
        authurl=doc["AuthenticationTokenURI"][0],
        user=doc["BlobAPIUserName"],
        key=doc["BlobAPIKey"],
        auth_version="1",
        **kwargs,
    )


def _object_meta(values: dict[str, str]) -> dict[str, str]:
    return meta_headers("Object", values)


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
def test_a_body_worn_system_session_with_swiftclient(
    stack: Stack,
    axis_doc: dict[str, Any],
    plain_doc: dict[str, Any],
    api: httpx.Client,
    tmp_path: Path,
    seed: int,
    encrypted: bool,
) -> None:
    doc = axis_doc if encrypted else plain_doc
    conn = _connection(doc, retries=2, starting_backoff=0.05)
    # 1. Sign in, read what the destination supports.
    url, token = conn.get_auth()
    assert url.endswith(f"/v1/AUTH_{doc['BlobAPIUserName']}") and token.startswith("AUTH_tk")
    headers, body = conn.get_object("System", "Capabilities.json")
    assert headers["etag"] == hashlib.md5(body).hexdigest()
    assert json.loads(body)["Store"]["StoreRejectedContent"] is True
    headers, body = conn.get_object("System", "Categories.json")
    assert headers["etag"] == hashlib.md5(body).hexdigest()
    assert {"Name": "Use of force", "Id": "use_of_force"} in json.loads(body)
    # 2. Store the system id, read it back (StoreReadSystemID).
    system_id = str(uuid.uuid4())
    conn.put_container("System")
    conn.put_object(
        "System",
        system_id,
        b"",
        headers=_object_meta({"ConnectionId": "c-1", "SystemName": "Westminster BWS"}),
    )
    assert conn.head_object("System", system_id)["x-object-meta-systemname"] == "Westminster BWS"
    # 3. Users and devices.
    pc, serial = officer(stack), fleet_camera()
    user = str(uuid.uuid4())
    conn.put_container("Users")
    conn.put_object(
        "Users",
        user,
        b"",
        headers=_object_meta({"Active": "True", "Name": "PC Axis", "UserID": pc.warrant_number}),
    )
    conn.put_container("Devices")
    conn.put_object("Devices", serial, b"", headers=_object_meta({"Name": "Cam", "Model": "W110"}))
    # 4. A recording: container, clip (+ key), bookmark, GNSS track, then Status: Complete.
    spec = recording(tmp_path, seed, user, serial, container="mp4", track=True)
    spec.bookmarks = [BookmarkSpec(spec.start, category_id="arrest", category_name="Arrest")]
    container = spec.container
    conn.put_container(
        container, headers=meta_headers("Container", spec.container_meta("Transferring"))
    )
    clip = spec.clips[0]
    name = spec.clip_name(clip)
    data = clip.data
    if encrypted:
        public = load_public_key(__import__("base64").b64decode(doc["PublicKey"]))
        data, key_file = encrypt_for(public, doc["PublicKeyId"], clip.data)
    clip_meta = {"StartTime": str(int(clip.start.timestamp())), "StartTimeISO": iso(clip.start)}
    clip_meta |= {"StopTime": str(int(clip.stop.timestamp())), "StopTimeISO": iso(clip.stop)}
    etag = conn.put_object(
        container,
        name,
        data,
        etag=hashlib.md5(data).hexdigest(),
        headers=_object_meta({**clip_meta, "ContainerType": "mp4"}),
    )
    assert etag == hashlib.md5(data).hexdigest()
    if encrypted:
        key_meta = {"StartTime": clip_meta["StartTime"], "FileType": "key"}
        conn.put_object(container, name[:-4] + ".key", key_file, headers=_object_meta(key_meta))
    conn.put_object(
        container,
        f"bookmark_{clip_meta['StartTime']}_1",
        b"",
        headers=_object_meta(
            {"CategoryID": "arrest", "CategoryName": "Arrest", "StartTime": iso(spec.start)}
        ),
    )
    entries = [
        {"LocationWKT": f"POINT({lon} {lat})", "Timestamp": iso(when)}
        for when, lat, lon in spec.track
    ]
    conn.put_object(
        container,
        spec.track_name(),
        json.dumps({"CoordinateEntries": entries}).encode(),
        headers=_object_meta({"FileType": "json"}),
    )
    conn.post_container(container, meta_headers("Container", spec.container_meta("Complete")))
    stat = conn.head_container(container)
    assert stat["x-container-meta-status"] == "Complete"
    assert int(stat["x-container-object-count"]) == (4 if encrypted else 3)
    assert conn.head_object(container, name)["etag"] == hashlib.md5(data).hexdigest()
    with pytest.raises(ClientException) as refused:
        conn.get_object(container, name)  # evidence cannot be read back with device credentials
    assert refused.value.http_status == 403
    # 5. What it became.
    found = api.get("/api/v1/evidence", params={"sha256": sha256(data)}).json()["items"]
    assert len(found) == 1
    item = wait_processed(api, found[0]["id"])
    assert item["status"] == "ready" and item["officer"] == pc.warrant_number
    assert item["gps_track"] and item["camera_serial"] == serial
    if encrypted:
        assert item["extra_metadata"]["axis"]["decrypted"]["sha256"] == sha256(clip.data)
    conn.close()


@pytest.fixture
def one_upload_at_a_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("BWV_AXIS_MAX_CONCURRENT_UPLOADS", "1")
    reset_axis_settings()
    try:
        yield
    finally:
        monkeypatch.delenv("BWV_AXIS_MAX_CONCURRENT_UPLOADS")
        reset_axis_settings()


def test_swiftclient_retries_after_503_and_the_upload_lands(
    stack: Stack,
    plain_doc: dict[str, Any],
    api: httpx.Client,
    tmp_path: Path,
    seed: int,
    one_upload_at_a_time: None,
) -> None:
    conn = _connection(plain_doc, retries=8, starting_backoff=0.1, max_backoff=0.5)
    pc, serial = officer(stack), fleet_camera()
    user = str(uuid.uuid4())
    conn.put_object(
        "Users", user, b"", headers=_object_meta({"Name": "PC", "UserID": pc.warrant_number})
    )
    conn.put_object("Devices", serial, b"", headers=_object_meta({"Name": "Cam"}))
    spec = recording(tmp_path, seed, user, serial, clips=2)
    conn.put_container(
        spec.container, headers=meta_headers("Container", spec.container_meta("Transferring"))
    )
    first, second = spec.clips
    url, token = conn.get_auth()
    release = threading.Event()

    def slow_body() -> Iterator[bytes]:
        yield first.data[:1000]
        release.wait(60)
        yield first.data[1000:]

    holder = threading.Thread(
        target=lambda: httpx.put(
            f"{url}/{spec.container}/{spec.clip_name(first)}",
            headers={"X-Auth-Token": token},
            content=slow_body(),
            timeout=60,
        )
    )
    holder.start()
    wait_until(lambda: slots.in_flight == 1, timeout=30, what="the slow upload to hold the slot")
    refused_before = slots.refused
    outcome: dict[str, Any] = {}

    def second_upload() -> None:
        body = io.BytesIO(second.data)  # seekable: swiftclient rewinds it to retry
        outcome["etag"] = conn.put_object(spec.container, spec.clip_name(second), body)

    uploader = threading.Thread(target=second_upload)
    uploader.start()
    wait_until(
        lambda: slots.refused > refused_before, timeout=30, what="a 503 for the second upload"
    )
    release.set()
    holder.join(60)
    uploader.join(60)
    assert outcome["etag"] == hashlib.md5(second.data).hexdigest()
    for clip in (first, second):
        found = api.get("/api/v1/evidence", params={"sha256": sha256(clip.data)}).json()["items"]
        assert len(found) == 1, "every clip arrived exactly once"
    conn.close()


def _compact(value: Any) -> str:
    return compact(value)
