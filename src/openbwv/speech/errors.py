"""What can go wrong loading a speech model (plain exceptions: this is an adapter)."""

from __future__ import annotations


class SpeechError(RuntimeError):
    """The speech engine could not do what was asked."""


class ModelMissing(SpeechError):
    """A model package (or one of its files) is not installed."""


class ModelIntegrityError(SpeechError):
    """A model file's SHA-256 is not the one pinned: it is never loaded."""
