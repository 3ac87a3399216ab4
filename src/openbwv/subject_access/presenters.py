"""A request as the API and the pages show it (the clock, its pauses, items and releases), and
the monthly report from the closed requests."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from openbwv.access.principal import Principal
from openbwv.subject_access import queries, report
from openbwv.subject_access.deadline import Clock
from openbwv.subject_access.models import SubjectAccessRequest
from openbwv.subject_access.schemas import (
    ClockOut,
    ItemOut,
    MonthOut,
    PauseOut,
    ReleaseOut,
    ReportOut,
    RequestDetail,
    RequestOut,
)


def redaction_url(evidence_id: Any) -> str:
    """The redaction editor of an item (the redaction domain's page)."""
    return f"/evidence/{evidence_id}/redactions"


def clock_out(clock: Clock) -> ClockOut:
    return ClockOut(
        received_on=clock.received,
        due_on=clock.due,
        first_month_due_on=clock.first_month_due,
        days_left=clock.days_left,
        overdue=clock.overdue,
        paused=clock.paused,
        paused_days=clock.paused_days,
        extension_months=clock.extension_months,
    )


def summary(
    session: Session, request: SubjectAccessRequest, clock: Clock, items: int
) -> dict[str, Any]:
    return {
        "id": request.id,
        "reference": request.reference,
        "status": request.status,
        "requester_name": request.requester_name,
        "requester_contact": request.requester_contact,
        "requester_description": request.requester_description,
        "identity_checked_by": request.identity_checked_by,
        "identity_checked_at": request.identity_checked_at,
        "identity_method": request.identity_method,
        "extension_notice_on": request.extension_notice_on,
        "extension_reason": request.extension_reason,
        "outcome": request.outcome,
        "outcome_note": request.outcome_note,
        "closed_on": request.closed_on,
        "case_reference": queries.case_reference(session, request),
        "clock": clock_out(clock),
        "items": items,
    }


def listed_out(session: Session, found: list[queries.Listed]) -> list[RequestOut]:
    return [RequestOut(**summary(session, x.request, x.clock, x.items)) for x in found]


def detail(session: Session, principal: Principal, request: SubjectAccessRequest) -> RequestDetail:
    pauses = queries.pauses_of(session, request.id)
    items = queries.items_of(session, request.id)
    visible = queries.visible_items(session, principal, [i.evidence_id for i in items])
    clock = queries.clock_of(request, pauses)
    return RequestDetail(
        **summary(session, request, clock, len(items)),
        pauses=[
            PauseOut(start_on=p.start_on, end_on=p.end_on, reason=p.reason, paused_by=p.paused_by)
            for p in pauses
        ],
        item_list=[
            ItemOut(
                evidence_id=i.evidence_id,
                title=getattr(visible.get(i.evidence_id), "title", None),
                occurred_at=getattr(visible.get(i.evidence_id), "occurred_at", None),
                held=i.hold_id is not None and queries.hold_open(session, i.hold_id),
                restriction=i.restriction,
                restriction_reason=i.restriction_reason,
                restriction_note=i.restriction_note,
                redaction_url=redaction_url(i.evidence_id),
                found_by=i.found_by,
            )
            for i in items
        ],
        releases=[
            ReleaseOut(
                package_id=r.package_id,
                released_at=r.released_at,
                released_by=r.released_by,
                method=r.method,
                copies=r.copies,
                items=r.items,
                sha256=r.sha256,
                size_bytes=r.size_bytes,
            )
            for r in queries.releases_of(session, request.id)
        ],
    )


def monthly(session: Session, principal: Principal, first: date, last: date) -> ReportOut:
    """Requests closed from `first`'s month to `last`'s, month by month; and those open now."""
    months = report.months_between(first, last)
    start = date(first.year, first.month, 1)
    end = date(last.year + (last.month == 12), last.month % 12 + 1, 1)
    closed = [
        report.Closed(
            r.received_on, r.closed_on, r.closed_due_on or r.closed_on, r.extension_months > 0
        )
        for r in queries.closed_between(session, start, end)
        if r.closed_on is not None
    ]
    still_open = queries.listed(session, principal, "open")
    return ReportOut(
        months=[MonthOut(**vars(m)) for m in report.by_month(closed, months)],
        open=len(still_open),
        overdue=sum(1 for x in still_open if x.clock.overdue),
    )
