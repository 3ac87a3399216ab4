"""Errors of annotating (each carries its HTTP status; `api.problems` presents them)."""

from __future__ import annotations

from openbwv.errors import DomainError


class AnnotationError(DomainError):
    """Bad input from a person: the message says what to change."""
