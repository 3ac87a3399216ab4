"""Errors of the transcription domain (each carries its HTTP status)."""

from __future__ import annotations

from openbwv.errors import Conflict, DomainError, NotFound


class TranscriptionError(DomainError):
    """A correction or request that cannot be made as asked (422)."""

    title = "Invalid transcript request"


class NoTranscript(NotFound):
    """No transcript yet: the problem says whether one is being made, and how far it has got."""

    title = "No transcript"


class NoSuchVersion(NotFound):
    title = "No such transcript version"


class StaleVersion(Conflict):
    """A correction made to a version that is no longer the current one."""

    title = "Transcript changed"


class NoSound(TranscriptionError):
    title = "Nothing to transcribe"
