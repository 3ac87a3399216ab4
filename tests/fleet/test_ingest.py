"""Ingest attributes a recording to whoever wore the camera when it started (wearer_at) when the
device names no officer, or one the platform does not know."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from openbwv.db.session import unit_of_work
from openbwv.evidence.models import EvidenceItem
from openbwv.media.synth import make_clip
from openbwv.timeutil import isoformat_z, utcnow
from tests.fleet import helpers
from tests.support.evidence import ingest
from tests.support.stack import Stack


def _item(url: str) -> EvidenceItem:
    with unit_of_work() as session:
        item = session.get(EvidenceItem, uuid.UUID(url.rstrip("/").rsplit("/", 1)[-1]))
        assert item is not None
        session.expunge(item)
        return item


def _upload(api: httpx.Client, folder: Path, seed: int, **meta: Any) -> EvidenceItem:
    clip = make_clip(folder / f"fleet-{seed}.mp4", seconds=1, seed=seed)
    return _item(ingest(api, clip, **meta))


def test_recordings_are_attributed_to_the_wearer(
    stack: Stack, api: httpx.Client, tmp_path: Path, reviewer: Any
) -> None:
    serial = helpers.camera(borough="E09000012")
    alice = helpers.officer(borough="E09000012", team="Hackney Response")
    bob = helpers.officer(borough="E09000022", team="Lambeth Response")
    handover = utcnow().replace(microsecond=0) - timedelta(hours=2)
    helpers.assign(serial, alice.warrant_number, started_at=handover - timedelta(hours=6))
    helpers.unassign(serial, ended_at=handover)
    helpers.assign(serial, bob.warrant_number, started_at=handover)

    during_alice = _upload(
        api,
        tmp_path,
        71001,
        camera_serial=serial,
        recorded_start=isoformat_z(handover - timedelta(minutes=30)),
    )
    assert (during_alice.officer_user_id, during_alice.borough, during_alice.team_id) == (
        alice.id,
        "E09000012",
        alice.team_id,
    )
    assert during_alice.flags == []

    at_handover = _upload(
        api,
        tmp_path,
        71002,
        camera_serial=serial,
        officer="PC-UNKNOWN-9",
        recorded_start=isoformat_z(handover),
    )
    assert (at_handover.officer_user_id, at_handover.borough) == (bob.id, "E09000022")
    assert at_handover.flags == ["unknown_officer"]  # kept for review, but not orphaned

    claimed = _upload(
        api,
        tmp_path,
        71003,
        camera_serial=serial,
        officer=alice.warrant_number,
        recorded_start=isoformat_z(handover + timedelta(minutes=5)),
    )
    assert claimed.officer_user_id == alice.id  # the device's officer keeps the recording...
    assert claimed.flags == ["wearer_mismatch"]  # ...and the fleet record is flagged

    before = _upload(
        api,
        tmp_path,
        71004,
        camera_serial=serial,
        recorded_start=isoformat_z(handover - timedelta(days=2)),
    )
    assert before.officer_user_id == reviewer.id  # nobody wore it then: the uploader's


def test_unknown_camera_and_no_time_fall_back_as_before(
    stack: Stack, api: httpx.Client, tmp_path: Path
) -> None:
    unknown = _upload(
        api, tmp_path, 71005, camera_serial=helpers.unique("GHOST-"), officer="PC-NOBODY-1"
    )
    assert unknown.officer_user_id is None
    assert unknown.flags == ["unknown_camera", "unknown_officer"]
    serial, carol = helpers.camera(), helpers.officer()
    helpers.assign(serial, carol.warrant_number, started_at=utcnow() - timedelta(hours=1))
    untimed = _upload(api, tmp_path, 71006, camera_serial=serial, officer="PC-NOBODY-2")
    assert untimed.officer_user_id is None  # no recording time: no wearer can be named
