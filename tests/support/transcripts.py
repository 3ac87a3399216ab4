"""A machine transcript as the transcription job would save it, for tests about what uses
transcripts (the engine itself is tested in tests/transcription)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from openbwv.db.session import unit_of_work
from openbwv.transcription import service

Said = Sequence[tuple[str, float, float]]  # (word, start, end) in seconds


def made(said: Said, duration: float = 10.0) -> service.Made:
    """One segment of the words said, each heard with probability 0.9."""
    words = [
        {"word": w, "start": s, "end": e, "probability": 0.9, "low_confidence": False}
        for w, s, e in said
    ]
    return service.Made(
        language="en",
        model={
            "name": "whisper-base",
            "version": "1.0.0",
            "licence": "MIT",
            "sha256": "0" * 64,
            "engine": "faster-whisper",
            "engine_version": "1.2.1",
            "packages": [],
        },
        settings={},
        duration_seconds=duration,
        speech_seconds=sum(e - s for _w, s, e in said),
        segments=[
            {
                "start": said[0][1],
                "end": said[-1][2],
                "text": " ".join(w for w, _s, _e in said),
                "words": words,
            }
        ],
        not_transcribed=[],
    )


def spoken(text: str, start: float = 1.0) -> Said:
    """The words of `text`, 0.4 s apart from `start`."""
    return [(w, start + i * 0.4, start + i * 0.4 + 0.3) for i, w in enumerate(text.split())]


def transcribe(item: uuid.UUID, said: Said, duration: float = 10.0) -> None:
    with unit_of_work() as session:
        service.save_machine(session, item, made(said, duration))
