"""faster-whisper (CTranslate2) as an `Engine`, with Silero VAD before decoding.

The model is loaded from a local directory (never a hub name, so faster-whisper never calls the
hub); `HF_HUB_OFFLINE` is set as a second lock. Silence is never decoded: Silero VAD (shipped
inside faster-whisper) finds the speech, only that is decoded, and any word whose time falls
outside the speech found is dropped. Segments the model itself calls no-speech with low
confidence are reported as unintelligible rather than written down.
"""

from __future__ import annotations

import os
import threading
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from openbwv.speech import packaged_model
from openbwv.speech.engine import SAMPLE_RATE, Gap, ModelInfo, Result, Segment, Word, gaps_between

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before faster_whisper imports huggingface_hub
from faster_whisper import WhisperModel
from faster_whisper.vad import VadOptions, get_speech_timestamps

ENGINE = "faster-whisper"
WORD_MARGIN = 0.3  # seconds a word may stray outside a speech span (VAD padding, rounding)
VAD = {"threshold": 0.5, "min_silence_duration_ms": 500, "speech_pad_ms": 200}
DECODE: dict[str, Any] = {
    "beam_size": 5,
    "word_timestamps": True,
    "condition_on_previous_text": False,  # no runaway repetition carried from one window on
    "no_speech_threshold": 0.6,
    "log_prob_threshold": -1.0,
    "compression_ratio_threshold": 2.4,
    "hallucination_silence_threshold": 2.0,
}


class FasterWhisper:
    """One loaded model; `transcribe` is safe to call from one thread at a time (a lock)."""

    def __init__(
        self,
        directory: Path,
        info: ModelInfo,
        *,
        language: str | None = "en",
        threads: int = 0,
        compute_type: str = "int8",
        device: str = "cpu",
    ) -> None:
        self._model = WhisperModel(
            str(directory), device=device, compute_type=compute_type, cpu_threads=threads
        )
        self._info = info
        self._language = language
        self._lock = threading.Lock()
        self.directory = directory
        self._settings = {
            "device": device,
            "compute_type": compute_type,
            "language": language,
            "vad": "silero (faster-whisper)",
            "vad_options": VAD,
            "decode": DECODE,
            "low_confidence_below": 0.5,
        }

    @property
    def model(self) -> ModelInfo:
        return self._info

    @property
    def settings(self) -> dict[str, Any]:
        return self._settings

    def transcribe(self, samples: np.ndarray, offset: float = 0.0) -> Result:
        audio = np.ascontiguousarray(samples, dtype=np.float32)
        length = len(audio) / SAMPLE_RATE
        spans = [
            (int(s["start"]) / SAMPLE_RATE, int(s["end"]) / SAMPLE_RATE)
            for s in get_speech_timestamps(audio, VadOptions(**VAD))
        ]
        result = Result(language=self._language or "", language_probability=1.0)
        result.speech_seconds = round(sum(end - start for start, end in spans), 3)
        if spans:
            with self._lock:
                segments, info = self._model.transcribe(
                    audio,
                    language=self._language,
                    vad_filter=True,
                    vad_parameters=VAD,
                    **DECODE,
                )
                decoded = list(segments)
            result.language = info.language
            result.language_probability = round(float(info.language_probability), 3)
            for raw in decoded:
                kept = _segment(raw, spans, offset)
                if kept is None:
                    result.gaps.append(
                        Gap(
                            round(float(raw.start) + offset, 3),
                            round(float(raw.end) + offset, 3),
                            "unintelligible",
                        )
                    )
                elif kept.words:
                    result.segments.append(kept)
        silent = gaps_between(spans, 0.0, length)
        result.gaps.extend(
            Gap(round(g.start + offset, 3), round(g.end + offset, 3), g.reason) for g in silent
        )
        result.gaps.sort(key=lambda gap: gap.start)
        return result


def _inside(word: Any, spans: list[tuple[float, float]]) -> bool:
    return any(
        word.start >= start - WORD_MARGIN and word.end <= end + WORD_MARGIN for start, end in spans
    )


def _segment(raw: Any, spans: list[tuple[float, float]], offset: float) -> Segment | None:
    """The segment with only the words said inside detected speech; None when the model itself
    judged it no speech and was unsure of its words."""
    if raw.no_speech_prob > DECODE["no_speech_threshold"] and raw.avg_logprob < -1.0:
        return None
    words = tuple(
        Word(
            round(float(w.start) + offset, 3),
            round(float(w.end) + offset, 3),
            w.word.strip(),
            round(float(w.probability), 3),
        )
        for w in (raw.words or [])
        if w.word.strip() and _inside(w, spans)
    )
    text = " ".join(w.word for w in words)
    return Segment(
        round(float(raw.start) + offset, 3),
        round(float(raw.end) + offset, 3),
        text,
        words,
        round(float(raw.avg_logprob), 3),
        round(float(raw.no_speech_prob), 3),
    )


def packaged(cache_dir: Path, *, threads: int = 0, language: str | None = "en") -> FasterWhisper:
    """faster-whisper with the packaged Whisper base (joined and verified by `packaged_model`)."""
    prepared = packaged_model.prepare(cache_dir)
    info = ModelInfo(
        name=packaged_model.NAME,
        version=packaged_model.VERSION,
        licence=packaged_model.LICENCE,
        sha256=prepared.sha256,
        engine=ENGINE,
        engine_version=metadata.version("faster-whisper"),
        packages=prepared.packages,
    )
    return FasterWhisper(prepared.directory, info, language=language, threads=threads)


def local(
    directory: Path, name: str, version: str, licence: str, *, threads: int = 0, **kwargs: Any
) -> FasterWhisper:
    """A force's own CTranslate2 Whisper model in a directory (a larger one, or for a GPU): its
    model.bin hash is recorded, as for the packaged model."""
    info = ModelInfo(
        name=name,
        version=version,
        licence=licence,
        sha256=packaged_model.sha256_file(directory / "model.bin"),
        engine=ENGINE,
        engine_version=metadata.version("faster-whisper"),
    )
    return FasterWhisper(directory, info, threads=threads, **kwargs)
