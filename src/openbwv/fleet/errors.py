"""Fleet errors: each carries a message for the operator and maps to one HTTP status."""

from __future__ import annotations

from openbwv.errors import Conflict, DomainError, NotFound


class FleetError(DomainError, ValueError):
    """A request the fleet refuses as it stands (HTTP 422; CLI exit 2)."""

    title = "Invalid fleet request"


class FleetNotFound(FleetError, NotFound):
    status = 404
    title = "Not found"
    exit_code = 1


class FleetConflict(FleetError, Conflict):
    """The request clashes with the fleet's current state, e.g. a camera already assigned."""

    status = 409
    title = "Conflict"
    exit_code = 1
