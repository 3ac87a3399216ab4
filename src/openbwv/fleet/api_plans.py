"""Fleet endpoints for firmware, the roll-out, and CSV import/export (under /api/v1/fleet).

Progress and projections are aggregates with no personal data, so `reports.read` (e.g. an
auditor or a supervisor) may read them as well as `fleet.read` holders. CSV files of officers
carry personal data: exporting them needs `fleet.read` and is recorded in the audit log.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy import select

from openbwv.access.admin.queries import resolve_borough
from openbwv.access.principal import Principal
from openbwv.api.problems import Problem
from openbwv.audit.events import record
from openbwv.fleet import cameras as cam_svc
from openbwv.fleet import csv_format, csv_import, firmware, rollout
from openbwv.fleet.http import Manager, Reader, ReportReader, fleet_session, router
from openbwv.fleet.models import FirmwarePlan, RolloutPhase
from openbwv.fleet.schemas import (
    FirmwareFailureIn,
    FirmwareVersionIn,
    ImportOut,
    PhaseIn,
    PhaseOut,
    PlanCreate,
)
from openbwv.timeutil import utcnow

WindowDays = Annotated[int, Query(ge=1, le=365)]


# --- firmware ---------------------------------------------------------------------------------


@router.get("/firmware", response_model=list[firmware.VersionCount], summary="Versions in use")
def list_firmware(principal: Reader) -> list[firmware.VersionCount]:
    with fleet_session() as session:
        return firmware.versions_in_use(session)


@router.post("/firmware", status_code=201, summary="Register a firmware version")
def register_firmware(body: FirmwareVersionIn, principal: Manager) -> dict[str, Any]:
    with fleet_session() as session:
        row = firmware.register_version(session, principal, **body.model_dump())
        return {"id": str(row.id), **body.model_dump(mode="json")}


@router.get("/firmware/plans", response_model=list[firmware.PlanReport])
def list_plans(principal: Reader) -> list[firmware.PlanReport]:
    with fleet_session() as session:
        plans = session.scalars(select(FirmwarePlan).order_by(FirmwarePlan.created_at.desc()))
        return [firmware.plan_report(session, plan) for plan in plans]


@router.post("/firmware/plans", response_model=firmware.PlanReport, status_code=201)
def create_plan(body: PlanCreate, principal: Manager) -> firmware.PlanReport:
    stages = [firmware.StageSpec(s.percent, s.scheduled_at, s.borough) for s in body.stages]
    with fleet_session() as session:
        plan = firmware.create_plan(
            session,
            principal,
            name=body.name,
            model=body.model,
            target_version=body.target_version,
            stages=stages,
        )
        return firmware.plan_report(session, plan)


@router.get("/firmware/plans/{plan_id}", response_model=firmware.PlanReport)
def get_plan(plan_id: str, principal: Reader) -> firmware.PlanReport:
    with fleet_session() as session:
        return firmware.plan_report(session, firmware.get_plan(session, plan_id))


@router.post("/firmware/plans/{plan_id}/cancel", response_model=firmware.PlanReport)
def cancel_plan(plan_id: str, principal: Manager) -> firmware.PlanReport:
    with fleet_session() as session:
        plan = firmware.get_plan(session, plan_id)
        firmware.cancel_plan(session, principal, plan)
        session.flush()
        return firmware.plan_report(session, plan)


@router.post("/firmware/plans/{plan_id}/failures", response_model=firmware.PlanReport)
def report_plan_failure(
    plan_id: str, body: FirmwareFailureIn, principal: Manager
) -> firmware.PlanReport:
    with fleet_session() as session:
        plan = firmware.get_plan(session, plan_id)
        camera = cam_svc.get_camera(session, body.camera)
        firmware.report_failure(session, principal, plan, camera, body.detail)
        session.flush()
        return firmware.plan_report(session, plan)


# --- roll-out ---------------------------------------------------------------------------------


@router.get("/rollout/phases", response_model=list[PhaseOut])
def list_phases(principal: ReportReader, borough: str | None = None) -> list[PhaseOut]:
    with fleet_session() as session:
        query = select(RolloutPhase).order_by(RolloutPhase.borough, RolloutPhase.target_date)
        if borough:
            code = resolve_borough(session, borough).gss_code
            query = query.where(RolloutPhase.borough == code)
        return [PhaseOut.model_validate(p) for p in session.scalars(query)]


@router.post("/rollout/phases", response_model=PhaseOut, status_code=201)
def create_phase(body: PhaseIn, principal: Manager) -> PhaseOut:
    with fleet_session() as session:
        phase = rollout.add_phase(session, principal, rollout.PhaseSpec(**body.model_dump()))
        return PhaseOut.model_validate(phase)


@router.delete("/rollout/phases/{phase_id}", status_code=204)
def delete_phase(phase_id: uuid.UUID, principal: Manager) -> Response:
    with fleet_session() as session:
        rollout.delete_phase(session, principal, phase_id)
    return Response(status_code=204)


@router.get(
    "/rollout/progress",
    response_model=rollout.ForceProgress,
    summary="Roll-out progress and projected completion, per borough and for the force",
)
def get_progress(
    principal: ReportReader,
    as_of: date | None = Query(None, description="measure as of this day (default: today)"),
    window_days: WindowDays = rollout.DEFAULT_WINDOW_DAYS,
) -> rollout.ForceProgress:
    with fleet_session() as session:
        return rollout.progress(session, as_of=as_of, window_days=window_days)


@router.get("/rollout/progress/{borough}", response_model=rollout.ForceProgress)
def get_borough_progress(
    borough: str,
    principal: ReportReader,
    as_of: date | None = None,
    window_days: WindowDays = rollout.DEFAULT_WINDOW_DAYS,
) -> rollout.ForceProgress:
    with fleet_session() as session:
        return rollout.progress(session, as_of=as_of, window_days=window_days, borough=borough)


# --- CSV --------------------------------------------------------------------------------------


async def _read_csv_body(request: Request) -> bytes:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("text/csv", "application/csv", "text/plain", "application/octet-stream"):
        raise Problem(415, "Unsupported media type", "send the file as the body, as text/csv")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > csv_format.MAX_FILE_BYTES:
            raise Problem(413, "File too large", f"at most {csv_format.MAX_FILE_BYTES} bytes")
    return bytes(body)


def _run_import(
    kind: str, principal: Principal, data: bytes, dry_run: bool, strict: bool
) -> ImportOut:
    importer = csv_import.IMPORTERS[kind]
    with fleet_session() as session:
        report = importer(session, principal, data, dry_run=dry_run, strict=strict)
    return ImportOut(ok=report.ok, **dataclasses.asdict(report))


@router.post("/import/{kind}", response_model=ImportOut, summary="Import officers or cameras")
async def import_csv(
    kind: str,
    request: Request,
    principal: Manager,
    dry_run: bool = Query(False, description="check every row, change nothing"),
    strict: bool = Query(False, description="import nothing if any row is bad"),
) -> ImportOut:
    """Rows with errors are reported (row, column, message) and not imported; good rows are,
    unless `strict`. Re-importing the same file changes nothing."""
    if kind not in csv_import.IMPORTERS:
        raise Problem(404, "Not found", "import officers or cameras")
    data = await _read_csv_body(request)
    return await run_in_threadpool(_run_import, kind, principal, data, dry_run, strict)


@router.get("/export/{name}", summary="Export officers.csv or cameras.csv")
def export_csv(name: str, principal: Reader) -> Response:
    if name not in ("officers.csv", "cameras.csv"):
        raise Problem(404, "Not found", "export officers.csv or cameras.csv")
    kind = name.removesuffix(".csv")
    columns = csv_format.OFFICER_COLUMNS if kind == "officers" else csv_format.CAMERA_COLUMNS
    with fleet_session() as session:
        if kind == "officers":
            rows = csv_import.officer_rows(session)
        else:
            rows = csv_import.camera_rows(session)
        record(
            session,
            principal,
            f"fleet.export.{kind}",
            target_type="csv",
            details={"rows": len(rows)},
        )
    text = csv_format.write_csv(columns, rows)
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    return Response(
        text.encode(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{kind}-{stamp}.csv"'},
    )
