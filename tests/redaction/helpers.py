"""Redaction tests' measures: how much detail a region keeps (its variance), how far two
frames differ outside some boxes, and audio loudness (RMS) over a time range."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
from av.audio.resampler import AudioResampler

from openbwv.media.redaction import scenes

Box = tuple[int, int, int, int]


def detail(image: np.ndarray, box: Box) -> float:
    """Variance of the grey levels' local differences inside `box` (detail, not brightness)."""
    x, y, w, h = box
    grey = image[y : y + h, x : x + w].astype(np.float32).mean(axis=2)
    return float(np.var(np.diff(grey, axis=1))) if grey.size else 0.0


def outside_difference(a: np.ndarray, b: np.ndarray, boxes: list[Box], margin: float) -> float:
    """Mean absolute difference of two frames away from `boxes` (each grown by `margin`)."""
    mask = np.ones(a.shape[:2], dtype=bool)
    for x, y, w, h in boxes:
        dx, dy = int(w * margin) + 2, int(h * margin) + 2
        mask[max(0, y - dy) : y + h + dy, max(0, x - dx) : x + w + dx] = False
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16))[mask].mean())


def rms(path: Path, start: float, end: float) -> float:
    """Root-mean-square level of the audio between `start` and `end` seconds (mono, 0–1)."""
    samples: list[np.ndarray] = []
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        rate = stream.codec_context.sample_rate
        resampler = AudioResampler(format="flt", layout="mono", rate=rate)
        for frame in container.decode(stream):
            for mono in resampler.resample(frame):
                samples.append(mono.to_ndarray().reshape(-1))
    audio = np.concatenate(samples)
    part = audio[int(start * rate) : int(end * rate)]
    return float(np.sqrt(np.mean(part**2)))


def scene_clip(path: Path, seconds: float = 1.6) -> tuple[scenes.Scene, Path]:
    """The moving face and plate at 640×360, 25 fps, with a 440 Hz tone."""
    scene, images = scenes.moving_scene(640, 360, seconds, 25, head=170)
    return scene, scenes.write_clip(path, images, scene.fps)
