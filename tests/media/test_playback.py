"""plan_playback() decisions and make_playback_copy() output: real MP4s, copied or encoded."""

from __future__ import annotations

import struct
from pathlib import Path

import av
import pytest

from openbwv.media import (
    MediaError,
    PlaybackPlan,
    ProbeResult,
    make_playback_copy,
    plan_playback,
    playback,
)
from openbwv.media import probe as probe_file
from openbwv.media.synth import corrupt_copy, make_audio_clip

from .conftest import HEIGHT, START, WIDTH, ClipFactory


@pytest.mark.parametrize(
    ("container", "vcodec", "acodec", "action"),
    [
        ("mp4", "h264", "aac", "as_is"),
        ("mp4", "h264", None, "as_is"),
        ("mkv", "h264", "aac", "remux"),
        ("mov", "h264", "aac", "remux"),
        ("mkv", "h264", None, "remux"),
        ("mkv", "vp9", "opus", "transcode"),
        ("mp4", "mpeg4", "aac", "transcode"),
        ("mov", "mpeg4", "aac", "transcode"),
        ("mp4", "vp9", "opus", "transcode"),
    ],
)
def test_plan_matrix(
    clip: ClipFactory, container: str, vcodec: str, acodec: str | None, action: str
) -> None:
    plan = plan_playback(probe_file(clip(container, vcodec, acodec)))
    assert plan.action == action, plan.reason
    assert plan.has_audio is (acodec is not None)


def test_plan_copies_the_stream_that_is_already_playable(clip: ClipFactory) -> None:
    plan = plan_playback(probe_file(clip("mkv", "h264", "opus")))
    assert (plan.action, plan.copy_video, plan.copy_audio) == ("transcode", True, False)
    plan = plan_playback(probe_file(clip("mp4", "mpeg4", "aac")))
    assert (plan.action, plan.copy_video, plan.copy_audio) == ("transcode", False, True)


def test_plan_for_unreadable_and_unsafe_h264(clip: ClipFactory, tmp_path: Path) -> None:
    bad = corrupt_copy(clip(), tmp_path / "half.mp4", "truncate")
    assert plan_playback(probe_file(bad)).action == "none"
    # H.264 4:4:4 plays in FFmpeg but not in browsers.
    fake = ProbeResult(
        readable=True,
        container_short="mp4",
        video_codec="h264",
        pixel_format="yuv444p",
        audio_codec="aac",
    )
    assert plan_playback(fake).action == "transcode"


def _top_level_boxes(path: Path) -> list[str]:
    data = path.read_bytes()
    boxes, pos = [], 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
        elif size == 0:
            size = len(data) - pos
        boxes.append(kind.decode("latin-1"))
        pos += size
    return boxes


def _assert_streams_first(path: Path) -> None:
    boxes = _top_level_boxes(path)
    assert boxes.index("moov") < boxes.index("mdat"), boxes  # +faststart


def _video_packet_sizes(path: Path) -> list[int]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [p.size for p in container.demux(stream) if p.size]


@pytest.mark.parametrize("container", ["mkv", "mov"])
def test_remux_copies_packets_into_streamable_mp4(
    clip: ClipFactory, tmp_path: Path, container: str
) -> None:
    src = clip(container, "h264", "aac")
    source = probe_file(src)
    plan = plan_playback(source)
    assert plan.action == "remux"
    dst = tmp_path / "play.mp4"
    make_playback_copy(src, dst, plan)
    out = probe_file(dst)
    assert out.readable, out.error
    assert (out.container_short, out.video_codec, out.audio_codec) == ("mp4", "h264", "aac")
    assert (out.width, out.height) == (WIDTH, HEIGHT)
    assert source.duration_seconds is not None
    assert out.duration_seconds == pytest.approx(source.duration_seconds, abs=0.1)
    assert out.creation_time == START
    # No re-encode: the very same video packets, in the same order.
    assert _video_packet_sizes(dst) == _video_packet_sizes(src)
    _assert_streams_first(dst)
    assert plan_playback(out).action == "as_is"


@pytest.mark.parametrize(
    ("container", "vcodec", "acodec"), [("mkv", "vp9", "opus"), ("mp4", "mpeg4", "aac")]
)
def test_transcode_gives_h264_aac_mp4(
    clip: ClipFactory, tmp_path: Path, container: str, vcodec: str, acodec: str
) -> None:
    src = clip(container, vcodec, acodec)
    source = probe_file(src)
    plan = plan_playback(source)
    assert plan.action == "transcode"
    dst = tmp_path / "play.mp4"
    make_playback_copy(src, dst, plan)
    out = probe_file(dst)
    assert out.readable, out.error
    assert (out.container_short, out.video_codec, out.audio_codec) == ("mp4", "h264", "aac")
    assert (out.width, out.height, out.pixel_format) == (WIDTH, HEIGHT, "yuv420p")
    assert out.frame_rate == pytest.approx(source.frame_rate)
    assert source.duration_seconds is not None
    assert out.duration_seconds == pytest.approx(source.duration_seconds, abs=0.2)
    assert len(_video_packet_sizes(dst)) == len(_video_packet_sizes(src))  # no frame lost
    _assert_streams_first(dst)
    assert plan_playback(out).action == "as_is"


def test_transcode_of_audio_only_keeps_the_video_packets(clip: ClipFactory, tmp_path: Path) -> None:
    src = clip("mkv", "h264", "opus")
    dst = tmp_path / "play.mp4"
    make_playback_copy(src, dst, plan_playback(probe_file(src)))
    out = probe_file(dst)
    assert (out.video_codec, out.audio_codec) == ("h264", "aac")
    assert _video_packet_sizes(dst) == _video_packet_sizes(src)


def test_as_is_copies_bytes_and_none_raises(clip: ClipFactory, tmp_path: Path) -> None:
    src = clip("mp4", "h264", "aac")
    dst = tmp_path / "same.mp4"
    make_playback_copy(src, dst, plan_playback(probe_file(src)))
    assert dst.read_bytes() == src.read_bytes()
    with pytest.raises(MediaError):
        make_playback_copy(src, tmp_path / "x.mp4", PlaybackPlan("none", "unreadable"))
    assert not (tmp_path / "x.mp4").exists()


def test_failed_conversion_leaves_no_partial_file(tmp_path: Path) -> None:
    text = tmp_path / "notes.mkv"
    text.write_text("not a video\n")
    audio = make_audio_clip(tmp_path / "voice.m4a", seconds=0.5)
    for src in (text, audio):  # fails opening the input / after the output was opened
        dst = tmp_path / "play.mp4"
        with pytest.raises(MediaError):
            make_playback_copy(src, dst, PlaybackPlan("transcode", "forced"))
        assert not dst.exists()


def test_failure_midway_removes_the_partial_output(
    clip: ClipFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src, dst = clip("mp4", "mpeg4", "aac"), tmp_path / "play.mp4"
    real_decode = playback._decode_video
    seen: list[bool] = []

    def failing(stream: object, packet: object) -> object:
        if len(seen) == 30:
            seen.append(dst.exists())  # output already on disk when the failure happens
            raise av.FFmpegError(5, "simulated decoder failure")
        seen.append(True)
        return real_decode(stream, packet)  # type: ignore[arg-type]

    monkeypatch.setattr(playback, "_decode_video", failing)
    with pytest.raises(MediaError, match="simulated"):
        make_playback_copy(src, dst, plan_playback(probe_file(src)))
    assert seen[-1] is True
    assert not dst.exists()
