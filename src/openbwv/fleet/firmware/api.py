"""Fleet endpoints for firmware (under /api/v1/fleet/firmware): versions in use, staged update
plans and the failures docks report."""

from __future__ import annotations

from typing import Any

from openbwv.fleet.firmware import queries, service
from openbwv.fleet.firmware.queries import PlanReport, VersionCount
from openbwv.fleet.http import Manager, Reader, fleet_session, router
from openbwv.fleet.schemas import FirmwareFailureIn, FirmwareVersionIn, PlanCreate


@router.get("/firmware", response_model=list[VersionCount], summary="Versions in use")
def list_firmware(principal: Reader) -> list[VersionCount]:
    with fleet_session() as session:
        return queries.versions_in_use(session)


@router.post("/firmware", status_code=201, summary="Register a firmware version")
def register_firmware(body: FirmwareVersionIn, principal: Manager) -> dict[str, Any]:
    with fleet_session() as session:
        row = service.register_version(session, principal, **body.model_dump())
        return {"id": str(row.id), **body.model_dump(mode="json")}


@router.get("/firmware/plans", response_model=list[PlanReport])
def list_plans(principal: Reader) -> list[PlanReport]:
    with fleet_session() as session:
        return [queries.plan_report(session, plan) for plan in queries.plans(session)]


@router.post("/firmware/plans", response_model=PlanReport, status_code=201)
def create_plan(body: PlanCreate, principal: Manager) -> PlanReport:
    stages = [service.StageSpec(s.percent, s.scheduled_at, s.borough) for s in body.stages]
    with fleet_session() as session:
        plan = service.create_plan(
            session,
            principal,
            name=body.name,
            model=body.model,
            target_version=body.target_version,
            stages=stages,
        )
        return queries.plan_report(session, plan)


@router.get("/firmware/plans/{plan_id}", response_model=PlanReport)
def get_plan(plan_id: str, principal: Reader) -> PlanReport:
    with fleet_session() as session:
        return queries.plan_report(session, queries.get_plan(session, plan_id))


@router.post("/firmware/plans/{plan_id}/cancel", response_model=PlanReport)
def cancel_plan(plan_id: str, principal: Manager) -> PlanReport:
    with fleet_session() as session:
        plan = queries.get_plan(session, plan_id)
        service.cancel_plan(session, principal, plan)
        session.flush()
        return queries.plan_report(session, plan)


@router.post("/firmware/plans/{plan_id}/failures", response_model=PlanReport)
def report_plan_failure(plan_id: str, body: FirmwareFailureIn, principal: Manager) -> PlanReport:
    with fleet_session() as session:
        plan = queries.get_plan(session, plan_id)
        service.report_failure(session, principal, plan, body.camera, body.detail)
        session.flush()
        return queries.plan_report(session, plan)
