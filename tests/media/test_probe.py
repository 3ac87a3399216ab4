"""probe(): real clips of every container/codec combination, and bad input that must not raise."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from openbwv.media import probe
from openbwv.media.probe import parse_creation_time, short_container_name
from openbwv.media.synth import corrupt_copy, make_audio_clip, make_clip

from .conftest import FPS, HEIGHT, SECONDS, START, WIDTH, ClipFactory

COMBINATIONS = [
    ("mp4", "h264", "aac"),
    ("mp4", "h264", None),
    ("mp4", "mpeg4", "aac"),
    ("mp4", "vp9", "opus"),
    ("mkv", "h264", "aac"),
    ("mkv", "h264", "opus"),
    ("mkv", "vp9", "opus"),
    ("mkv", "mpeg4", None),
    ("mov", "h264", "aac"),
    ("mov", "mpeg4", "aac"),
]
SHORT = {"mp4": "mp4", "mkv": "matroska", "mov": "mov"}


@pytest.mark.parametrize(("container", "vcodec", "acodec"), COMBINATIONS)
def test_probe_reports_codecs_size_rate_duration(
    clip: ClipFactory, container: str, vcodec: str, acodec: str | None
) -> None:
    result = probe(clip(container, vcodec, acodec))
    assert result.readable, result.error
    assert result.error is None
    assert result.container_short == SHORT[container]
    assert result.video_codec == vcodec
    assert result.audio_codec == acodec
    assert (result.width, result.height) == (WIDTH, HEIGHT)
    assert result.frame_rate == pytest.approx(FPS)
    assert result.pixel_format == "yuv420p"
    assert result.duration_seconds == pytest.approx(SECONDS, abs=0.2)
    assert result.bit_rate and result.bit_rate > 0
    if acodec is None:
        assert result.audio_sample_rate is None and result.audio_channels is None
    else:
        assert (result.audio_sample_rate, result.audio_channels) == (48_000, 1)
    kinds = [s["type"] for s in result.streams]
    assert kinds == (["video", "audio"] if acodec else ["video"])


@pytest.mark.parametrize(("fps", "width", "height"), [(15, 160, 90), (30, 96, 128)])
def test_probe_other_rates_and_shapes(tmp_path: Path, fps: int, width: int, height: int) -> None:
    path = make_clip(tmp_path / "c.mp4", seconds=1, fps=fps, width=width, height=height)
    result = probe(path)
    assert result.readable
    assert (result.width, result.height, result.frame_rate) == (width, height, fps)
    assert result.duration_seconds == pytest.approx(1.0, abs=0.2)
    video = result.streams[0]
    assert video["frames"] == fps  # MP4 counts its samples


@pytest.mark.parametrize("container", ["mp4", "mkv", "mov"])
def test_creation_time_round_trips(clip: ClipFactory, container: str) -> None:
    result = probe(clip(container, "h264", "aac"))
    assert result.creation_time == START
    assert result.creation_time is not None and result.creation_time.tzinfo is not None
    assert result.creation_time.utcoffset() == timedelta(0)


def test_creation_time_given_in_another_zone_is_stored_as_utc(tmp_path: Path) -> None:
    local = datetime(2026, 6, 1, 9, 30, 0, tzinfo=timezone(timedelta(hours=1)))
    path = make_clip(tmp_path / "bst.mkv", container="mkv", seconds=0.4, start_time=local)
    created = probe(path).creation_time
    assert created == local
    assert created is not None and created.hour == 8 and created.utcoffset() == timedelta(0)


def test_to_dict_is_json_serialisable(clip: ClipFactory) -> None:
    data = probe(clip("mkv", "h264", "aac")).to_dict()
    text = json.dumps(data)
    assert json.loads(text)["creation_time"] == "2026-11-24T08:15:03Z"
    assert data["streams"][0]["codec"] == "h264"
    assert data["streams"][1]["sample_rate"] == 48_000


def _assert_unreadable(path: Path, *words: str) -> None:
    result = probe(path)  # must not raise
    assert result.readable is False
    assert result.error
    for word in words:
        assert word in result.error.lower(), result.error


def test_truncated_mp4_without_index_is_unreadable(clip: ClipFactory, tmp_path: Path) -> None:
    bad = corrupt_copy(clip("mp4", "h264", "aac"), tmp_path / "half.mp4", "truncate")
    _assert_unreadable(bad, "moov")


def test_garbage_text_and_empty_files_are_unreadable(clip: ClipFactory, tmp_path: Path) -> None:
    _assert_unreadable(corrupt_copy(clip(), tmp_path / "g.mp4", "garbage", seed=1), "not a")
    text = tmp_path / "notes.mp4"
    text.write_text("Officer's notes, not a video.\n" * 40)
    _assert_unreadable(text, "not a")
    empty = tmp_path / "empty.mkv"
    empty.write_bytes(b"")
    _assert_unreadable(empty, "empty")
    _assert_unreadable(tmp_path / "missing.mp4", "no such file")


def test_audio_only_file_is_unreadable_as_video(tmp_path: Path) -> None:
    path = make_audio_clip(tmp_path / "voice.m4a", seconds=1)
    result = probe(path)
    assert result.readable is False
    assert result.error and "no video" in result.error
    assert result.audio_codec == "aac"  # what is there is still described
    assert result.duration_seconds == pytest.approx(1.0, abs=0.2)


def test_truncated_mkv_is_judged_by_decoding(clip: ClipFactory, tmp_path: Path) -> None:
    source = clip("mkv", "h264", "aac")
    half = corrupt_copy(source, tmp_path / "half.mkv", "truncate", fraction=0.5)
    partial = probe(half)
    assert partial.readable, partial.error  # the first half still plays
    assert partial.video_codec == "h264"
    # Headers intact, but cut before the first picture: opens, yet nothing decodes.
    headers_only = corrupt_copy(source, tmp_path / "head.mkv", "truncate", fraction=0.01)
    _assert_unreadable(headers_only)


def test_damaged_middle_keeps_the_file_readable(clip: ClipFactory, tmp_path: Path) -> None:
    bad = corrupt_copy(clip("mp4", "h264", "aac"), tmp_path / "s.mp4", "scramble", seed=3)
    assert probe(bad).readable


def test_seeds_give_distinct_bytes(tmp_path: Path) -> None:
    digests = {
        hashlib.sha256(
            make_clip(
                tmp_path / f"{seed}.mp4", seconds=0.2, width=64, height=48, seed=seed
            ).read_bytes()
        ).hexdigest()
        for seed in range(4)
    }
    assert len(digests) == 4


def test_default_clip_is_small(tmp_path: Path) -> None:
    path = make_clip(tmp_path / "default.mp4", label="BWC-1")
    assert path.stat().st_size < 200_000
    result = probe(path)
    assert (result.width, result.height) == (320, 240)
    assert result.duration_seconds == pytest.approx(3.0, abs=0.2)


def test_short_container_names() -> None:
    iso = "mov,mp4,m4a,3gp,3g2,mj2"
    assert short_container_name(iso, "isom") == "mp4"
    assert short_container_name(iso, "mp42") == "mp4"
    assert short_container_name(iso, "qt  ") == "mov"
    assert short_container_name(iso, None, ".mov") == "mov"
    assert short_container_name(iso, "3gp5") == "3gp"
    assert short_container_name("matroska,webm", None) == "matroska"
    assert short_container_name("mpegts", None) == "mpegts"


def test_parse_creation_time() -> None:
    assert parse_creation_time("2026-11-24T08:15:03.000000Z") == START
    assert parse_creation_time("2026-11-24 08:15:03") == START  # naive: UTC by convention
    assert parse_creation_time("2026-11-24T09:15:03+01:00") == START
    assert parse_creation_time("1970-01-01T00:00:00.000000Z") is None
    assert parse_creation_time("yesterday") is None
    assert parse_creation_time(None) is None
    assert parse_creation_time("2026-11-24T08:15:03Z") == datetime(
        2026, 11, 24, 8, 15, 3, tzinfo=UTC
    )
