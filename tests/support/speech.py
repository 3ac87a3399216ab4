"""Speech made at test time: Debian's espeak-ng reads a text aloud (UK voices), silence and street
noise go between, and the result is muxed into a real MP4 (`media.synth.make_clip`)."""

from __future__ import annotations

import io
import shutil
import subprocess
import wave
from collections.abc import Sequence
from pathlib import Path

import jiwer
import numpy as np

from openbwv.media.synth import make_clip

RATE = 48_000
ESPEAK = "espeak-ng"


def require_espeak() -> str:
    found = shutil.which(ESPEAK)
    if found is None:
        raise RuntimeError(
            "espeak-ng is missing: run `make test` (scripts/install-speech.sh installs Debian's "
            "espeak-ng)"
        )
    return found


def speak(text: str, voice: str = "en-gb", words_per_minute: int = 150) -> np.ndarray:
    """`text` read by espeak-ng, as mono float samples at 48 kHz."""
    wav = subprocess.run(
        [require_espeak(), "-v", voice, "-s", str(words_per_minute), "--stdout", text],
        check=True,
        capture_output=True,
    ).stdout
    with wave.open(io.BytesIO(wav)) as reader:
        rate = reader.getframerate()
        raw = np.frombuffer(reader.readframes(reader.getnframes()), dtype=np.int16)
    samples = raw.astype(np.float32) / 32768.0
    positions = np.arange(0, len(samples) * RATE // rate) * rate / RATE
    return np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)


def street_noise(seconds: float, level: float = 0.02, seed: int = 7) -> np.ndarray:
    """Low-passed noise with a slow rumble: traffic more than hiss."""
    rng = np.random.default_rng(seed)
    white = rng.normal(0, 1, int(seconds * RATE)).astype(np.float32)
    smooth = np.convolve(white, np.ones(24, dtype=np.float32) / 24, mode="same")
    rumble = 0.5 + 0.5 * np.sin(np.linspace(0, seconds * 0.7, len(smooth)))
    scaled = smooth / (np.abs(smooth).max() or 1.0)
    return (scaled * level * rumble).astype(np.float32)


def with_noise(samples: np.ndarray, snr_db: float, seed: int = 11) -> np.ndarray:
    """The samples with white-ish noise added at this signal-to-noise ratio."""
    rng = np.random.default_rng(seed)
    power = float(np.mean(samples**2)) or 1e-9
    noise = rng.normal(0, np.sqrt(power / 10 ** (snr_db / 10)), len(samples))
    return (samples + noise).astype(np.float32)


def sequence(parts: Sequence[str | float], voice: str = "en-gb") -> tuple[np.ndarray, list[float]]:
    """Texts spoken and pauses (seconds of street noise) in order; returns the samples and the
    time each text starts."""
    pieces, starts, at = [], [], 0.0
    for part in parts:
        piece = street_noise(part) if isinstance(part, int | float) else speak(part, voice)
        if not isinstance(part, int | float):
            starts.append(at)
        pieces.append(piece)
        at += len(piece) / RATE
    return np.concatenate(pieces), starts


def speech_clip(path: Path, samples: np.ndarray, seed: int = 1) -> Path:
    """An H.264/AAC MP4 (320×240) whose sound is `samples`."""
    return make_clip(path, seconds=1, soundtrack=samples, seed=seed, fps=10)


def word_error_rate(expected: str, heard: str) -> float:
    """jiwer's WER with case and punctuation left out on both sides."""

    def plain(text: str) -> str:
        return str(jiwer.ToLowerCase()(jiwer.RemovePunctuation()(text)))

    return float(jiwer.wer(plain(expected), plain(heard)))
