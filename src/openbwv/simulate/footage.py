"""A body worn camera's clips, made cheaply with PyAV: a moving scene, the UTC date and time and
the camera's serial burned into every frame, a tone on the audio track, and a constant bit rate
padded with H.264 filler data, as a camera's fixed-rate encoder writes it (so clips weigh what
real ones do without costing what real pictures cost to encode).

Cheap on purpose: a simulated force records thousands of clips on a laptop.

* Every frame is composed with numpy from parts drawn once: a scrolling gradient, a disc, the
  serial, and the time text drawn once per second (it only changes once a second).
* The audio is a tone, identical in every clip of a given pitch, so its AAC packets are encoded
  once per process and copied into each clip. Nothing else is reused: the pictures of every clip
  are encoded from its own frames, so every clip's bytes are its own (time, serial, seed).
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from functools import cache
from typing import Literal

import av
import numpy as np
from av.container import InputContainer, OutputContainer
from av.video.stream import VideoStream
from PIL import Image, ImageDraw, ImageFont

from openbwv.media.errors import MediaError

ClipContainer = Literal["mkv", "mp4"]
FORMATS = {"mkv": "matroska", "mp4": "mp4"}
AUDIO_RATE = 16_000  # speech-grade mono, as body worn cameras record
TONE_SECONDS = 10  # the cached tone: longer clips repeat it
PITCHES = (660.0, 990.0)
# No random Matroska UIDs or encoder version strings: the same seed makes the same bytes.
BITEXACT = {"fflags": "+bitexact"}


@dataclass(frozen=True)
class FootageSpec:
    serial: str
    start: datetime  # UTC: burned in, and the container's creation_time
    seconds: float
    seed: int
    width: int = 320
    height: int = 180
    fps: int = 10
    bitrate: int = 1_000_000  # bits per second, constant (filler-padded)
    container: ClipContainer = "mkv"

    def check(self) -> None:
        if self.container not in FORMATS:
            raise MediaError(f"a camera writes mkv or mp4, not {self.container!r}")
        if self.width < 64 or self.height < 48 or self.width % 2 or self.height % 2:
            raise MediaError(f"frame size must be even and at least 64x48, not {self.size}")
        if not 0 < self.seconds <= 3600 or not 1 <= self.fps <= 60:
            raise MediaError("a clip lasts 0–3600 s at 1–60 frames per second")
        if not 50_000 <= self.bitrate <= 50_000_000:
            raise MediaError("the bit rate must be between 50 kbit/s and 50 Mbit/s")

    @property
    def size(self) -> str:
        return f"{self.width}x{self.height}"


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except (ImportError, OSError, TypeError):  # Pillow without FreeType: the bitmap font
        return ImageFont.load_default()


@cache
def _text(text: str, height: int) -> np.ndarray:
    """White text on a black box, as an RGB array (cached: serials and times repeat)."""
    font = _font(max(9, height // 14))
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    left, top, right, bottom = probe.textbbox((0, 0), text, font=font)
    image = Image.new("RGB", (int(right - left) + 6, int(bottom - top) + 6), (0, 0, 0))
    ImageDraw.Draw(image).text((3 - left, 3 - top), text, fill=(255, 255, 255), font=font)
    return np.asarray(image)


class _Scene:
    def __init__(self, spec: FootageSpec) -> None:
        rng = random.Random(spec.seed)
        w, h = spec.width, spec.height
        xs = (np.arange(2 * w, dtype=np.int32) % w) * 256 // w
        ys = np.arange(h, dtype=np.int32) * 256 // h
        gx, gy = np.meshgrid(xs, ys)
        offsets = [rng.randrange(256) for _ in range(3)]
        self.background = np.empty((h, 2 * w, 3), dtype=np.uint8)
        self.background[..., 0] = (gx + offsets[0]) & 255
        self.background[..., 1] = (gy + offsets[1]) & 255
        self.background[..., 2] = ((gx + gy) // 2 + offsets[2]) & 255
        self.radius = max(4, min(w, h) // 8)
        yy, xx = np.mgrid[-self.radius : self.radius, -self.radius : self.radius]
        self.disc = (xx * xx + yy * yy) < self.radius * self.radius
        self.colour = np.array([rng.randrange(64, 256) for _ in range(3)], dtype=np.uint8)
        self.phase = rng.random() * 2 * math.pi
        self.step = max(1, w // 160)
        self.spec = spec
        self.serial = _text(spec.serial, h)
        self.frame_buffer = np.empty((h, w, 3), dtype=np.uint8)

    def frame(self, i: int) -> np.ndarray:
        spec, out, r = self.spec, self.frame_buffer, self.radius
        w, h = spec.width, spec.height
        offset = (i * self.step) % w
        out[:] = self.background[:, offset : offset + w]
        seconds = i / spec.fps
        span = w + 2 * r
        cx = int((seconds / 4.0 * span) % span) - r
        cy = int(h / 2 + math.sin(seconds * 2 + self.phase) * h / 4)
        self._paste_disc(cx, cy)
        stamp = (spec.start + timedelta(seconds=int(seconds))).strftime("%Y-%m-%d %H:%M:%SZ")
        self._paste(_text(stamp, h), 2, 2)
        self._paste(self.serial, 2, h - self.serial.shape[0] - 2)
        return out

    def _paste_disc(self, cx: int, cy: int) -> None:
        h, w = self.frame_buffer.shape[:2]
        r = self.radius
        x0, y0, x1, y1 = max(cx - r, 0), max(cy - r, 0), min(cx + r, w), min(cy + r, h)
        if x0 >= x1 or y0 >= y1:
            return
        mask = self.disc[y0 - (cy - r) : y1 - (cy - r), x0 - (cx - r) : x1 - (cx - r)]
        self.frame_buffer[y0:y1, x0:x1][mask] = self.colour

    def _paste(self, patch: np.ndarray, x: int, y: int) -> None:
        h, w = self.frame_buffer.shape[:2]
        ph, pw = min(patch.shape[0], h - y), min(patch.shape[1], w - x)
        if ph > 0 and pw > 0:
            self.frame_buffer[y : y + ph, x : x + pw] = patch[:ph, :pw]


@cache
def _tone(pitch: float) -> bytes:
    """TONE_SECONDS of a mono tone, AAC in Matroska: encoded once per process and pitch."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="matroska", container_options=BITEXACT) as out:
        stream = out.add_stream("aac", rate=AUDIO_RATE)
        stream.layout = "mono"
        stream.bit_rate = 32_000
        block = 1600
        for start in range(0, TONE_SECONDS * AUDIO_RATE, block):
            t = (np.arange(block) + start) / AUDIO_RATE
            wave = (0.25 * np.sin(2 * np.pi * pitch * t)).astype(np.float32).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(wave, format="flt", layout="mono")
            frame.sample_rate = AUDIO_RATE
            frame.pts = start
            frame.time_base = Fraction(1, AUDIO_RATE)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return buffer.getvalue()


class _AudioCopy:
    """Copies the cached tone's packets into a clip, up to a given time (repeating the tone)."""

    def __init__(self, out: OutputContainer, pitch: float) -> None:
        self.source: InputContainer = av.open(io.BytesIO(_tone(pitch)), "r")
        template = self.source.streams.audio[0]
        self.stream = out.add_stream_from_template(template)
        self.packets = [p for p in self.source.demux(template) if p.size and p.pts is not None]
        self.base = template.time_base or Fraction(1, 1000)
        first, last = self.packets[0], self.packets[-1]
        assert first.pts is not None and last.pts is not None
        self.loop_ticks = last.pts + (last.duration or 0) - first.pts
        self.index = 0

    def write_until(self, out: OutputContainer, seconds: float) -> None:
        while True:
            loop, k = divmod(self.index, len(self.packets))
            packet = self.packets[k]
            assert packet.pts is not None
            pts = packet.pts + loop * self.loop_ticks
            if pts * self.base >= seconds:
                return
            copy = av.Packet(bytes(packet))
            copy.pts = copy.dts = pts
            copy.duration = packet.duration
            copy.time_base = self.base
            copy.stream = self.stream
            out.mux(copy)
            self.index += 1

    def close(self) -> None:
        self.source.close()


def _video(out: OutputContainer, spec: FootageSpec) -> VideoStream:
    kbit = spec.bitrate // 1000
    stream = out.add_stream(
        "libx264",
        rate=spec.fps,
        options={
            "preset": "ultrafast",
            "g": str(2 * spec.fps),  # a keyframe every 2 s, as body worn cameras do
            "threads": "1",  # many clips are made at once: one thread each is cheapest
            "b": f"{kbit}k",
            "maxrate": f"{kbit}k",
            "bufsize": f"{kbit}k",
            "x264-params": "nal-hrd=cbr:filler=1",
        },
    )
    stream.width, stream.height, stream.pix_fmt = spec.width, spec.height, "yuv420p"
    return stream


def render(spec: FootageSpec, comment: str = "") -> bytes:
    """The clip's bytes. `comment` goes into the container's metadata."""
    spec.check()
    scene = _Scene(spec)
    frames = max(1, round(spec.seconds * spec.fps))
    buffer = io.BytesIO()
    start = spec.start.astimezone(UTC)
    try:
        with av.open(
            buffer, "w", format=FORMATS[spec.container], container_options=BITEXACT
        ) as out:
            out.metadata["creation_time"] = start.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            out.metadata["title"] = spec.serial
            out.metadata["comment"] = f"openbwv simulated camera; seed={spec.seed}; {comment}"
            video = _video(out, spec)
            audio = _AudioCopy(out, PITCHES[spec.seed % len(PITCHES)])
            try:
                for i in range(frames):
                    frame = av.VideoFrame.from_ndarray(scene.frame(i), format="rgb24")
                    frame.pts = i
                    frame.time_base = Fraction(1, spec.fps)
                    out.mux(video.encode(frame))
                    audio.write_until(out, (i + 1) / spec.fps)
                out.mux(video.encode(None))
            finally:
                audio.close()
    except av.FFmpegError as exc:
        raise MediaError(f"could not encode a simulated clip: {exc}") from exc
    return buffer.getvalue()
