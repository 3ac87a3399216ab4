"""Recordings that never reach Status: Complete are finished by the sweeper; nothing is lost."""

from __future__ import annotations

import base64
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, update

from openbwv.db.session import unit_of_work
from openbwv.ingest.axis.client import AxisClient, BookmarkSpec, meta_headers
from openbwv.ingest.axis.crypto import encrypt_for, load_public_key
from openbwv.ingest.axis.models import AxisAuthToken, AxisContainer
from openbwv.ingest.axis.tasks import finish_abandoned_recordings
from openbwv.timeutil import utcnow
from tests.axis.helpers import (
    evidence,
    fleet_camera,
    markers_of,
    officer,
    recording,
    registered,
    wait_processed,
)
from tests.support.stack import Stack


def test_an_abandoned_recording_is_applied_and_a_clip_without_its_key_is_kept_and_flagged(
    stack: Stack,
    axis_plain: AxisClient,
    axis_doc: dict[str, Any],
    api: httpx.Client,
    tmp_path: Path,
    seed: int,
) -> None:
    serial = fleet_camera()
    user = registered(axis_plain, officer(stack).warrant_number, serial)
    spec = recording(tmp_path, seed, user, serial, clips=2, track=True)
    spec.bookmarks = [BookmarkSpec(spec.start, "start of the incident")]
    objects = axis_plain._objects(spec)
    plain_clip, encrypted_clip = spec.clips
    public = load_public_key(base64.b64decode(axis_doc["PublicKey"]))
    ciphertext, _key_never_sent = encrypt_for(public, axis_doc["PublicKeyId"], encrypted_clip.data)
    objects = [
        (name, values, ciphertext if name == spec.clip_name(encrypted_clip) else body)
        for name, values, body in objects
    ]
    axis_plain.checked(
        "PUT", spec.container, meta_headers("Container", spec.container_meta("Transferring"))
    )
    ids = {}
    for name, values, body in objects:
        response = axis_plain.checked(
            "PUT", f"{spec.container}/{name}", meta_headers("Object", values), body
        )
        ids[name] = response.headers.get("X-Openbwv-Evidence-Id")
    # The dock lost power: no Status: Complete. A day later the sweeper takes over.
    with unit_of_work() as session:
        session.execute(
            update(AxisContainer)
            .where(AxisContainer.name == spec.container)
            .values(updated_at=utcnow() - timedelta(days=2))
        )
        session.execute(update(AxisAuthToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    finish_abandoned_recordings()  # (a worker's sweeper may have got there first: same result)
    with unit_of_work() as session:
        container = session.scalar(
            select(AxisContainer).where(AxisContainer.name == spec.container)
        )
        assert container is not None and container.status == "abandoned"
        assert session.scalar(select(AxisAuthToken.id).limit(1)) is None
    kept = wait_processed(api, ids[spec.clip_name(plain_clip)])
    assert kept["status"] == "ready" and kept["gps_track"]
    assert [m.label for m in markers_of(kept["id"])] == ["start of the incident"]
    stranded = wait_processed(api, ids[spec.clip_name(encrypted_clip)])
    assert stranded["status"] == "unreadable"
    assert "encryption_key_missing" in stranded["flags"]
    assert evidence(api, stranded["id"])["sha256"] != kept["sha256"]
    # The body worn system comes back later and completes it after all.
    assert (
        axis_plain.request(
            "POST", spec.container, meta_headers("Container", spec.container_meta("Complete"))
        ).status_code
        == 204
    )
