"""Poster frames and scrubbing strips (JPEG) from a video file.

Frames are reached with keyframe seeks: for each wanted time the reader seeks to the keyframe at or
before it and decodes forward, or simply keeps decoding when the time is less than one GOP ahead of
where it already is. A long clip therefore costs a few GOPs per picture, never a full decode.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from av.container import InputContainer
from av.stream import Disposition
from av.video.frame import VideoFrame
from av.video.stream import VideoStream
from PIL import Image

from openbwv.media.errors import MediaError

POSTER_MAX_WIDTH = 640
JPEG_QUALITY = 82
MAX_DECODE_FRAMES = 600
"""Frames decoded forward from a keyframe before settling for the latest (bounds hostile GOPs)."""


@dataclass(frozen=True)
class StripResult:
    """A sprite sheet: ``count`` tiles of ``tile_width`` x ``tile_height`` side by side, one row.

    ``timestamps[i]`` is the time in seconds from the start of the clip of the frame in tile ``i``.
    """

    jpeg: bytes
    timestamps: list[float]
    tile_width: int
    tile_height: int

    @property
    def count(self) -> int:
        return len(self.timestamps)

    @property
    def width(self) -> int:
        return self.count * self.tile_width


class _Reader:
    """Sequential access to the video frames of one open container, with keyframe seeks."""

    def __init__(self, container: InputContainer, stream: VideoStream) -> None:
        if stream.time_base is None:
            raise MediaError("video stream has no time base")
        self.container = container
        self.stream = stream
        self.time_base: Fraction = stream.time_base
        self.start = float(stream.start_time * self.time_base) if stream.start_time else 0.0
        rate = stream.average_rate or stream.guessed_rate
        self.frame_step = float(1 / rate) if rate else 0.04
        self.pos: float | None = None  # time of the last frame handed out
        self.gop = 0.0  # longest keyframe interval seen so far
        self._last_key: float | None = None
        self._frames: Iterator[VideoFrame] | None = None

    def duration(self) -> float | None:
        """Clip duration in seconds from the headers, or from a demux pass (no decoding)."""
        if self.container.duration and self.container.duration > 0:
            return self.container.duration / 1_000_000
        if self.stream.duration:
            return float(self.stream.duration * self.time_base)
        last = None
        for packet in self.container.demux(self.stream):
            if packet.pts is not None:
                last = packet.pts if last is None else max(last, packet.pts)
        self._frames = None  # the demux pass consumed the file; the next read seeks
        return None if last is None else float(last * self.time_base) - self.start

    def _decode(self) -> Iterator[VideoFrame]:
        for packet in self.container.demux(self.stream):
            try:
                frames = packet.decode()
            except av.FFmpegError:
                continue  # a damaged packet: carry on with the next one
            yield from frames

    def _seek(self, when: float) -> None:
        try:
            self.container.seek(int(when / self.time_base), stream=self.stream, backward=True)
        except av.FFmpegError:
            if self._frames is not None:
                return  # not seekable: keep decoding from where we are
        self._frames = self._decode()
        self.pos = None
        self._last_key = None

    def _next(self) -> tuple[VideoFrame, float] | None:
        assert self._frames is not None
        frame = next(self._frames, None)
        if frame is None:
            return None
        if frame.pts is not None:
            when = float(frame.pts * self.time_base)
        else:
            when = (self.pos + self.frame_step) if self.pos is not None else self.start
        if frame.key_frame:
            if self._last_key is not None and when > self._last_key:
                self.gop = max(self.gop, when - self._last_key)
            self._last_key = when
        self.pos = when
        return frame, when

    def _window(self) -> float:
        """How far ahead decoding on is no dearer than a seek: about one GOP (at least 1 s)."""
        since_key = 0.0
        if self.pos is not None and self._last_key is not None:
            since_key = self.pos - self._last_key
        return max(1.0, self.gop, since_key)

    def frame_at(
        self, seconds: float, *, exact: bool, after: float | None = None
    ) -> tuple[VideoFrame, float] | None:
        """The frame at ``seconds`` from the clip start, and its own time from the clip start.

        With ``exact`` False the keyframe found by the seek is good enough, provided it is later
        than ``after`` (the previous tile); otherwise decoding goes on to the wanted time.
        """
        target = self.start + max(0.0, seconds)
        seeked = False
        if self._frames is None or self.pos is None or not 0 <= target - self.pos <= self._window():
            self._seek(target)
            seeked = True
        tolerance = self.frame_step / 2
        best: tuple[VideoFrame, float] | None = None
        for _ in range(MAX_DECODE_FRAMES):
            item = self._next()
            if item is None:
                break
            frame, when = item
            rel = when - self.start
            if seeked and not exact and (after is None or rel > after + tolerance):
                return frame, rel
            seeked = False
            best = (frame, rel)
            if when >= target - tolerance:
                return best
        return best


def _open_video(path: Path) -> tuple[InputContainer, VideoStream]:
    try:
        container = av.open(str(path), "r", metadata_errors="replace")
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise MediaError(f"cannot open {Path(path).name} as media: {exc}") from exc
    for stream in container.streams.video:
        if not stream.disposition & Disposition.attached_pic:
            # Slice threads only: frame threading would decode several frames ahead after
            # every seek, wasted work when a picture needs one or two frames.
            stream.thread_type = "SLICE"
            return container, stream
    container.close()
    raise MediaError(f"{Path(path).name} has no video stream")


def _display_size(stream: VideoStream, frame: VideoFrame) -> tuple[int, int]:
    """Frame size with non-square pixels (sample aspect ratio) corrected."""
    sar = stream.codec_context.sample_aspect_ratio
    width = frame.width
    if sar and sar > 0 and sar != 1:
        width = max(2, round(frame.width * float(sar)))
    return width, frame.height


def _scaled(frame: VideoFrame, width: int, height: int) -> Image.Image:
    rgb = frame.reformat(width=width, height=height, format="rgb24", interpolation="AREA")
    image: Image.Image = rgb.to_image()
    return image


def _jpeg(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return buf.getvalue()


def poster_frame(path: Path, at_seconds: float | None = None) -> bytes:
    """JPEG of a representative frame, at most ``POSTER_MAX_WIDTH`` pixels wide (aspect kept).

    The frame is at ``at_seconds`` when given, else 10 % into the clip (1 s when the duration is
    unknown), clamped to the clip. Raises :class:`MediaError` when no frame can be decoded.
    """
    container, stream = _open_video(Path(path))
    with container:
        reader = _Reader(container, stream)
        try:
            duration = reader.duration()
            if at_seconds is None:
                at_seconds = duration * 0.1 if duration else 1.0
            if duration:
                at_seconds = min(at_seconds, max(0.0, duration - reader.frame_step))
            found = reader.frame_at(at_seconds, exact=True)
            if found is None and at_seconds > 0:
                found = reader.frame_at(0.0, exact=True)  # damaged tail: settle for the start
        except av.FFmpegError as exc:
            raise MediaError(f"cannot decode {Path(path).name}: {exc}") from exc
        if found is None:
            raise MediaError(f"no decodable video frame in {Path(path).name}")
        frame = found[0]
        width, height = _display_size(stream, frame)
        if width > POSTER_MAX_WIDTH:
            height = max(2, round(height * POSTER_MAX_WIDTH / width))
            width = POSTER_MAX_WIDTH
        return _jpeg(_scaled(frame, width, height))


def thumbnail_strip(
    path: Path, count: int = 10, tile_width: int = 160, *, exact: bool = False
) -> StripResult:
    """One JPEG sprite of ``count`` evenly spaced frames side by side, for scrubbing.

    Tile ``i`` aims at the middle of the ``i``-th of ``count`` equal slices of the clip. With
    ``exact`` False (the default) a tile may show the keyframe just before its aim, which is much
    cheaper; the returned timestamps always say which frame each tile really shows.
    """
    if count < 1 or tile_width < 2:
        raise MediaError("count must be >= 1 and tile_width >= 2")
    container, stream = _open_video(Path(path))
    with container:
        reader = _Reader(container, stream)
        try:
            duration = reader.duration() or 0.0
            tiles: list[tuple[VideoFrame, float] | None] = []
            previous: float | None = None
            for i in range(count):
                found = reader.frame_at(duration * (i + 0.5) / count, exact=exact, after=previous)
                tiles.append(found)
                if found is not None:
                    previous = found[1]
        except av.FFmpegError as exc:
            raise MediaError(f"cannot decode {Path(path).name}: {exc}") from exc
        first = next((t for t in tiles if t is not None), None)
        if first is None:
            raise MediaError(f"no decodable video frame in {Path(path).name}")
        width, height = _display_size(stream, first[0])
        tile_height = max(2, round(tile_width * height / width))
        sheet = Image.new("RGB", (tile_width * count, tile_height))
        timestamps: list[float] = []
        last = first
        for i, tile in enumerate(tiles):
            last = tile or last  # a tile that could not be decoded repeats its neighbour
            sheet.paste(_scaled(last[0], tile_width, tile_height), (i * tile_width, 0))
            timestamps.append(round(max(0.0, last[1]), 3))
        return StripResult(
            jpeg=_jpeg(sheet), timestamps=timestamps, tile_width=tile_width, tile_height=tile_height
        )
