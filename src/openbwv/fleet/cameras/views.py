"""Camera pages (/fleet/cameras): the list, and one camera with its holder and history, where a
fleet manager assigns it to an officer, returns it and changes its status.

The same service functions as `/api/v1/fleet/…` and `bwv fleet …`, under the same permissions:
`fleet.read` sees the pages, `fleet.manage` also gets the forms; a POST without it is refused
(403) and the refusal recorded, as the API's are. Each change is audited by the service; a refused
change shows the service's message with what was typed kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from openbwv.access.policy.queries import require
from openbwv.access.policy.roles import FLEET_MANAGE, FLEET_READ
from openbwv.access.principal import Principal
from openbwv.db.session import unit_of_work
from openbwv.errors import DomainError
from openbwv.fleet.cameras import presenters, queries, service
from openbwv.fleet.cameras.lifecycle import TRANSITIONS
from openbwv.fleet.errors import FleetError
from openbwv.fleet.models import AssignmentKind, Camera, CameraStatus, Dock
from openbwv.web.auth import Viewer
from openbwv.web.render import render

router = APIRouter(include_in_schema=False)
LIST_LIMIT = 100
DONE = {
    "assigned": "The camera is assigned.",
    "returned": "The camera is returned.",
    "status": "The camera's status is changed.",
}
Text = Annotated[str, Form(max_length=500)]


@router.get("/fleet/cameras")
def cameras_page(request: Request, principal: Viewer, q: str = "", status: str = "") -> Response:
    require(principal, FLEET_READ)
    q, status = q.strip()[:64], status if status in TRANSITIONS else ""
    with unit_of_work() as session:
        rows = queries.list_cameras(
            session,
            q=q or None,
            status=CameraStatus(status) if status else None,
            limit=LIST_LIMIT + 1,
        )
        cameras = presenters.cameras_out(session, rows[:LIST_LIMIT])
    context = {
        "title": "Cameras",
        "cameras": cameras,
        "more": len(rows) > LIST_LIMIT,
        "q": q,
        "status": status,
        "statuses": list(TRANSITIONS),
        "list_limit": LIST_LIMIT,
    }
    return render(request, "fleet/cameras.html", context)


def _camera_page(
    request: Request,
    principal: Principal,
    serial: str,
    *,
    form: str | None = None,
    typed: dict[str, str] | None = None,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    with unit_of_work() as session:
        camera = queries.get_camera(session, serial)  # unknown: 404, as in the API
        detail = presenters.camera_detail(
            session, camera, queries.history(session, camera=camera, limit=20)
        )
    context: dict[str, Any] = {
        "title": f"Camera {detail.serial}",
        "camera": detail,
        "may_manage": principal.can(FLEET_MANAGE),
        "statuses": [s for s in TRANSITIONS if s != detail.status],
        "form": form,
        "typed": typed or {},
        "error": error,
        "notice": notice,
    }
    return render(request, "fleet/camera.html", context, status_code=status_code)


@router.get("/fleet/cameras/{serial}")
def camera_page(request: Request, serial: str, principal: Viewer, done: str = "") -> Response:
    require(principal, FLEET_READ)
    return _camera_page(request, principal, serial, notice=DONE.get(done))


def _change(
    request: Request,
    principal: Principal,
    serial: str,
    form: str,
    typed: dict[str, str],
    work: Callable[[Session, Camera], object],
) -> Response:
    """Run one change in a unit of work: on success back to the camera (its new state), on a
    refusal the page again with the service's message and what was typed."""
    try:
        with unit_of_work() as session:
            work(session, queries.get_camera(session, serial))
    except DomainError as exc:
        return _camera_page(
            request,
            principal,
            serial,
            form=form,
            typed=typed,
            error=exc.detail,
            status_code=exc.status,
        )
    return RedirectResponse(f"/fleet/cameras/{serial}?done={form}", status_code=303)


@router.post("/fleet/cameras/{serial}/assign")
def assign_camera(
    request: Request,
    serial: str,
    principal: Viewer,
    officer: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    require(principal, FLEET_MANAGE)
    reference = officer.strip()

    def work(session: Session, camera: Camera) -> None:
        if not reference:
            raise FleetError("Give the officer's warrant number or username")
        kind = AssignmentKind.POOL if camera.pool else AssignmentKind.PERMANENT
        service.assign(
            session, principal, camera, queries.get_officer(session, reference), kind=kind
        )

    return _change(request, principal, serial, "assigned", {"officer": officer}, work)


def _dock(session: Session, typed: str) -> Dock | None:
    """The dock a form names, if it names one (an unknown serial is refused by `get_dock`)."""
    return queries.get_dock(session, typed.strip()) if typed.strip() else None


@router.post("/fleet/cameras/{serial}/return")
def return_camera(
    request: Request,
    serial: str,
    principal: Viewer,
    status: Annotated[str, Form(max_length=16)] = CameraStatus.IN_STOCK,
    dock: Annotated[str, Form(max_length=64)] = "",
    reason: Text = "",
) -> Response:
    require(principal, FLEET_MANAGE)
    typed = {"status": status, "dock": dock, "reason": reason}

    def work(session: Session, camera: Camera) -> None:
        found = _dock(session, dock)
        service.unassign(
            session, principal, camera, reason=reason.strip() or None, status=status, dock=found
        )

    return _change(request, principal, serial, "returned", typed, work)


@router.post("/fleet/cameras/{serial}/status")
def change_status(
    request: Request,
    serial: str,
    principal: Viewer,
    status: Annotated[str, Form(max_length=16)] = "",
    dock: Annotated[str, Form(max_length=64)] = "",
    reason: Text = "",
) -> Response:
    require(principal, FLEET_MANAGE)
    typed = {"status": status, "dock": dock, "reason": reason}

    def work(session: Session, camera: Camera) -> None:
        found = _dock(session, dock)
        service.change_status(
            session, principal, camera, status, reason=reason.strip() or None, dock=found
        )

    return _change(request, principal, serial, "status", typed, work)
