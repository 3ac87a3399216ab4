"""Reading a clip for redaction: its video frames in order (BGR arrays for the detectors), its
shape and rate, and its audio as peaks for a waveform."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
from av.audio.resampler import AudioResampler

from openbwv.media.errors import MediaError

PEAKS_PER_SECOND = 20


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    fps: float
    has_audio: bool
    duration_seconds: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def rate_of(stream: Any) -> Fraction:
    return Fraction(stream.average_rate or stream.guessed_rate or 25)


def info(path: Path) -> VideoInfo:
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise MediaError(f"{path.name} has no video stream")
            video = container.streams.video[0]
            duration = float(container.duration) / 1_000_000 if container.duration else None
            return VideoInfo(
                width=video.codec_context.width,
                height=video.codec_context.height,
                fps=float(rate_of(video)),
                has_audio=bool(container.streams.audio),
                duration_seconds=duration,
            )
    except av.FFmpegError as exc:
        raise MediaError(f"cannot read {path.name}: {exc}") from exc


def frames(path: Path) -> Iterator[np.ndarray]:
    """Every video frame, in presentation order, as an H×W×3 BGR array."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            for frame in container.decode(stream):
                yield frame.to_ndarray(format="bgr24")
    except av.FFmpegError as exc:
        raise MediaError(f"cannot decode {path.name}: {exc}") from exc


def waveform(path: Path, per_second: int = PEAKS_PER_SECOND) -> dict[str, Any]:
    """The audio's loudest sample (0–1) in each 1/`per_second` of a second, for drawing."""
    peaks: list[float] = []
    with av.open(str(path)) as container:
        if not container.streams.audio:
            return {"per_second": per_second, "peaks": []}
        stream = container.streams.audio[0]
        rate = stream.codec_context.sample_rate or 48_000
        bucket = max(1, rate // per_second)
        resampler = AudioResampler(format="flt", layout="mono", rate=rate)
        pending = np.zeros(0, dtype=np.float32)
        for frame in container.decode(stream):
            for mono in resampler.resample(frame):
                pending = np.concatenate([pending, mono.to_ndarray().reshape(-1)])
                whole = len(pending) // bucket * bucket
                if whole:
                    chunks = np.abs(pending[:whole]).reshape(-1, bucket).max(axis=1)
                    peaks.extend(round(float(v), 3) for v in np.clip(chunks, 0, 1))
                    pending = pending[whole:]
        if len(pending):
            peaks.append(round(float(np.clip(np.abs(pending).max(), 0, 1)), 3))
    return {"per_second": per_second, "peaks": peaks}
