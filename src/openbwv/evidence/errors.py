"""Errors of the evidence domain (each carries its HTTP status; `api.problems` presents them)."""

from __future__ import annotations

from openbwv.errors import Conflict, DomainError, Gone


class BadCursor(DomainError):
    """A list's cursor that is not one of ours."""

    status = 400
    title = "Invalid cursor"


class BadPage(DomainError):
    """A page link (My footage) that is not one of ours."""

    status = 400
    title = "Invalid page"


class AlreadyVisible(Conflict):
    """Break glass asked for an item the person can already open."""

    title = "Already visible"


class NoSuchCase(DomainError):
    """Linking to a crime reference that names no case the person can see."""


class Disposed(Gone):
    """The item was disposed of under a retention rule: its bytes are gone, its record stays."""

    title = "Disposed"
