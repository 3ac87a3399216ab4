"""The engine this process transcribes with, loaded once (a few seconds) and kept: the packaged
Whisper base by default, or a force's own model directory (`BWV_TRANSCRIPTION_MODEL_DIR`)."""

from __future__ import annotations

import threading

from openbwv.speech import faster
from openbwv.speech.engine import Engine
from openbwv.transcription.settings import transcription_settings

_lock = threading.Lock()
_loaded: list[Engine] = []


def engine() -> Engine:
    with _lock:
        if not _loaded:
            _loaded.append(_load())
        return _loaded[0]


def _load() -> Engine:
    settings = transcription_settings()
    language = settings.language or None
    if settings.model_dir is not None:
        return faster.local(
            settings.model_dir.expanduser(),
            settings.model_name or settings.model_dir.name,
            settings.model_version or "unknown",
            settings.model_licence or "unknown",
            threads=settings.threads,
            language=language,
            device=settings.device,
            compute_type=settings.compute_type,
        )
    return faster.packaged(settings.cache_dir(), threads=settings.threads, language=language)
