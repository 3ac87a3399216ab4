"""Busy (503, retry soon) and out of storage (507): refused before anything is stored."""

from __future__ import annotations

import errno
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from openbwv.ingest.axis.client import AxisClient, iso, meta_headers
from openbwv.ingest.axis.errors import SwiftError
from openbwv.ingest.axis.receive import _Writer, slots
from openbwv.ingest.axis.settings import staging_dir
from tests.axis.helpers import evidence_count, fleet_camera, officer, recording, registered, sha256
from tests.support.stack import Stack
from tests.support.waiting import wait_until


def _clip_headers(spec: Any, clip: Any) -> dict[str, str]:
    values = {"StartTimeISO": iso(clip.start), "StopTimeISO": iso(clip.stop)}
    return meta_headers("Object", values)


def test_busy_is_503_with_retry_after_then_the_retry_lands(
    stack: Stack,
    axis_plain: AxisClient,
    api: httpx.Client,
    tmp_path: Path,
    seed: int,
    axis_env: Any,
) -> None:
    axis_env(max_concurrent_uploads="1", retry_after_seconds="7")
    serial = fleet_camera()
    user = registered(axis_plain, officer(stack).warrant_number, serial)
    spec = recording(tmp_path, seed, user, serial, clips=2)
    first, second = spec.clips
    axis_plain.checked(
        "PUT", spec.container, meta_headers("Container", spec.container_meta("Transferring"))
    )
    release = threading.Event()

    def slow() -> Iterator[bytes]:
        yield first.data[:500]
        release.wait(60)
        yield first.data[500:]

    assert axis_plain.storage_url is not None and axis_plain.token is not None
    holder = threading.Thread(
        target=httpx.put,
        args=(f"{axis_plain.storage_url}/{spec.container}/{spec.clip_name(first)}",),
        kwargs={
            "headers": {"X-Auth-Token": axis_plain.token, **_clip_headers(spec, first)},
            "content": slow(),
            "timeout": 60,
        },
    )
    holder.start()
    wait_until(lambda: slots.in_flight == 1, timeout=30, what="the slow upload to hold the slot")
    before = evidence_count()
    busy = httpx.put(
        f"{axis_plain.storage_url}/{spec.container}/{spec.clip_name(second)}",
        headers={"X-Auth-Token": axis_plain.token, **_clip_headers(spec, second)},
        content=second.data,
    )
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "7"
    assert evidence_count() == before
    # The body worn system retries; the slot frees once the first upload completes.
    retried: dict[str, Any] = {}
    retry = threading.Thread(
        target=lambda: retried.setdefault(
            "response",
            axis_plain.request(
                "PUT",
                f"{spec.container}/{spec.clip_name(second)}",
                _clip_headers(spec, second),
                second.data,
            ),
        )
    )
    busy_before = axis_plain.busy_retries
    retry.start()
    wait_until(lambda: axis_plain.busy_retries > busy_before, timeout=30, what="a retried 503")
    release.set()
    holder.join(60)
    retry.join(60)
    assert retried["response"].status_code == 201
    for clip in (first, second):
        found = api.get("/api/v1/evidence", params={"sha256": sha256(clip.data)}).json()["items"]
        assert len(found) == 1


def test_out_of_storage_is_507_and_nothing_is_stored(
    stack: Stack, axis_plain: AxisClient, tmp_path: Path, seed: int, axis_env: Any
) -> None:
    serial = fleet_camera()
    user = registered(axis_plain, officer(stack).warrant_number, serial)
    spec = recording(tmp_path, seed, user, serial)
    clip = spec.clips[0]
    axis_plain.checked(
        "PUT", spec.container, meta_headers("Container", spec.container_meta("Transferring"))
    )
    axis_env(min_free_bytes=str(10**18))
    before = evidence_count()
    path = f"{spec.container}/{spec.clip_name(clip)}"
    full = axis_plain.request("PUT", path, _clip_headers(spec, clip), clip.data)
    assert full.status_code == 507
    assert axis_plain.request("PUT", f"{spec.container}/bookmark_1_1", {}, b"x").status_code == 507
    assert evidence_count() == before
    assert axis_plain.request("HEAD", path).status_code == 404
    axis_env(min_free_bytes="0")
    assert axis_plain.request("PUT", path, _clip_headers(spec, clip), clip.data).status_code == 201


def test_a_disk_filling_up_mid_upload_is_507_and_leaves_nothing(stack: Stack) -> None:
    writer = _Writer(to_file=True, limit=10**6)
    assert writer.path is not None and writer.path.parent == staging_dir()

    class FullDisk:
        closed = False

        def write(self, _data: bytes) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        def close(self) -> None:
            self.closed = True

    writer.handle.close()
    writer.handle = FullDisk()
    with pytest.raises(SwiftError) as refused:
        writer.write(b"abc")
    assert refused.value.status == 507
    writer.discard()
    assert not writer.path.exists()
