"""Retention endpoints: an item's retention, warnings, holds (place, list, preview, release), the
deletion queue (list, restore), MoPI reviews (list, decide), the policy and the forecast."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from openbwv.access.deps import require_principal, requires_any
from openbwv.access.policy import roles
from openbwv.access.principal import Principal
from openbwv.api.context import Client
from openbwv.db.session import unit_of_work
from openbwv.evidence import service as evidence_service
from openbwv.retention import queries, service
from openbwv.retention.errors import NoSuchHold, RetentionError
from openbwv.retention.evaluation import warning_text
from openbwv.retention.schemas import (
    ForecastOut,
    GrowthOut,
    HoldIn,
    HoldOut,
    PolicyIn,
    PreviewOut,
    QueueOut,
    ReasonIn,
    RestoreOut,
    RetentionOut,
    ReviewIn,
    ReviewOut,
    RuleOut,
    ScopeIn,
    WarningItem,
    WarningsOut,
)
from openbwv.timeutil import utcnow

router = APIRouter(tags=["retention"])
Authed = Annotated[Principal, Depends(require_principal)]
Reader = Annotated[Principal, Depends(requires_any(roles.RETENTION_READ))]
Holder = Annotated[Principal, Depends(requires_any(roles.RETENTION_HOLD, roles.HOLD))]
Releaser = Annotated[Principal, Depends(requires_any(roles.RETENTION_RELEASE, roles.HOLD))]
Restorer = Annotated[Principal, Depends(requires_any(roles.RETENTION_RESTORE))]
Reviewer = Annotated[Principal, Depends(requires_any(roles.RETENTION_REVIEW))]
Governor = Annotated[Principal, Depends(requires_any(roles.RETENTION_POLICY))]
PREFIX = "/api/v1/retention"


@router.get(
    "/api/v1/evidence/{evidence_id}/retention",
    response_model=RetentionOut,
    summary="Why the item is kept and until when",
)
def item_retention(evidence_id: str, client: Client, principal: Authed) -> RetentionOut:
    with unit_of_work() as session:
        item = evidence_service.open_item(
            session, principal, evidence_id, client.ip, details={"retention": True}
        )
        verdict = queries.item_retention(session, item.id, utcnow())
        assert verdict is not None  # the item was just read
    return RetentionOut(state=verdict.state, until=verdict.until, reasons=verdict.reasons)


@router.get(f"{PREFIX}/warnings", response_model=WarningsOut, summary="Your footage about to go")
def warnings(principal: Authed, team: bool = False) -> WarningsOut:
    """Your uncategorised recordings (or your team's) that will be deleted within the warning
    period unless categorised. Each warning is a promise: none goes before the date given."""
    now = utcnow()
    with unit_of_work() as session:
        days = queries.policy(session).warning_days
        found = (
            []
            if principal.user_id is None
            else queries.warnings_for(session, principal, now, team=team)
        )
        service.record_notices(session, principal, found, now)
    return WarningsOut(
        days=days,
        count=len(found),
        message=warning_text([w.until for w in found], now),
        items=[
            WarningItem(evidence_id=w.evidence_id, until=w.until, reason=w.reason) for w in found
        ],
    )


# --- holds ------------------------------------------------------------------------------------


def _request(body: HoldIn) -> service.HoldRequest:
    return service.HoldRequest(
        type=body.type,
        reference=body.reference,
        reason=body.reason,
        scope=body.scope,
        item_ids=body.items,
        case_reference=body.case,
        officer=body.officer,
        borough=body.borough,
        start=body.start,
        end=body.end,
    )


@router.post(f"{PREFIX}/holds", response_model=HoldOut, status_code=201, summary="Place a hold")
def place_hold(body: HoldIn, client: Client, principal: Holder) -> HoldOut:
    with unit_of_work() as session:
        hold = service.place_hold(session, principal, _request(body), source_ip=client.ip)
        return HoldOut.model_validate(hold)


@router.get(f"{PREFIX}/holds", response_model=list[HoldOut], summary="Holds, newest first")
def list_holds(principal: Reader, released: bool = False) -> list[HoldOut]:
    with unit_of_work() as session:
        found = queries.holds_page(session, include_released=released)
        service.record_read(session, principal, "holds", len(found))
        return [HoldOut.model_validate(hold) for hold in found]


@router.get(f"{PREFIX}/holds/{{hold_id}}", response_model=HoldOut)
def get_hold(hold_id: str, principal: Reader) -> HoldOut:
    with unit_of_work() as session:
        hold = queries.find_hold(session, hold_id)
        if hold is None:
            raise NoSuchHold(f"no hold {hold_id}")
        service.record_read(session, principal, "hold", 1)
        return HoldOut.model_validate(hold)


@router.post(f"{PREFIX}/holds/{{hold_id}}/release", response_model=HoldOut)
def release_hold(hold_id: str, body: ReasonIn, client: Client, principal: Releaser) -> HoldOut:
    with unit_of_work() as session:
        hold = service.release_hold(session, principal, hold_id, body.reason, source_ip=client.ip)
        return HoldOut.model_validate(hold)


@router.post(
    f"{PREFIX}/holds/preview", response_model=PreviewOut, summary="What a hold would hold now"
)
def preview(body: ScopeIn, principal: Holder) -> PreviewOut:
    limit = 1000
    with unit_of_work() as session:
        found = service.preview_scope(
            session,
            scope=body.scope,
            item_ids=body.items,
            case_reference=body.case,
            officer=body.officer,
            borough=body.borough,
            start=body.start,
            end=body.end,
            limit=limit,
        )
        service.record_read(session, principal, "hold_preview", len(found))
    return PreviewOut(items=found, count=len(found), limited=len(found) >= limit)


# --- the queue, reviews, policy, forecast -------------------------------------------------------


@router.get(f"{PREFIX}/queue", response_model=list[QueueOut], summary="The deletion queue")
def queue(principal: Reader) -> list[QueueOut]:
    with unit_of_work() as session:
        found = queries.queue_page(session)
        service.record_read(session, principal, "queue", len(found))
        return [QueueOut.model_validate(entry) for entry in found]


@router.post(
    f"{PREFIX}/queue/{{evidence_id}}/restore",
    response_model=RestoreOut,
    summary="Restore an item from the deletion queue (a fresh retention date)",
)
def restore(evidence_id: str, body: ReasonIn, client: Client, principal: Restorer) -> RestoreOut:
    item_id = _uuid(evidence_id)
    with unit_of_work() as session:
        until = service.restore(session, principal, item_id, body.reason, source_ip=client.ip)
    return RestoreOut(evidence_id=item_id, until=until)


@router.get(f"{PREFIX}/reviews", response_model=list[ReviewOut], summary="MoPI reviews due")
def reviews(principal: Reader) -> list[ReviewOut]:
    with unit_of_work() as session:
        found = queries.reviews_due(session)
        service.record_read(session, principal, "reviews", len(found))
        return [ReviewOut.model_validate(state) for state in found]


@router.post(f"{PREFIX}/reviews/{{evidence_id}}", status_code=204, summary="Decide a review")
def decide(evidence_id: str, body: ReviewIn, client: Client, principal: Reviewer) -> None:
    item_id = _uuid(evidence_id)
    with unit_of_work() as session:
        service.decide_review(
            session,
            principal,
            item_id,
            body.decision,
            body.reason,
            next_review=body.next_review,
            source_ip=client.ip,
        )


def _rules_out(session: Session) -> list[RuleOut]:
    values = queries.rule_values(session)
    return [
        RuleOut(
            key=rule.key,
            value=values.get(rule.key, 0),
            configured=rule.value,
            unit=rule.unit,
            label=rule.label,
            source=rule.source,
        )
        for rule in queries.rules(session)
    ]


@router.get(f"{PREFIX}/policy", response_model=list[RuleOut], summary="The retention policy")
def get_policy(principal: Reader) -> list[RuleOut]:
    with unit_of_work() as session:
        service.record_read(session, principal, "policy", 1)
        return _rules_out(session)


@router.put(f"{PREFIX}/policy", response_model=list[RuleOut], summary="Change the policy")
def put_policy(body: PolicyIn, client: Client, principal: Governor) -> list[RuleOut]:
    with unit_of_work() as session:
        service.update_policy(session, principal, body.values, source_ip=client.ip)
        return _rules_out(session)


@router.get(f"{PREFIX}/forecast", response_model=list[ForecastOut], summary="What leaves when")
def forecast(
    principal: Reader, days: Annotated[list[int] | None, Query(max_length=5)] = None
) -> list[ForecastOut]:
    horizons = [d for d in (days or [7, 30, 90]) if 0 < d <= 3650]
    with unit_of_work() as session:
        rows = queries.forecast(session, utcnow(), horizons)
        service.record_read(session, principal, "forecast", len(rows))
    return [ForecastOut(**row.__dict__) for row in rows]


@router.get(f"{PREFIX}/growth", response_model=list[GrowthOut], summary="Storage growth a month")
def growth(principal: Reader) -> list[GrowthOut]:
    """The ingest measured over the last 30 and 90 days, per 30 days, net of what leaves."""
    with unit_of_work() as session:
        rows = queries.storage_growth(session, utcnow())
        service.record_read(session, principal, "growth", len(rows))
    return [GrowthOut.model_validate(row) for row in rows]


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise RetentionError("not an evidence id") from None
