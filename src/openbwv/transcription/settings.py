"""Settings of transcription (`BWV_TRANSCRIPTION_*` environment variables)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from openbwv.config import get_settings


class TranscriptionSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="BWV_TRANSCRIPTION_", env_file=None, extra="ignore", protected_namespaces=()
    )

    auto: bool = Field(
        default=False, description="Transcribe every new recording once it is processed."
    )
    block_seconds: float = Field(
        default=300, ge=5, le=1800, description="Long recordings are transcribed in blocks."
    )
    threads: int = Field(default=0, ge=0, description="CPU threads for the engine (0: its own).")
    language: str = Field(default="en", max_length=8, description="Spoken language; '' detects.")
    model_dir: Path | None = Field(
        default=None,
        description="A force's own CTranslate2 Whisper model directory instead of the packaged "
        "Whisper base (a larger model, or for a GPU); name, version and licence below.",
    )
    model_name: str = Field(default="", max_length=64)
    model_version: str = Field(default="", max_length=32)
    model_licence: str = Field(default="", max_length=64)
    device: str = Field(default="cpu", max_length=8, description="cpu or cuda (own model).")
    compute_type: str = Field(default="int8", max_length=16)

    def cache_dir(self) -> Path:
        """Where the packaged model is joined from its two parts."""
        return get_settings().resolved_data_dir / "models"


@lru_cache(maxsize=1)
def transcription_settings() -> TranscriptionSettings:
    return TranscriptionSettings()


def reset_transcription_settings() -> None:
    transcription_settings.cache_clear()
