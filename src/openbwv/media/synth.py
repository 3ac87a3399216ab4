"""Synthetic body-worn clips for demos, tests and benchmarks.

Every clip is a real file written by FFmpeg through PyAV: a moving shape over a gradient that
changes every frame, the date and time burned in (UTC, like a body-worn camera's overlay), an
optional label (e.g. a camera serial), a ~1 kHz tone when audio is asked for, and
``creation_time`` container metadata.
Nothing here is deterministic byte for byte; a ``seed`` only guarantees that different seeds give
different bytes (the seed is written into the container metadata as well as the picture).
"""

from __future__ import annotations

import math
import random
import secrets
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Literal

import av
import numpy as np
from av.audio.stream import AudioStream
from av.container import OutputContainer
from av.video.stream import VideoStream
from PIL import Image, ImageDraw, ImageFont

from openbwv.media.errors import MediaError

Container = Literal["mp4", "mkv", "mov"]
VideoCodec = Literal["h264", "mpeg4", "vp9"]
AudioCodec = Literal["aac", "opus"]
CorruptMode = Literal["truncate", "garbage", "scramble"]

_FORMATS: dict[str, str] = {"mp4": "mp4", "mkv": "matroska", "mov": "mov"}
_AUDIO_RATE = 48_000
# Combinations FFmpeg's muxers refuse (QuickTime has no mapping for VP9 or Opus).
_UNSUPPORTED: set[tuple[str, str]] = {("mov", "vp9"), ("mov", "opus")}

_Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def _ffmpeg_time(value: datetime) -> str:
    """The ``creation_time`` form FFmpeg's muxers parse: ISO 8601 in UTC with a Z."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _font(size: int) -> _Font:
    try:
        return ImageFont.load_default(size=size)
    except (ImportError, OSError, TypeError):  # Pillow built without FreeType: fixed bitmap font
        return ImageFont.load_default()


def _add_video(
    out: OutputContainer, codec: VideoCodec, width: int, height: int, fps: Fraction
) -> VideoStream:
    gop = str(max(1, round(2 * fps)))  # a keyframe every 2 s, as body-worn cameras commonly do
    stream: VideoStream
    if codec == "h264":
        stream = out.add_stream(
            "libx264", rate=fps, options={"preset": "veryfast", "crf": "28", "g": gop}
        )
    elif codec == "mpeg4":
        stream = out.add_stream("mpeg4", rate=fps, options={"g": gop})
        stream.bit_rate = max(64_000, int(width * height * float(fps) * 0.1))
    elif codec == "vp9":
        stream = out.add_stream(
            "libvpx-vp9",
            rate=fps,
            options={"deadline": "realtime", "cpu-used": "8", "crf": "40", "b": "0", "g": gop},
        )
    else:  # pragma: no cover - guarded by the Literal type
        raise MediaError(f"unsupported synthetic video codec {codec!r}")
    stream.width = width
    stream.height = height
    stream.pix_fmt = "yuv420p"
    return stream


def _add_audio(out: OutputContainer, codec: AudioCodec) -> AudioStream:
    stream: AudioStream
    if codec == "aac":
        stream = out.add_stream("aac", rate=_AUDIO_RATE)
    else:
        stream = out.add_stream("libopus", rate=_AUDIO_RATE)
    stream.layout = "mono"
    stream.bit_rate = 64_000 if codec == "aac" else 32_000
    return stream


class _Tone:
    """A mono sine tone cut into frames on demand, timestamped in samples."""

    def __init__(self, stream: AudioStream, freq: float) -> None:
        self.stream = stream
        self.freq = freq
        self.written = 0

    def write_until(self, out: OutputContainer, sample: int) -> None:
        count = sample - self.written
        if count <= 0:
            return
        t = (np.arange(count) + self.written) / _AUDIO_RATE
        wave = (0.3 * np.sin(2 * np.pi * self.freq * t)).astype(np.float32).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(wave, format="flt", layout="mono")
        frame.sample_rate = _AUDIO_RATE
        frame.pts = self.written
        frame.time_base = Fraction(1, _AUDIO_RATE)
        out.mux(self.stream.encode(frame))
        self.written = sample

    def flush(self, out: OutputContainer) -> None:
        out.mux(self.stream.encode(None))


class _Soundtrack(_Tone):
    """Given samples (mono, 48 kHz, -1..1) instead of a tone: speech for transcription tests;
    silence after they end."""

    def __init__(self, stream: AudioStream, samples: np.ndarray) -> None:
        super().__init__(stream, 0.0)
        self.samples = np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0)

    def write_until(self, out: OutputContainer, sample: int) -> None:
        count = sample - self.written
        if count <= 0:
            return
        wave = np.zeros(count, dtype=np.float32)
        part = self.samples[self.written : sample]
        wave[: len(part)] = part
        frame = av.AudioFrame.from_ndarray(wave.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = _AUDIO_RATE
        frame.pts = self.written
        frame.time_base = Fraction(1, _AUDIO_RATE)
        out.mux(self.stream.encode(frame))
        self.written = sample


class _Scene:
    """Draws frame ``i``: gradient, moving disc, burned-in UTC time and label."""

    def __init__(
        self, width: int, height: int, fps: Fraction, start: datetime, label: str, seed: int
    ) -> None:
        rng = random.Random(seed)
        self.width, self.height, self.fps, self.start, self.label = width, height, fps, start, label
        self.offsets = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        self.colour = (rng.randrange(64, 256), rng.randrange(64, 256), rng.randrange(64, 256))
        self.phase = rng.random() * 2 * math.pi
        self.radius = max(4, min(width, height) // 8)
        self.font = _font(max(10, height // 20))
        # A gradient twice the frame width, periodic in x, that scrolls a few pixels per frame:
        # every frame differs, each costs one slice, and the encoder sees plain motion.
        xs = (np.arange(2 * width, dtype=np.int32) % width) * 256 // width
        ys = np.arange(height, dtype=np.int32) * 256 // height
        gx, gy = np.meshgrid(xs, ys)
        o_r, o_g, o_b = self.offsets
        self.background = np.empty((height, 2 * width, 3), dtype=np.uint8)
        self.background[..., 0] = (gx + o_r) & 255
        self.background[..., 1] = (gy + o_g) & 255
        self.background[..., 2] = ((gx + gy) // 2 + o_b) & 255
        self.step = max(1, width // 160)

    def frame(self, i: int) -> Image.Image:
        offset = (i * self.step) % self.width
        image = Image.fromarray(self.background[:, offset : offset + self.width], "RGB")
        draw = ImageDraw.Draw(image)
        # The disc crosses the frame left to right every ~4 s, bobbing up and down.
        seconds = float(i / self.fps)
        span = self.width + 2 * self.radius
        cx = (seconds / 4.0 * span) % span - self.radius
        cy = self.height / 2 + math.sin(seconds * 2 + self.phase) * self.height / 4
        r = self.radius
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=self.colour, outline=(0, 0, 0))
        stamp = (self.start + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%SZ")
        self._text(draw, (4, 4), stamp)
        if self.label:
            self._text(draw, (4, self.height - 4 - self._text_height(draw)), self.label)
        return image

    def _text_height(self, draw: ImageDraw.ImageDraw) -> int:
        box = draw.textbbox((0, 0), "Ag0", font=self.font)
        return int(box[3] - box[1]) + 2

    def _text(self, draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str) -> None:
        box = draw.textbbox(xy, text, font=self.font)
        draw.rectangle((box[0] - 2, box[1] - 2, box[2] + 2, box[3] + 2), fill=(0, 0, 0))
        draw.text(xy, text, fill=(255, 255, 255), font=self.font)


def make_clip(
    path: Path,
    *,
    seconds: float = 3,
    width: int = 320,
    height: int = 240,
    fps: int | float = 25,
    container: Container = "mp4",
    video_codec: VideoCodec = "h264",
    audio_codec: AudioCodec | None = "aac",
    label: str = "",
    start_time: datetime | None = None,
    seed: int | None = None,
    soundtrack: np.ndarray | None = None,
) -> Path:
    """Write a synthetic body-worn clip to ``path`` and return ``path``.

    ``soundtrack`` (mono samples at 48 kHz, -1..1) replaces the tone; the clip lasts at least
    as long as it.

    ``start_time`` (default: now, UTC) is burned into every frame and written as ``creation_time``.
    Width and height must be even (4:2:0 video). Raises :class:`MediaError` for a combination the
    container cannot hold (VP9 or Opus in MOV) or bad arguments.
    """
    if container not in _FORMATS:
        raise MediaError(f"unknown container {container!r}; use one of {sorted(_FORMATS)}")
    for codec in (video_codec, audio_codec):
        if codec is not None and (container, codec) in _UNSUPPORTED:
            raise MediaError(f"{container} cannot hold {codec}")
    if width < 16 or height < 16 or width % 2 or height % 2:
        raise MediaError(f"frame size must be even and at least 16x16, got {width}x{height}")
    if seconds <= 0 or fps <= 0:
        raise MediaError("seconds and fps must be positive")
    seed = secrets.randbits(32) if seed is None else seed
    if soundtrack is not None:
        seconds = max(seconds, len(soundtrack) / _AUDIO_RATE)
    start = (start_time or datetime.now(UTC)).astimezone(UTC)
    rate = Fraction(fps).limit_denominator(1001)
    n_frames = max(1, round(seconds * rate))
    scene = _Scene(width, height, rate, start, label, seed)
    path = Path(path)
    try:
        with av.open(str(path), "w", format=_FORMATS[container]) as out:
            out.metadata["creation_time"] = _ffmpeg_time(start)
            out.metadata["comment"] = f"openbwv synthetic clip; seed={seed}; label={label}"
            if label:
                out.metadata["title"] = label
            video = _add_video(out, video_codec, width, height, rate)
            tone: _Tone | None = None
            if audio_codec is not None and soundtrack is not None:
                tone = _Soundtrack(_add_audio(out, audio_codec), soundtrack)
            elif audio_codec is not None:
                freq = 950.0 + random.Random(seed).randrange(100)
                tone = _Tone(_add_audio(out, audio_codec), freq)
            for i in range(n_frames):
                frame = av.VideoFrame.from_image(scene.frame(i))
                frame.pts = i
                frame.time_base = 1 / rate
                out.mux(video.encode(frame))
                if tone is not None:
                    tone.write_until(out, round((i + 1) * _AUDIO_RATE / rate))
            out.mux(video.encode(None))
            if tone is not None:
                tone.flush(out)
    except av.FFmpegError as exc:
        raise MediaError(f"could not write synthetic clip {path.name}: {exc}") from exc
    return path


def make_audio_clip(path: Path, *, seconds: float = 2, codec: AudioCodec = "aac") -> Path:
    """Write an audio-only file (a tone; MP4 for AAC, Matroska for Opus): not a video."""
    fmt = "mp4" if codec == "aac" else "matroska"
    path = Path(path)
    try:
        with av.open(str(path), "w", format=fmt) as out:
            tone = _Tone(_add_audio(out, codec), 1000.0)
            total = round(seconds * _AUDIO_RATE)
            for end in range(4800, total + 4800, 4800):
                tone.write_until(out, min(end, total))
            tone.flush(out)
    except av.FFmpegError as exc:
        raise MediaError(f"could not write audio clip {path.name}: {exc}") from exc
    return path


def make_large_clip(
    path: Path,
    target_bytes: int,
    *,
    width: int = 1280,
    height: int = 720,
    fps: int = 25,
    container: Container = "mp4",
    start_time: datetime | None = None,
    seed: int | None = None,
) -> Path:
    """Write a valid H.264 clip of at least ``target_bytes`` quickly, for benchmarks.

    Frames are random noise encoded at near-lossless quality (x264 ``ultrafast``, CRF 1), which
    produces roughly 1.5-2 MB per 720p frame at ~100 MB/s on one core: 200 MB in a few seconds.
    """
    if target_bytes <= 0:
        raise MediaError("target_bytes must be positive")
    if width % 2 or height % 2:
        raise MediaError("frame size must be even")
    rng = np.random.default_rng(seed)
    # A pool of noise pictures; x264 ultrafast references one frame back, so cycling through
    # the pool costs the same bits as fresh noise every frame.
    pool = [rng.integers(0, 256, (height * 3 // 2, width), dtype=np.uint8) for _ in range(8)]
    start = (start_time or datetime.now(UTC)).astimezone(UTC)
    path = Path(path)
    written = 0
    try:
        with av.open(str(path), "w", format=_FORMATS[container]) as out:
            out.metadata["creation_time"] = _ffmpeg_time(start)
            out.metadata["comment"] = f"openbwv synthetic noise clip; seed={seed}"
            stream = out.add_stream(
                "libx264",
                rate=fps,
                options={"preset": "ultrafast", "crf": "1", "g": str(fps)},
            )
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            i = 0
            while written < target_bytes:
                frame = av.VideoFrame.from_ndarray(pool[i % len(pool)], format="yuv420p")
                frame.pts = i
                for packet in stream.encode(frame):
                    written += packet.size
                    out.mux(packet)
                i += 1
            out.mux(stream.encode(None))
    except av.FFmpegError as exc:
        raise MediaError(f"could not write large clip {path.name}: {exc}") from exc
    return path


def corrupt_copy(
    src: Path,
    dst: Path,
    mode: CorruptMode = "truncate",
    *,
    fraction: float = 0.5,
    seed: int | None = None,
) -> Path:
    """Write a damaged copy of ``src`` to ``dst`` and return ``dst``.

    ``truncate`` keeps the first ``fraction`` of the bytes (an interrupted upload); ``garbage``
    writes random bytes of the same length (nothing valid left); ``scramble`` keeps the first and
    last quarter and overwrites the middle with random bytes (a damaged body, intact header/index).
    """
    data = Path(src).read_bytes()
    rng = random.Random(seed)
    if mode == "truncate":
        out = data[: int(len(data) * fraction)]
    elif mode == "garbage":
        out = rng.randbytes(len(data))
    elif mode == "scramble":
        lo, hi = len(data) // 4, len(data) * 3 // 4
        out = data[:lo] + rng.randbytes(hi - lo) + data[hi:]
    else:
        raise MediaError(f"unknown corruption mode {mode!r}")
    Path(dst).write_bytes(out)
    return Path(dst)
