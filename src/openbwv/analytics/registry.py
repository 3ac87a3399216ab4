"""What other domains contribute to analytics, registered from their `install`: measures of the
roll-out evaluation (e.g. the incidents domain's activation coverage) and the finder of an
incident's footage (complaints name an incident by its CAD number, kept as text).

    from openbwv.analytics.registry import Measure, register_measure, register_incident_footage
    register_measure(Measure("activation_coverage", "Activation coverage", "share", "points",
                             "CAD incidents (incidents domain)", coverage_cells))
    register_incident_footage(footage_of_incident)

A measure's `cells(session, start, end)` returns, for each (borough GSS code, first day of the
month), a (numerator, denominator) pair: a `rate` is a count over officers (the model is
Poisson with the officers as exposure; the effect a percentage change), a `share` a proportion
(the model is weighted least squares; the effect in percentage points).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from sqlalchemy.orm import Session

from openbwv.access.principal import Principal

Cells = dict[tuple[str, date], tuple[float, float]]
CellReader = Callable[[Session, datetime, datetime], Cells]
IncidentFootage = Callable[[Session, Principal, str], list[uuid.UUID]]


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    kind: Literal["rate", "share"]
    unit: str  # what the effect is in: "%" (rates) or "points" (shares)
    source: str  # where the numbers come from, in plain words
    cells: CellReader


_MEASURES: dict[str, Measure] = {}
_INCIDENT_FOOTAGE: list[IncidentFootage] = []


def register_measure(measure: Measure) -> None:
    """Add (or replace, by key) a measure of the evaluation."""
    _MEASURES[measure.key] = measure


def measures() -> list[Measure]:
    return list(_MEASURES.values())


def measure(key: str) -> Measure | None:
    return _MEASURES.get(key)


def register_incident_footage(finder: IncidentFootage) -> None:
    """A function giving the footage (evidence ids the principal may see) of an incident."""
    if finder not in _INCIDENT_FOOTAGE:
        _INCIDENT_FOOTAGE.append(finder)


def incident_footage_finders() -> list[IncidentFootage]:
    return list(_INCIDENT_FOOTAGE)
