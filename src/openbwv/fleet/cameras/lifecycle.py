"""A camera's life: which status may follow which (anything else is refused).

    in_stock → issued*, docked, faulty, lost, retired
    issued   → docked, in_stock, faulty, lost
    docked   → issued, in_stock, faulty, lost
    faulty   → in_stock, retired
    lost     → in_stock, retired
    retired  → (nothing: end of life)

*`issued` only ever comes from an assignment (`service.assign`), never from a bare status
change; `docked → issued` is allowed by hand only while the camera is assigned (taken out of the
dock). Moving a camera to in_stock, faulty or lost ends its open assignment at the same instant,
so the officer can be given another.
"""

from __future__ import annotations

from openbwv.fleet.models import CameraStatus

S = CameraStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    S.IN_STOCK: frozenset({S.ISSUED, S.DOCKED, S.FAULTY, S.LOST, S.RETIRED}),
    S.ISSUED: frozenset({S.DOCKED, S.IN_STOCK, S.FAULTY, S.LOST}),
    S.DOCKED: frozenset({S.ISSUED, S.IN_STOCK, S.FAULTY, S.LOST}),
    S.FAULTY: frozenset({S.IN_STOCK, S.RETIRED}),
    S.LOST: frozenset({S.IN_STOCK, S.RETIRED}),
    S.RETIRED: frozenset(),
}
ENDS_ASSIGNMENT = frozenset({S.IN_STOCK, S.FAULTY, S.LOST})
ASSIGNABLE = frozenset({S.IN_STOCK, S.DOCKED})


def can_transition(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, frozenset())
