"""Fleet errors: each carries a message for the operator and maps to one HTTP status."""

from __future__ import annotations


class FleetError(ValueError):
    """A request the fleet refuses as it stands (HTTP 422; CLI exit 2)."""

    status = 422
    title = "Invalid fleet request"


class FleetNotFound(FleetError):
    status = 404
    title = "Not found"


class FleetConflict(FleetError):
    """The request clashes with the fleet's current state, e.g. a camera already assigned."""

    status = 409
    title = "Conflict"
