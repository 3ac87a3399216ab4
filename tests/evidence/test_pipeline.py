"""Probe → thumbnails → playback copy on real files, including bad ones; jobs run exactly once."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from openbwv.media.synth import corrupt_copy, make_clip
from tests.support.evidence import ingest, wait_processed
from tests.support.stack import Stack
from tests.support.waiting import wait_until


def _playback(item: dict) -> dict:
    return next(d for d in item["derivatives"] if d["kind"] == "playback")


@pytest.mark.parametrize(
    ("container", "video", "audio", "action"),
    [
        ("mp4", "h264", "aac", "as_is"),
        ("mkv", "h264", "aac", "remux"),
        ("mov", "h264", "aac", "remux"),
        ("mkv", "vp9", "opus", "transcode"),
        ("mp4", "mpeg4", "aac", "transcode"),
    ],
)
def test_playback_copy_only_when_needed(
    api: httpx.Client,
    tmp_path: Path,
    seed: int,
    container: str,
    video: str,
    audio: str,
    action: str,
) -> None:
    path = make_clip(
        tmp_path / f"c.{container}",
        seconds=2,
        container=container,  # type: ignore[arg-type]
        video_codec=video,
        audio_codec=audio,
        seed=seed,
    )  # type: ignore[arg-type]
    item = wait_processed(api, ingest(api, path))
    assert item["status"] == "ready"
    playback = _playback(item)
    if action == "as_is":
        assert playback["status"] == "not_needed"
        served = api.get(f"/api/v1/evidence/{item['id']}/playback").content
        assert served == path.read_bytes()  # the original itself plays
    else:
        assert playback["status"] == "ready" and playback["info"]["action"] == action
        assert playback["media_type"] == "video/mp4"
    copy = api.get(f"/api/v1/evidence/{item['id']}/playback")
    target = tmp_path / "played.mp4"
    target.write_bytes(copy.content)
    from openbwv.media.probe import probe

    played = probe(target)
    assert played.readable and played.video_codec == "h264" and played.audio_codec == "aac"


@pytest.mark.parametrize("mode", ["truncate", "garbage"])
def test_corrupt_video_is_kept_and_marked_unreadable(
    api: httpx.Client, tmp_path: Path, seed: int, mode: str
) -> None:
    source = make_clip(tmp_path / "ok.mp4", seconds=2, seed=seed)
    broken = corrupt_copy(source, tmp_path / "broken.mp4", mode=mode)  # type: ignore[arg-type]
    item = wait_processed(api, ingest(api, broken))
    assert item["status"] == "unreadable"
    assert "unreadable" in item["flags"]
    assert item["probe"]["error"]
    assert api.get(f"/api/v1/evidence/{item['id']}/original").content == broken.read_bytes()
    assert api.get(f"/api/v1/evidence/{item['id']}/thumbnail").status_code == 404


def test_a_text_file_is_kept_not_dropped(api: httpx.Client, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text(f"not a video {uuid.uuid4()}")
    item = wait_processed(api, ingest(api, path))
    assert item["status"] == "unreadable"
    assert api.get(f"/api/v1/evidence/{item['id']}/original").text == path.read_text()


def test_probe_fills_recorded_times_from_the_container(
    api: httpx.Client, tmp_path: Path, seed: int
) -> None:
    from datetime import UTC, datetime

    start = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    path = make_clip(tmp_path / "t.mp4", seconds=2, start_time=start, seed=seed)
    item = wait_processed(api, ingest(api, path))
    assert item["recorded_start"] == "2026-03-04T05:06:07Z"
    assert item["occurred_at"] == "2026-03-04T05:06:07Z"
    assert item["recorded_end"].startswith("2026-03-04T05:06:0")


def test_jobs_are_idempotent_by_kind_evidence_and_parameters(
    api: httpx.Client, clip: Path, stack: Stack
) -> None:
    from openbwv.db.session import unit_of_work
    from openbwv.evidence.models import Derivative
    from openbwv.jobs.models import Job, JobState
    from openbwv.jobs.service import ensure_job, send

    item = wait_processed(api, ingest(api, clip))
    item_id = uuid.UUID(item["id"])
    with unit_of_work() as session:
        first = ensure_job(session, "thumbnails", item_id)
        again = ensure_job(session, "thumbnails", item_id)
        assert first.id == again.id and first.state == JobState.DONE
        other = ensure_job(session, "thumbnails", item_id, {"tiles": 20})
        assert other.id != first.id
        attempts, job_id = first.attempts, first.id
    send(job_id, "media")  # a duplicated message: the finished job must not run again

    def other_done() -> bool:
        with unit_of_work() as session:
            return session.get(Job, other.id).state == JobState.DONE  # type: ignore[union-attr]

    wait_until(other_done, what="the second thumbnails job")
    with unit_of_work() as session:
        assert session.get(Job, job_id).attempts == attempts  # type: ignore[union-attr]
        count = session.scalar(
            select(func.count())
            .select_from(Derivative)
            .where(Derivative.evidence_id == item_id, Derivative.kind == "poster")
        )
    assert count == 1


def test_unknown_camera_is_accepted_and_flagged_known_is_not(
    api: httpx.Client, tmp_path: Path, seed: int
) -> None:
    from openbwv.db.session import unit_of_work
    from openbwv.fleet.models import Camera

    known = f"KNOWN-{uuid.uuid4().hex[:6]}"
    with unit_of_work() as session:
        session.add(Camera(serial=known))
    a = make_clip(tmp_path / "a.mp4", seconds=1, seed=seed)
    b = make_clip(tmp_path / "b.mp4", seconds=1, seed=seed + 50_000)
    flagged = api.get(ingest(api, a, camera_serial="NEVER-SEEN-1")).json()
    clean = api.get(ingest(api, b, camera_serial=known)).json()
    assert "unknown_camera" in flagged["flags"]
    assert "unknown_camera" not in clean["flags"]


def test_random_bytes_named_mp4(api: httpx.Client, tmp_path: Path) -> None:
    path = tmp_path / "random.mp4"
    path.write_bytes(os.urandom(50_000))
    item = wait_processed(api, ingest(api, path))
    assert item["status"] == "unreadable"
    assert item["media_type"] == "video/mp4"


def test_a_failing_job_is_retried_with_backoff_then_marks_the_item_failed(
    api: httpx.Client, stack: Stack
) -> None:
    """An item whose original cannot be read (here: never stored) makes the probe fail every
    time: it is retried with growing delays, then given up, and the item says so."""
    import os as _os

    from openbwv.db.session import unit_of_work
    from openbwv.evidence.models import EvidenceItem
    from openbwv.jobs.models import Job, JobState
    from openbwv.jobs.service import backoff_seconds, ensure_job

    with unit_of_work() as session:
        item = EvidenceItem(
            sha256=_os.urandom(32).hex(),
            size_bytes=1,
            media_type="video/mp4",
            source="test",
            status="processing",
        )
        session.add(item)
        session.flush()
        job = ensure_job(session, "probe", item.id)
        item_id, job_id = item.id, job.id

    def given_up() -> Job | None:
        with unit_of_work() as session:
            found = session.get(Job, job_id)
            return found if found is not None and found.state == JobState.FAILED else None

    failed = wait_until(given_up, timeout=60, what="the probe to be given up")
    assert failed.attempts == 3 and "not" in (failed.last_error or "").lower()
    assert failed.completed_at is not None and failed.not_before is not None
    # the last retry waited the backoff after the second attempt
    assert backoff_seconds(2, 0.2) == 0.4 and backoff_seconds(1, 0.2) == 0.2
    assert backoff_seconds(30) == 600.0  # capped
    with unit_of_work() as session:
        assert session.get(EvidenceItem, item_id).status == "failed"  # type: ignore[union-attr]
