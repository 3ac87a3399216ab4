"""The speech-to-text interface every engine implements, and what it returns.

An engine turns a block of 16 kHz mono samples into segments of timed words. It must never
invent words over silence: it runs voice activity detection first, decodes only the speech it
found, and reports the rest as not transcribed (`Gap`). A force can plug in a larger model or a
GPU by implementing `Engine` and naming it in `BWV_TRANSCRIPTION_ENGINE`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import numpy as np

SAMPLE_RATE = 16_000
LOW_CONFIDENCE = 0.5  # a word below this probability is marked for a person to check


@dataclass(frozen=True)
class ModelInfo:
    """A model's provenance, recorded with every transcript (it is part of the evidence record)."""

    name: str
    version: str
    licence: str
    sha256: str  # of the file the engine loaded (the joined model.bin), checked at load
    engine: str
    engine_version: str
    packages: tuple[str, ...] = ()  # the registry packages it came in, name==version

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "packages": list(self.packages)}


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    word: str
    probability: float

    @property
    def low_confidence(self) -> bool:
        return self.probability < LOW_CONFIDENCE


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    words: tuple[Word, ...]
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0


@dataclass(frozen=True)
class Gap:
    """A stretch that was not transcribed, and why: `silence` (no voice detected: silence, noise
    or music) or `unintelligible` (voice detected, nothing decoded with confidence)."""

    start: float
    end: float
    reason: str


@dataclass
class Result:
    """What an engine made of one block of audio (times in seconds from the block's start,
    shifted by `offset` when the engine is given one)."""

    language: str
    language_probability: float
    segments: list[Segment] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    speech_seconds: float = 0.0


class Engine(Protocol):
    """A speech-to-text engine: loaded once per process, then used for many blocks."""

    @property
    def model(self) -> ModelInfo: ...

    @property
    def settings(self) -> dict[str, Any]: ...

    def transcribe(self, samples: np.ndarray, offset: float = 0.0) -> Result: ...


def gaps_between(
    speech: list[tuple[float, float]], start: float, end: float, minimum: float = 0.5
) -> list[Gap]:
    """The stretches of [start, end] outside the speech spans (sorted), as silence gaps of at
    least `minimum` seconds."""
    gaps: list[Gap] = []
    cursor = start
    for begin, finish in sorted(speech):
        if begin - cursor >= minimum:
            gaps.append(Gap(round(cursor, 3), round(begin, 3), "silence"))
        cursor = max(cursor, finish)
    if end - cursor >= minimum:
        gaps.append(Gap(round(cursor, 3), round(end, 3), "silence"))
    return gaps
