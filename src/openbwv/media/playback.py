"""The web playback copy: decide what a browser needs, then make it.

Browsers play H.264 (8-bit 4:2:0) video with AAC audio, or no audio, in MP4. ``plan_playback`` looks
at a :class:`ProbeResult` and picks the cheapest way there:

* ``as_is``     - already MP4 + H.264 (+ AAC): serve the original;
* ``remux``     - playable codecs in another container (Matroska, MOV...): copy packets into MP4;
* ``transcode`` - anything else: H.264 (libx264, veryfast, CRF 23, yuv420p) + AAC in MP4. A stream
  that is already playable is still copied, not re-encoded (H.264 + Opus: only audio is encoded);
* ``none``      - unreadable: there is nothing to play.

Every MP4 written here has its index first (``movflags=+faststart``) so it streams at once.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal

import av
from av.audio.frame import AudioFrame
from av.audio.stream import AudioStream
from av.container import InputContainer, OutputContainer
from av.packet import Packet
from av.stream import Disposition, Stream
from av.video.frame import PictureType, VideoFrame
from av.video.stream import VideoStream

from openbwv.media.errors import MediaError
from openbwv.media.probe import ProbeResult

PlaybackAction = Literal["as_is", "remux", "transcode", "none"]

PLAYABLE_VIDEO_CODECS = frozenset({"h264"})
PLAYABLE_PIXEL_FORMATS = frozenset({"yuv420p", "yuvj420p"})
PLAYABLE_AUDIO_CODECS = frozenset({"aac"})
X264_OPTIONS = {"preset": "veryfast", "crf": "23", "profile": "high"}
AAC_BIT_RATE = 128_000
_AAC_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000)
_MUXER_OPTIONS = {"movflags": "+faststart"}
_KEPT_METADATA = ("creation_time", "title", "location", "location-eng")


@dataclass(frozen=True)
class PlaybackPlan:
    """What to do to get a browser-playable copy, and why.

    ``copy_video`` / ``copy_audio`` say whether that stream's packets are copied unchanged (True)
    or re-encoded (False); ``has_audio`` is False when the source has no audio stream.
    """

    action: PlaybackAction
    reason: str
    copy_video: bool = False
    copy_audio: bool = False
    has_audio: bool = False


def _video_playable(probe: ProbeResult) -> bool:
    return (
        probe.video_codec in PLAYABLE_VIDEO_CODECS and probe.pixel_format in PLAYABLE_PIXEL_FORMATS
    )


def plan_playback(probe: ProbeResult) -> PlaybackPlan:
    """Choose ``as_is``, ``remux``, ``transcode`` or ``none`` for a probed file."""
    if not probe.readable:
        return PlaybackPlan("none", f"not playable: {probe.error or 'unreadable'}")
    has_audio = probe.audio_codec is not None
    video_ok = _video_playable(probe)
    audio_ok = not has_audio or probe.audio_codec in PLAYABLE_AUDIO_CODECS
    streams = f"{probe.video_codec}/{probe.pixel_format} + {probe.audio_codec or 'no audio'}"
    if video_ok and audio_ok:
        if probe.container_short == "mp4":
            return PlaybackPlan("as_is", f"MP4 with {streams}", True, has_audio, has_audio)
        return PlaybackPlan(
            "remux", f"{streams} in {probe.container_short}: copy into MP4", True, True, has_audio
        )
    return PlaybackPlan(
        "transcode",
        f"{streams} in {probe.container_short}: encode "
        + " and ".join(
            part for part, needed in (("video", not video_ok), ("audio", not audio_ok)) if needed
        ),
        copy_video=video_ok,
        copy_audio=audio_ok and has_audio,
        has_audio=has_audio,
    )


def make_playback_copy(src: Path, dst: Path, plan: PlaybackPlan) -> None:
    """Write the browser-playable MP4 for ``src`` to ``dst`` following ``plan``.

    ``as_is`` copies the bytes (callers may prefer to serve the original); ``none`` raises
    :class:`MediaError`, as does any decoding or encoding failure (``dst`` is then removed).
    """
    src, dst = Path(src), Path(dst)
    if plan.action == "none":
        raise MediaError(f"no playback copy possible for {src.name}: {plan.reason}")
    if plan.action == "as_is":
        shutil.copyfile(src, dst)
        return
    try:
        with (
            av.open(str(src), "r", metadata_errors="replace") as inp,
            av.open(str(dst), "w", format="mp4", options=_MUXER_OPTIONS) as out,
        ):
            _convert(inp, out, plan)
    except (av.FFmpegError, OSError, ValueError) as exc:
        dst.unlink(missing_ok=True)
        raise MediaError(f"could not make playback copy of {src.name}: {exc}") from exc
    except BaseException:
        dst.unlink(missing_ok=True)
        raise


def _pick_streams(inp: InputContainer) -> tuple[VideoStream, AudioStream | None]:
    videos = [s for s in inp.streams.video if not s.disposition & Disposition.attached_pic]
    if not videos:
        raise MediaError("source has no video stream")
    audios = list(inp.streams.audio)
    return videos[0], (audios[0] if audios else None)


def _even(value: int) -> int:
    return max(2, value - value % 2)


def _video_encoder(out: OutputContainer, src: VideoStream) -> VideoStream:
    rate = src.average_rate or src.guessed_rate or Fraction(25)
    enc: VideoStream = out.add_stream("libx264", rate=rate, options=dict(X264_OPTIONS))
    enc.width = _even(src.codec_context.width)
    enc.height = _even(src.codec_context.height)
    enc.pix_fmt = "yuv420p"
    sar = src.codec_context.sample_aspect_ratio
    if sar:
        enc.codec_context.sample_aspect_ratio = sar
    if src.time_base is not None:
        enc.codec_context.time_base = src.time_base  # keep the source's timestamps as they are
    return enc


def _audio_encoder(out: OutputContainer, src: AudioStream) -> AudioStream:
    source_rate = src.codec_context.sample_rate
    rate = source_rate if source_rate in _AAC_RATES else 48_000
    enc: AudioStream = out.add_stream("aac", rate=rate)
    enc.layout = "stereo" if (src.codec_context.channels or 1) >= 2 else "mono"
    enc.bit_rate = AAC_BIT_RATE
    return enc


class _VideoPipe:
    """Decode, normalise (even size, yuv420p, increasing pts) and encode video frames."""

    def __init__(self, src: VideoStream, enc: VideoStream) -> None:
        self.src, self.enc = src, enc
        self.last_pts: int | None = None

    def frames(self, frames: list[VideoFrame]) -> list[Packet]:
        packets: list[Packet] = []
        for frame in frames:
            if frame.width != self.enc.width or frame.height != self.enc.height:
                frame = frame.reformat(
                    width=self.enc.width, height=self.enc.height, format="yuv420p"
                )
            pts = frame.pts
            if pts is None or (self.last_pts is not None and pts <= self.last_pts):
                pts = 0 if self.last_pts is None else self.last_pts + 1
            frame.pts = self.last_pts = pts
            frame.time_base = self.enc.codec_context.time_base
            frame.pict_type = PictureType.NONE  # let x264 choose frame types
            packets.extend(self.enc.encode(frame))
        return packets


def _convert(inp: InputContainer, out: OutputContainer, plan: PlaybackPlan) -> None:
    video, audio = _pick_streams(inp)
    for key in _KEPT_METADATA:
        if inp.metadata.get(key):
            out.metadata[key] = inp.metadata[key]
    outputs: dict[int, Stream] = {}
    video_pipe: _VideoPipe | None = None
    audio_enc: AudioStream | None = None
    if plan.copy_video:
        outputs[video.index] = out.add_stream_from_template(video)
    else:
        video.thread_type = "AUTO"
        video_pipe = _VideoPipe(video, _video_encoder(out, video))
        outputs[video.index] = video_pipe.enc
    if audio is not None:
        if plan.copy_audio:
            outputs[audio.index] = out.add_stream_from_template(audio)
        else:
            audio_enc = _audio_encoder(out, audio)
            outputs[audio.index] = audio_enc
    wanted = [video] + ([audio] if audio is not None else [])
    for packet in inp.demux(wanted):
        target = outputs[packet.stream.index]
        if packet.stream is video and video_pipe is not None:
            out.mux(video_pipe.frames(_decode_video(video, packet)))
        elif packet.stream is audio and audio_enc is not None:
            for frame in _decode_audio(audio, packet):
                out.mux(audio_enc.encode(frame))
        elif packet.size:  # copied stream; empty packets only mark the end of the stream
            packet.stream = target
            out.mux(packet)
    if video_pipe is not None:
        out.mux(video_pipe.enc.encode(None))
    if audio_enc is not None:
        out.mux(audio_enc.encode(None))


def _decode_video(stream: VideoStream, packet: Packet) -> list[VideoFrame]:
    try:
        return stream.decode(packet)
    except av.InvalidDataError:
        return []  # a damaged packet: skip it, the next keyframe recovers


def _decode_audio(stream: AudioStream, packet: Packet) -> list[AudioFrame]:
    try:
        return stream.decode(packet)
    except av.InvalidDataError:
        return []
