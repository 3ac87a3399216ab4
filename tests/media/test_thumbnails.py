"""poster_frame() and thumbnail_strip(): real JPEGs, right sizes, keyframe seeks, clear errors."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from openbwv.media import MediaError, poster_frame, thumbnail_strip
from openbwv.media import thumbnails as thumbs
from openbwv.media.synth import corrupt_copy, make_audio_clip, make_clip

from .conftest import HEIGHT, SECONDS, WIDTH, ClipFactory


def _image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize(
    ("container", "vcodec", "acodec"),
    [("mp4", "h264", "aac"), ("mkv", "vp9", "opus"), ("mov", "mpeg4", "aac")],
)
def test_poster_is_a_jpeg_of_the_source_size(
    clip: ClipFactory, container: str, vcodec: str, acodec: str
) -> None:
    image = _image(poster_frame(clip(container, vcodec, acodec)))
    assert image.format == "JPEG"
    assert image.size == (WIDTH, HEIGHT)  # small sources are not scaled up


def test_poster_of_a_wide_source_is_640_wide_keeping_aspect(tmp_path: Path) -> None:
    path = make_clip(tmp_path / "hd.mkv", container="mkv", seconds=0.4, width=1280, height=720)
    image = _image(poster_frame(path))
    assert image.format == "JPEG"
    assert image.size == (640, 360)


def test_poster_time_is_honoured_and_clamped(clip: ClipFactory) -> None:
    path = clip("mp4", "h264", "aac")
    early, late = poster_frame(path, at_seconds=0.0), poster_frame(path, at_seconds=1.6)
    assert early != late
    # Past the end: clamped to the last frame rather than failing.
    assert _image(poster_frame(path, at_seconds=999)).size == (WIDTH, HEIGHT)


@pytest.mark.parametrize("exact", [False, True])
def test_strip_has_count_tiles_side_by_side(clip: ClipFactory, exact: bool) -> None:
    strip = thumbnail_strip(clip("mkv", "h264", "aac"), count=10, tile_width=160, exact=exact)
    assert strip.count == 10 and len(strip.timestamps) == 10
    assert strip.tile_width == 160 and strip.tile_height == 120  # 192x144 is 4:3
    image = _image(strip.jpeg)
    assert image.format == "JPEG"
    assert image.size == (10 * 160, 120) == (strip.width, strip.tile_height)
    assert strip.timestamps == sorted(strip.timestamps)
    assert strip.timestamps[0] >= 0 and strip.timestamps[-1] <= SECONDS
    assert len(set(strip.timestamps)) == 10  # ten different frames


def test_exact_strip_tiles_sit_in_the_middle_of_their_slices(clip: ClipFactory) -> None:
    strip = thumbnail_strip(clip("mp4", "h264", "aac"), count=5, tile_width=64, exact=True)
    for i, stamp in enumerate(strip.timestamps):
        assert stamp == pytest.approx(SECONDS * (i + 0.5) / 5, abs=0.041)  # one frame at 25 fps
    assert _image(strip.jpeg).size == (5 * 64, 48)


def test_strip_of_a_long_clip_does_not_decode_it_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 40 s at 25 fps = 1000 frames, a keyframe at least every 2 s (50 frames).
    path = make_clip(
        tmp_path / "long.mp4", seconds=40, width=64, height=48, audio_codec=None, seed=1
    )
    decoded = 0
    original = thumbs._Reader._next

    def counting(self: thumbs._Reader) -> object:
        nonlocal decoded
        decoded += 1
        return original(self)

    monkeypatch.setattr(thumbs._Reader, "_next", counting)
    strip = thumbnail_strip(path, count=10, tile_width=32)
    assert strip.count == 10
    assert decoded <= 30, decoded  # keyframe seeks: about one frame per tile
    for i, stamp in enumerate(strip.timestamps):  # each tile within one GOP of its aim
        assert 0 <= (40 * (i + 0.5) / 10) - stamp <= 2.05
    decoded = 0
    thumbnail_strip(path, count=10, tile_width=32, exact=True)
    assert decoded <= 10 * 51, decoded  # at most a GOP per tile, never the whole 1000


def test_unreadable_input_raises_media_error(clip: ClipFactory, tmp_path: Path) -> None:
    text = tmp_path / "notes.mp4"
    text.write_text("not a video\n")
    truncated = corrupt_copy(clip(), tmp_path / "half.mp4", "truncate")
    audio = make_audio_clip(tmp_path / "a.m4a", seconds=0.5)
    for bad in (text, truncated, audio, tmp_path / "missing.mp4"):
        with pytest.raises(MediaError):
            poster_frame(bad)
        with pytest.raises(MediaError):
            thumbnail_strip(bad)
    with pytest.raises(MediaError, match="no video"):
        poster_frame(audio)
