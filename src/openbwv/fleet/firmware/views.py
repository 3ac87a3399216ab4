"""The firmware page (/fleet/firmware): versions in use, update plans and their progress; a fleet
manager registers a version, creates a staged plan and cancels one. The same service functions
and permissions as `/api/v1/fleet/firmware…`: `fleet.read` sees, `fleet.manage` changes (a POST
without it is refused and the refusal recorded). Stage times are typed in London time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from openbwv.access.policy.queries import require
from openbwv.access.policy.roles import FLEET_MANAGE, FLEET_READ
from openbwv.access.principal import Principal
from openbwv.db.session import unit_of_work
from openbwv.errors import DomainError
from openbwv.fleet.errors import FleetError
from openbwv.fleet.firmware import queries, service
from openbwv.web.auth import Viewer
from openbwv.web.render import LONDON, render

router = APIRouter(include_in_schema=False)
STAGE_ROWS = 3  # stage rows on the form; blank rows are left out
DONE = {
    "version": "The firmware version is registered.",
    "plan": "The plan is created.",
    "cancelled": "The plan is cancelled: its pending cameras are skipped.",
}
Short = Annotated[str, Form(max_length=100)]
Stages = Annotated[list[str], Form(max_length=64)]


def _page(
    request: Request,
    principal: Principal,
    *,
    form: str | None = None,
    typed: dict[str, Any] | None = None,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    with unit_of_work() as session:
        plans = [queries.plan_report(session, plan) for plan in queries.plans(session)]
        versions = queries.versions_in_use(session)
    context = {
        "title": "Firmware",
        "plans": plans,
        "versions": versions,
        "may_manage": principal.can(FLEET_MANAGE),
        "stage_rows": STAGE_ROWS,
        "form": form,
        "typed": typed or {},
        "error": error,
        "notice": notice,
    }
    return render(request, "fleet/firmware.html", context, status_code=status_code)


@router.get("/fleet/firmware")
def firmware_page(request: Request, principal: Viewer, done: str = "") -> Response:
    require(principal, FLEET_READ)
    return _page(request, principal, notice=DONE.get(done))


def _done(what: str) -> Response:
    return RedirectResponse(f"/fleet/firmware?done={what}", status_code=303)


@router.post("/fleet/firmware/versions")
def register_version(
    request: Request,
    principal: Viewer,
    model: Short = "",
    version: Annotated[str, Form(max_length=32)] = "",
    released_on: Annotated[str, Form(max_length=10)] = "",
    notes: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    require(principal, FLEET_MANAGE)
    typed = {"model": model, "version": version, "released_on": released_on, "notes": notes}
    try:
        if not model.strip() or not version.strip():
            raise FleetError("Give the camera model and the version")
        try:
            released = date.fromisoformat(released_on) if released_on else None
        except ValueError:
            raise FleetError("The release date is not a date") from None
        with unit_of_work() as session:
            service.register_version(
                session,
                principal,
                model=model.strip(),
                version=version.strip(),
                released_on=released,
                notes=notes.strip() or None,
            )
    except DomainError as exc:
        return _page(
            request,
            principal,
            form="version",
            typed=typed,
            error=exc.detail,
            status_code=exc.status,
        )
    return _done("version")


def _stages(
    percent: list[str], scheduled: list[str], borough: list[str]
) -> list[service.StageSpec]:
    """The typed stage rows (blank ones left out), times read as London wall-clock time."""
    stages = []
    for index, (p, at, scope) in enumerate(zip(percent, scheduled, borough, strict=False), 1):
        if not (p.strip() or at.strip() or scope.strip()):
            continue
        try:
            share = int(p)
        except ValueError:
            raise FleetError(f"stage {index}: the percentage is a whole number") from None
        try:
            when = datetime.fromisoformat(at).replace(tzinfo=LONDON).astimezone(UTC)
        except ValueError:
            raise FleetError(f"stage {index}: give the date and time it starts") from None
        stages.append(service.StageSpec(share, when, scope.strip() or None))
    return stages


@router.post("/fleet/firmware/plans")
def create_plan(
    request: Request,
    principal: Viewer,
    name: Short = "",
    model: Short = "",
    target_version: Annotated[str, Form(max_length=32)] = "",
    stage_percent: Stages = [],  # noqa: B006 (FastAPI copies form defaults)
    stage_at: Stages = [],  # noqa: B006
    stage_borough: Stages = [],  # noqa: B006
) -> Response:
    require(principal, FLEET_MANAGE)
    typed: dict[str, Any] = {
        "name": name,
        "model": model,
        "target_version": target_version,
        "stages": list(zip(stage_percent, stage_at, stage_borough, strict=False)),
    }
    try:
        if not name.strip() or not model.strip() or not target_version.strip():
            raise FleetError("Give the plan a name, the camera model and the target version")
        stages = _stages(stage_percent, stage_at, stage_borough)
        with unit_of_work() as session:
            service.create_plan(
                session,
                principal,
                name=name.strip(),
                model=model.strip(),
                target_version=target_version.strip(),
                stages=stages,
            )
    except DomainError as exc:
        return _page(
            request, principal, form="plan", typed=typed, error=exc.detail, status_code=exc.status
        )
    return _done("plan")


@router.post("/fleet/firmware/plans/{plan_id}/cancel")
def cancel_plan(request: Request, plan_id: str, principal: Viewer) -> Response:
    require(principal, FLEET_MANAGE)
    try:
        with unit_of_work() as session:
            service.cancel_plan(session, principal, queries.get_plan(session, plan_id))
    except DomainError as exc:
        return _page(request, principal, error=exc.detail, status_code=exc.status)
    return _done("cancelled")
