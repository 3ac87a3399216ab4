"""Shared pieces of the fleet endpoints: the router, the permission dependencies, and the unit of
work each endpoint runs in (fleet errors, like every domain error, become problem details in the
application's handler)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from openbwv.access.deps import requires_any
from openbwv.access.errors import UserError
from openbwv.access.policy.roles import FLEET_MANAGE, FLEET_READ, REPORTS_READ
from openbwv.access.principal import Principal
from openbwv.api.problems import Problem
from openbwv.db.session import unit_of_work

# One router for every fleet endpoint (each sub-package's `api` decorates it), so the
# application's route table, from which the authorisation tests are generated, lists them all.
router = APIRouter(prefix="/api/v1/fleet", tags=["fleet"])
Limit = Annotated[int, Query(ge=1, le=500)]


@contextmanager
def fleet_session() -> Iterator[Session]:
    """A unit of work (rolled back on any error); access's user errors become problem details."""
    try:
        with unit_of_work() as session:
            yield session
    except UserError as exc:
        raise Problem(422, "Invalid fleet request", str(exc)) from None


Reader = Annotated[Principal, Depends(requires_any(FLEET_READ))]
Manager = Annotated[Principal, Depends(requires_any(FLEET_MANAGE))]
# Aggregates without personal data: fleet readers, and report readers such as auditors.
ReportReader = Annotated[Principal, Depends(requires_any(FLEET_READ, REPORTS_READ))]
