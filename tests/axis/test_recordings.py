"""Whole recordings, uploaded as a body worn system does, become processed evidence."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from openbwv.ingest.axis.client import AxisClient, BookmarkSpec
from tests.axis.helpers import (
    audit_actions,
    categories_of,
    fleet_camera,
    markers_of,
    officer,
    recording,
    registered,
    sha256,
    wait_processed,
)
from tests.support.stack import Stack


def test_plain_recording_with_bookmarks_and_track(
    stack: Stack, axis_plain: AxisClient, api: httpx.Client, tmp_path: Path, seed: int
) -> None:
    pc = officer(stack)
    serial = fleet_camera()
    user = registered(axis_plain, pc.warrant_number, serial)
    spec = recording(tmp_path, seed, user, serial, clips=2, track=True)
    second_start = spec.clips[1].start
    spec.bookmarks = [
        BookmarkSpec(
            second_start + timedelta(seconds=1), "suspect ran north", tags="TriggerOn:Button"
        ),
        BookmarkSpec(spec.start, category_id="use_of_force", category_name="Use of force"),
        BookmarkSpec(spec.start, category_id="vehicle-crime", category_name="Vehicle crime"),
    ]
    upload = axis_plain.upload_recording(spec)

    assert upload.rejected_to is None
    assert upload.statuses[""] == 201 and upload.statuses["Complete"] == 204
    assert all(
        status == 201 for name, status in upload.statuses.items() if name not in ("", "Complete")
    )
    first, second = (upload.evidence_ids[spec.clip_name(c)] for c in spec.clips)
    pairs = ((first, spec.clips[0]), (second, spec.clips[1]))
    for number, (evidence_id, clip) in enumerate(pairs, 1):
        item = wait_processed(api, evidence_id)
        # Both clips are one recording: one key, numbered in recording order.
        assert item["recording_key"] and item["recording"]["key"] == item["recording_key"]
        assert item["recording"]["clip_ids"] == [first, second]
        assert item["recording"]["clip"] == number and item["recording"]["clips"] == 2
        assert item["status"] == "ready", item
        assert item["sha256"] == sha256(clip.data)
        assert item["media_type"] == "video/x-matroska"
        assert item["source"] == "axis"
        assert item["camera_serial"] == serial
        assert item["officer"] == pc.warrant_number
        assert item["borough"] == "E09000033"
        assert item["flags"] == ["unknown_category"]
        assert item["recorded_start"].startswith(clip.start.strftime("%Y-%m-%dT%H:%M:%S"))
        track = item["gps_track"]
        assert 2 <= len(track) <= 4  # the points within the clip's two seconds
        assert all(len(point) == 3 and 51 < point[1] < 52 for point in track)
        assert item["extra_metadata"]["axis"]["recording"]["Status"] == "Complete"
        assert categories_of(evidence_id) == {"use_of_force", "vehicle-crime"}
        assert "evidence.categorise" in audit_actions(evidence_id)
    original = api.get(f"/api/v1/evidence/{first}/original")
    assert hashlib.sha256(original.content).hexdigest() == sha256(spec.clips[0].data)
    assert markers_of(first) == []
    (marker,) = markers_of(second)
    assert marker.label == "suspect ran north"
    assert marker.offset_seconds == 1.0
    assert marker.tags == ["TriggerOn:Button"]
    assert marker.source == "axis"


def test_encrypted_recording_keeps_ciphertext_and_plays_the_plaintext(
    stack: Stack, axis: AxisClient, api: httpx.Client, tmp_path: Path, seed: int
) -> None:
    pc = officer(stack)
    serial = fleet_camera()
    user = registered(axis, pc.warrant_number, serial)
    spec = recording(tmp_path, seed, user, serial, container="mp4", track=True)
    upload = axis.upload_recording(spec)

    assert upload.statuses["Complete"] == 204 and upload.rejected_to is None
    name = spec.clip_name(spec.clips[0])
    assert upload.statuses[name] == 201 and upload.statuses[name[:-4] + ".key"] == 201
    item = wait_processed(api, upload.evidence_ids[name])
    assert item["status"] == "ready", item
    plaintext = spec.clips[0].data
    assert item["sha256"] != sha256(plaintext)  # the original is the ciphertext, as received
    assert item["media_type"] == "application/octet-stream"
    decrypted = item["extra_metadata"]["axis"]["decrypted"]
    assert decrypted["sha256"] == sha256(plaintext)
    assert decrypted["content"] == "AES-256-CBC" and decrypted["key_wrap"] == "RSA-OAEP"
    kinds = {d["kind"]: d for d in item["derivatives"]}
    assert kinds["decrypted"]["sha256"] == sha256(plaintext)
    assert item["probe"]["video_codec"] == "h264"
    original = api.get(f"/api/v1/evidence/{item['id']}/original").content
    assert sha256(original) == item["sha256"] and original != plaintext
    played = api.get(f"/api/v1/evidence/{item['id']}/playback")
    assert played.status_code == 200 and played.content == plaintext
    assert api.get(f"/api/v1/evidence/{item['id']}/thumbnail").status_code == 200
    assert item["gps_track"], "the encrypted GNSS track was decrypted and applied"
    assert "evidence.decrypt" in audit_actions(item["id"])


def test_reuploading_a_clip_is_idempotent(
    stack: Stack, axis_plain: AxisClient, api: httpx.Client, tmp_path: Path, seed: int
) -> None:
    serial = fleet_camera()
    user = registered(axis_plain, officer(stack).warrant_number, serial)
    spec = recording(tmp_path, seed, user, serial)
    first = axis_plain.upload_recording(spec)
    name = spec.clip_name(spec.clips[0])
    again = axis_plain.request(
        "PUT",
        f"{spec.container}/{name}",
        {"ETag": hashlib.md5(spec.clips[0].data).hexdigest()},
        spec.clips[0].data,
    )
    assert again.status_code == 201
    assert again.headers["X-Openbwv-Evidence-Id"] == first.evidence_ids[name]
    found = api.get("/api/v1/evidence", params={"sha256": sha256(spec.clips[0].data)}).json()
    assert [i["id"] for i in found["items"]] == [first.evidence_ids[name]]


def _details(item: dict[str, Any]) -> dict[str, Any]:
    return dict(item["extra_metadata"]["axis"])
