"""Scenes with known boxes, for the tests and the bench: real faces that scikit-image ships
(its astronaut and the Labeled Faces in the Wild subset) and UK-style number plates, composited
into textured frames, moving, written as real H.264/AAC clips with a tone on the audio."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from pathlib import Path

import av
import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont
from skimage import data  # the sample images ship inside scikit-image

Truth = dict[int, tuple[int, int, int, int]]  # frame -> x, y, w, h


# Where the face itself lies in `astronaut_head()` (x, y, w, h of its 210×240 pixels).
ASTRONAUT_FACE = (56, 58, 90, 109)


@cache
def astronaut_head() -> np.ndarray:
    """The astronaut's head and shoulders (BGR), the face about 45% of its width."""
    rgb = data.astronaut()[10:250, 120:330]
    return np.ascontiguousarray(rgb[:, :, ::-1])


@cache
def lfw_faces() -> list[np.ndarray]:
    """The 100 faces of scikit-image's LFW subset (25×25 grey), as BGR."""
    faces = data.lfw_subset()[:100]
    return [cv2.cvtColor((f * 255).astype(np.uint8), cv2.COLOR_GRAY2BGR) for f in faces]


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for name in ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def plate(text: str, height: int, rear: bool = True) -> np.ndarray:
    """A UK-style plate (yellow rear, white front; black condensed capitals), BGR."""
    width = int(height * 4.7)
    colour = (247, 209, 23) if rear else (245, 245, 245)
    image = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(image)
    font = _font(int(height * 0.78))
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    draw.text(
        ((width - (right - left)) / 2 - left, (height - (bottom - top)) / 2 - top),
        text,
        fill=(0, 0, 0),
        font=font,
    )
    draw.rectangle([0, 0, width - 1, height - 1], outline=(30, 30, 30), width=max(1, height // 20))
    return np.asarray(image)[:, :, ::-1].copy()


def background(width: int, height: int, seed: int = 0) -> np.ndarray:
    """A textured street-ish backdrop (gradients and noise): variance everywhere, no faces."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:height, 0:width]
    base = np.stack(
        [
            90 + 50 * np.sin(xs / 37.0),
            100 + 40 * np.cos(ys / 23.0),
            110 + 30 * np.sin((xs + ys) / 51.0),
        ],
        axis=-1,
    )
    noise = rng.normal(0, 5, (height, width, 3))
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def paste(frame: np.ndarray, patch: np.ndarray, x: int, y: int) -> tuple[int, int, int, int]:
    """Put `patch` at (x, y), clipped to the frame; returns the box it covers."""
    h, w = patch.shape[:2]
    fh, fw = frame.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(fw, x + w), min(fh, y + h)
    if x1 <= x0 or y1 <= y0:
        return (0, 0, 0, 0)
    frame[y0:y1, x0:x1] = patch[y0 - y : y1 - y, x0 - x : x1 - x]
    return (x0, y0, x1 - x0, y1 - y0)


def rotated(patch: np.ndarray, degrees: float) -> np.ndarray:
    if not degrees:
        return patch
    h, w = patch.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(patch, matrix, (w, h), borderMode=cv2.BORDER_REFLECT)


@dataclass
class Scene:
    """What a clip shows: per frame, where each face (the face itself, within its head patch)
    and each plate are."""

    width: int
    height: int
    fps: int
    frames: int
    faces: list[Truth] = field(default_factory=list)
    plates: list[Truth] = field(default_factory=list)


def moving_scene(
    width: int = 640, height: int = 360, seconds: float = 2.0, fps: int = 25, head: int = 170
) -> tuple[Scene, list[np.ndarray]]:
    """The astronaut's head drifting right and a plate drifting left, over a backdrop."""
    count = round(seconds * fps)
    backdrop = background(width, height)
    patch = cv2.resize(astronaut_head(), (head, round(head * 240 / 210)))
    sign = plate("AB12 CDE", max(20, height // 12))
    scene = Scene(width, height, fps, count, [{}], [{}])
    images = []
    for index in range(count):
        t = index / max(1, count - 1)
        frame = backdrop.copy()
        fx = int(width * 0.05 + t * width * 0.25)
        fy = int(height * 0.08 + 10 * math.sin(t * 6))
        paste(frame, patch, fx, fy)
        scene.faces[0][index] = _face_in(fx, fy, head / 210)
        px = int(width * 0.9 - sign.shape[1] - t * width * 0.2)
        scene.plates[0][index] = paste(frame, sign, px, int(height * 0.75))
        images.append(frame)
    return scene, images


def _face_in(x: int, y: int, scale: float) -> tuple[int, int, int, int]:
    fx, fy, fw, fh = ASTRONAUT_FACE
    return (round(x + fx * scale), round(y + fy * scale), round(fw * scale), round(fh * scale))


def write_clip(path: Path, images: list[np.ndarray], fps: int, tone_hz: float = 440.0) -> Path:
    """The frames as H.264 with a steady tone as AAC (mono, 48 kHz), in MP4."""
    rate = 48_000
    with av.open(str(path), "w", format="mp4") as out:
        video = out.add_stream("libx264", rate=fps, options={"preset": "veryfast", "crf": "18"})
        video.height, video.width = images[0].shape[:2]
        video.pix_fmt = "yuv420p"
        audio = out.add_stream("aac", rate=rate)
        audio.layout = "mono"
        for image in images:
            out.mux(video.encode(av.VideoFrame.from_ndarray(image, format="bgr24")))
        total = round(len(images) / fps * rate)
        for start in range(0, total, 1024):
            n = min(1024, total - start)
            t = (np.arange(start, start + n) / rate).astype(np.float32)
            samples = (0.5 * np.sin(2 * np.pi * tone_hz * t)).reshape(1, -1).astype(np.float32)
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            frame.sample_rate, frame.pts = rate, start
            frame.time_base = Fraction(1, rate)
            out.mux(audio.encode(frame))
        out.mux(video.encode(None))
        out.mux(audio.encode(None))
    return path
