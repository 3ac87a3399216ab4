"""Fixtures for the media adapter tests: tiny synthetic clips, generated once per session."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from openbwv.media.synth import AudioCodec, Container, VideoCodec, make_clip

START = datetime(2026, 11, 24, 8, 15, 3, tzinfo=UTC)
SECONDS = 2.0
WIDTH, HEIGHT, FPS = 192, 144, 25

ClipFactory = Callable[..., Path]


@pytest.fixture(scope="session")
def clip(tmp_path_factory: pytest.TempPathFactory) -> ClipFactory:
    """``clip(container, video_codec, audio_codec, **kw)`` -> path of a cached tiny clip."""
    folder = tmp_path_factory.mktemp("clips")
    cache: dict[tuple[object, ...], Path] = {}

    def make(
        container: Container = "mp4",
        video_codec: VideoCodec = "h264",
        audio_codec: AudioCodec | None = "aac",
        **kwargs: object,
    ) -> Path:
        key = (container, video_codec, audio_codec, *sorted(kwargs.items()))
        if key not in cache:
            name = f"clip{len(cache)}_{video_codec}_{audio_codec}.{container}"
            options: dict[str, object] = {
                "seconds": SECONDS,
                "width": WIDTH,
                "height": HEIGHT,
                "fps": FPS,
                "start_time": START,
                "label": "BWC-0042",
                "seed": len(cache),
            }
            options.update(kwargs)
            cache[key] = make_clip(
                folder / name,
                container=container,
                video_codec=video_codec,
                audio_codec=audio_codec,
                **options,  # type: ignore[arg-type]
            )
        return cache[key]

    return make
