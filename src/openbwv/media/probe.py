"""Probe a media file: container, codecs, size, rate, duration, creation time.

``probe`` never raises for bad input. A file is *readable* when FFmpeg can open it, it has a
video stream (cover art does not count), and at least its first video frame actually decodes; the
work is bounded (at most ``MAX_PROBE_PACKETS`` video packets are read) so a hostile file cannot
hang a worker.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
from av.audio.stream import AudioStream
from av.container import InputContainer
from av.stream import Disposition, Stream
from av.video.stream import VideoStream

MAX_PROBE_PACKETS = 600
"""Video packets read while looking for the first decodable frame (~24 s at 25 fps)."""

_EPOCH_FLOOR = datetime(1971, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ProbeResult:
    """What a file is, as far as FFmpeg can tell. ``readable`` is False with ``error`` set when it
    is not a playable video; the other fields are filled in as far as the file allowed."""

    readable: bool
    error: str | None = None
    container: str | None = None
    container_short: str | None = None
    duration_seconds: float | None = None
    video_codec: str | None = None
    audio_codec: str | None = None
    width: int | None = None
    height: int | None = None
    frame_rate: float | None = None
    pixel_format: str | None = None
    video_profile: str | None = None
    audio_sample_rate: int | None = None
    audio_channels: int | None = None
    bit_rate: int | None = None
    creation_time: datetime | None = None
    streams: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form; ``creation_time`` as ISO 8601 with a ``Z``."""
        data = asdict(self)
        if self.creation_time is not None:
            data["creation_time"] = self.creation_time.isoformat().replace("+00:00", "Z")
        return data


def parse_creation_time(value: str | None) -> datetime | None:
    """Parse FFmpeg's ``creation_time`` tag (ISO 8601, UTC by convention) into an aware UTC time.

    Returns None for a missing, unparsable or zero (1970/1904 epoch) value.
    """
    if not value:
        return None
    text = value.strip().replace(" ", "T", 1)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    parsed = parsed.astimezone(UTC)
    return parsed if parsed >= _EPOCH_FLOOR else None


def short_container_name(format_name: str, major_brand: str | None, suffix: str = "") -> str:
    """A short container name: ``mp4``, ``mov``, ``matroska``, ``avi``, ``mpegts``...

    FFmpeg reports the whole ISO family as ``mov,mp4,m4a,3gp,3g2,mj2``; the ``ftyp`` major brand
    tells QuickTime (``qt``) from MP4 proper.
    """
    if format_name.startswith("mov,mp4"):
        brand = (major_brand or "").strip().lower()
        if brand == "qt" or (not brand and suffix.lower() == ".mov"):
            return "mov"
        if not brand:
            return "mov"  # old QuickTime files have no ftyp box at all
        if brand.startswith("3g2"):
            return "3g2"
        if brand.startswith("3gp"):
            return "3gp"
        if brand in ("m4a", "m4b"):
            return "m4a"
        return "mp4"
    if format_name.startswith("matroska"):
        return "matroska"
    return format_name.split(",")[0]


def _fraction_float(value: Fraction | None) -> float | None:
    if value is None or value <= 0:
        return None
    return round(float(value), 3)


def _seconds(stream: Stream, amount: int | None) -> float | None:
    if amount is None or stream.time_base is None:
        return None
    return round(float(amount * stream.time_base), 3)


def _is_video(stream: Stream) -> bool:
    return stream.type == "video" and not stream.disposition & Disposition.attached_pic


def _stream_summary(stream: Stream) -> dict[str, Any]:
    ctx = stream.codec_context
    info: dict[str, Any] = {
        "index": stream.index,
        "type": stream.type,
        "codec": ctx.name if ctx is not None else None,
        "profile": stream.profile,
        "time_base": str(stream.time_base) if stream.time_base is not None else None,
        "start_seconds": _seconds(stream, stream.start_time),
        "duration_seconds": _seconds(stream, stream.duration),
        "frames": stream.frames or None,
        "language": stream.language,
    }
    if isinstance(stream, VideoStream):
        vctx = stream.codec_context
        info.update(
            width=vctx.width,
            height=vctx.height,
            pixel_format=vctx.pix_fmt,
            frame_rate=_fraction_float(stream.average_rate or stream.guessed_rate),
            bit_rate=vctx.bit_rate or None,
            cover_art=bool(stream.disposition & Disposition.attached_pic),
        )
    elif isinstance(stream, AudioStream):
        actx = stream.codec_context
        info.update(
            sample_rate=actx.sample_rate or None,
            channels=actx.channels or None,
            layout=actx.layout.name if actx.layout is not None else None,
            bit_rate=actx.bit_rate or None,
        )
    return info


def _first_frame_error(container: InputContainer, video: VideoStream) -> str | None:
    """Decode until the first video frame; return None on success or why it failed."""
    last_error = "no video frame could be decoded"
    packets = 0
    try:
        for packet in container.demux(video):
            if packet.size == 0:  # the demuxer's end-of-stream marker
                break
            packets += 1
            try:
                if packet.decode():
                    return None
            except av.FFmpegError as exc:
                last_error = f"video does not decode: {exc.strerror or exc}"
            if packets >= MAX_PROBE_PACKETS:
                return f"no decodable video frame in the first {packets} packets"
        if video.decode(None):  # frames held back by the decoder (B-frames, threads)
            return None
    except av.FFmpegError as exc:
        last_error = f"file is damaged after {packets} video packets: {exc.strerror or exc}"
    if packets == 0:
        return "the video stream holds no data (truncated or empty recording?)"
    return last_error


def _open_error(path: Path, exc: Exception) -> str:
    try:
        with path.open("rb") as fh:
            head = fh.read(12)
    except OSError as os_exc:
        return f"cannot read file: {os_exc.strerror or os_exc}"
    if not head:
        return "empty file"
    if head[4:8] == b"ftyp":
        return (
            "MP4/MOV file without a usable index (moov atom missing or damaged): "
            "truncated or unfinished recording"
        )
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return f"Matroska file too damaged to open: {exc}"
    reason = exc.strerror if isinstance(exc, av.FFmpegError) and exc.strerror else str(exc)
    return f"not a recognised audio/video file ({reason})"


def probe(path: Path) -> ProbeResult:
    """Describe the media file at ``path``; never raises for bad input (see the module doc)."""
    path = Path(path)
    if not path.is_file():
        return ProbeResult(readable=False, error=f"no such file: {path.name}")
    try:
        container = av.open(str(path), "r", metadata_errors="replace")
    except (av.FFmpegError, OSError, ValueError, UnicodeError) as exc:
        return ProbeResult(readable=False, error=_open_error(path, exc))
    try:
        return _describe(path, container)
    except Exception as exc:  # a probe must never take a worker down
        return ProbeResult(readable=False, error=f"could not probe file: {exc}")
    finally:
        container.close()


def _describe(path: Path, container: InputContainer) -> ProbeResult:
    videos = [s for s in container.streams.video if _is_video(s)]
    audios = list(container.streams.audio)
    video = videos[0] if videos else None
    audio = audios[0] if audios else None
    meta = container.metadata
    creation = parse_creation_time(meta.get("creation_time"))
    if creation is None and video is not None:
        creation = parse_creation_time(video.metadata.get("creation_time"))
    duration: float | None = None
    if container.duration and container.duration > 0:
        duration = round(container.duration / 1_000_000, 3)
    elif video is not None:
        duration = _seconds(video, video.duration)
    fields: dict[str, Any] = {
        "container": container.format.name,
        "container_short": short_container_name(
            container.format.name, meta.get("major_brand"), path.suffix
        ),
        "duration_seconds": duration,
        "bit_rate": container.bit_rate or None,
        "creation_time": creation,
        "streams": [_stream_summary(s) for s in container.streams],
    }
    if audio is not None:
        actx = audio.codec_context
        fields.update(
            audio_codec=actx.name,
            audio_sample_rate=actx.sample_rate or None,
            audio_channels=actx.channels or None,
        )
    if video is None:
        kinds = ", ".join(f"{s['type']} ({s['codec']})" for s in fields["streams"]) or "nothing"
        return ProbeResult(
            readable=False, error=f"no video stream; the file holds {kinds}", **fields
        )
    vctx = video.codec_context
    fields.update(
        video_codec=vctx.name,
        width=vctx.width or None,
        height=vctx.height or None,
        frame_rate=_fraction_float(video.average_rate or video.guessed_rate),
        pixel_format=vctx.pix_fmt,
        video_profile=video.profile,
    )
    error = _first_frame_error(container, video)
    return ProbeResult(readable=error is None, error=error, **fields)
