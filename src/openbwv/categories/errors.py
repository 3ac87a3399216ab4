"""Errors of the categories domain (each carries its HTTP status)."""

from __future__ import annotations

from openbwv.errors import DomainError


class UnknownCategory(DomainError):
    title = "Unknown category"

    def __init__(self, names: list[str]) -> None:
        super().__init__(f"no such category: {', '.join(names)}")
        self.names = names
