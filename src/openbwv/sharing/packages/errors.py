"""Errors of evidence packages (each carries its HTTP status)."""

from __future__ import annotations

from openbwv.errors import Conflict, DomainError


class PackageError(DomainError):
    """A package asked for in a way that cannot be built (422)."""

    title = "Invalid package request"


class NothingToPackage(Conflict):
    """Every item of the request was withheld or refused (409)."""

    title = "Nothing to package"


class Withheld(Conflict):
    """An item named explicitly may not leave the force (409): do not disclose, or refused."""

    title = "Item withheld from disclosure"
