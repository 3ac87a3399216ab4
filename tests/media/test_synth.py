"""The synthetic clip helpers themselves: arguments, large clips, damaged copies."""

from __future__ import annotations

from pathlib import Path

import pytest

from openbwv.media import MediaError, poster_frame, probe
from openbwv.media.synth import corrupt_copy, make_clip, make_large_clip


def test_large_clip_reaches_its_target_and_is_valid(tmp_path: Path) -> None:
    path = make_large_clip(tmp_path / "big.mp4", 3_000_000, width=320, height=240)
    assert path.stat().st_size >= 3_000_000
    result = probe(path)
    assert result.readable, result.error
    assert (result.video_codec, result.width, result.height) == ("h264", 320, 240)
    assert result.pixel_format == "yuv420p"
    assert poster_frame(path)


def test_unsupported_combinations_and_sizes_are_refused(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="vp9"):
        make_clip(tmp_path / "a.mov", container="mov", video_codec="vp9", audio_codec=None)
    with pytest.raises(MediaError, match="opus"):
        make_clip(tmp_path / "b.mov", container="mov", audio_codec="opus")
    with pytest.raises(MediaError, match="even"):
        make_clip(tmp_path / "c.mp4", width=321)


def test_corrupt_copy_modes(tmp_path: Path) -> None:
    src = make_clip(tmp_path / "s.mp4", seconds=0.4, width=64, height=48)
    size = src.stat().st_size
    truncated = corrupt_copy(src, tmp_path / "t.mp4", "truncate", fraction=0.25)
    assert truncated.stat().st_size == size // 4
    assert truncated.read_bytes() == src.read_bytes()[: size // 4]
    garbage = corrupt_copy(src, tmp_path / "g.mp4", "garbage", seed=5)
    assert garbage.stat().st_size == size and garbage.read_bytes()[:64] != src.read_bytes()[:64]
    scrambled = corrupt_copy(src, tmp_path / "x.mp4", "scramble", seed=5).read_bytes()
    original = src.read_bytes()
    assert len(scrambled) == size
    assert scrambled[: size // 4] == original[: size // 4]
    assert scrambled[size * 3 // 4 :] == original[size * 3 // 4 :]
    assert scrambled != original
