"""Subject access requests' writes: opening one (with its own case), the identity check, the
clock's pauses and extension, the footage added (each item held: s.173), restrictions (s.45(4)),
releases through the evidence package and closing (which releases the holds). Each authorises
(`sar.handle`), changes and records its audit event; none commits.

The request's case and holds are a step of the request, not a grant: a `sar.handle` holder acts
on them with `case.create`, `case.manage`, `evidence.link`, `evidence.hold` and
`retention.release` added for that step only, recorded under their own name
(docs/decisions.md). Linking to the case is still decided per item by the access policy (reach
and restricted categories). Releases are in `release/service.py`."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import delete, false, func, select, update
from sqlalchemy.orm import Session

from openbwv.access.policy import roles
from openbwv.access.policy.queries import authorize_item, require
from openbwv.access.principal import Principal
from openbwv.audit.events import record
from openbwv.cases import service as cases
from openbwv.cases.queries import case_by_id
from openbwv.retention import service as retention
from openbwv.subject_access import deadline, queries
from openbwv.subject_access.errors import NoSuchRequestItem, RequestClosed, SarError
from openbwv.subject_access.models import (
    OUTCOMES,
    RESTRICTION_REASONS,
    RESTRICTIONS,
    SarItem,
    SarPause,
    SubjectAccessRequest,
)
from openbwv.timeutil import utcnow

STEP_PERMISSIONS = frozenset(
    {roles.CASE_CREATE, roles.CASE_MANAGE, roles.LINK, roles.HOLD, roles.RETENTION_RELEASE}
)
REASON_MIN = 5


def step(principal: Principal) -> Principal:
    """The principal for the request's own case and holds (see the module's docstring)."""
    require(principal, roles.SAR_HANDLE)
    return dataclasses.replace(principal, permissions=principal.permissions | STEP_PERMISSIONS)


def event(
    session: Session,
    principal: Principal,
    action: str,
    request: SubjectAccessRequest,
    *,
    source_ip: str | None,
    evidence_id: uuid.UUID | None = None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    record(
        session,
        principal,
        action,
        evidence_id=evidence_id,
        target_type="subject_access_request",
        target_id=str(request.id),
        reason=reason,
        source_ip=source_ip,
        details={"reference": request.reference, **(details or {})},
    )


def require_open(request: SubjectAccessRequest, what: str) -> None:
    if request.status != "open":
        raise RequestClosed(f"request {request.reference} is closed: it cannot {what}")


def words(value: str | None, name: str, minimum: int = 1, maximum: int = 4000) -> str:
    text = (value or "").strip()
    if len(text) < minimum:
        raise SarError(f"{name} is needed" if minimum <= 1 else f"{name} needs a few words")
    if len(text) > maximum:
        raise SarError(f"{name} is at most {maximum} characters")
    return text


def record_read(
    session: Session, principal: Principal, what: str, details: dict[str, Any] | None = None
) -> None:
    """Requests name people: every read of them is recorded."""
    require(principal, roles.SAR_HANDLE)
    record(session, principal, "sar.read", details={"read": what, **(details or {})})


# --- opening, identity, the clock ----------------------------------------------------------------


REFERENCE_LOCK = 0x5A12_0014  # the advisory lock that numbers requests one at a time (PostgreSQL)


def _lock_references(session: Session) -> None:
    """Requests are numbered one at a time: PostgreSQL's transaction advisory lock; on SQLite an
    empty UPDATE takes the database's write lock before the count (one writer at a time)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(REFERENCE_LOCK)))
    else:
        session.execute(
            update(SubjectAccessRequest).where(false()).values(status=SubjectAccessRequest.status)
        )


def open_request(
    session: Session,
    principal: Principal,
    *,
    requester_name: str,
    requester_contact: str,
    requester_description: str | None,
    received_on: date,
    source_ip: str | None = None,
) -> SubjectAccessRequest:
    """A new request, its reference (SAR-YYYY-NNNN) and its own case (for its package)."""
    acting = step(principal)
    if received_on > queries.today():
        raise SarError("a request cannot be received in the future")
    prefix = f"SAR-{received_on.year}-"
    _lock_references(session)
    reference = f"{prefix}{queries.reference_count(session, prefix) + 1:04d}"
    case = cases.create_case(
        session,
        acting,
        crime_reference=reference,
        title=f"Subject access request {reference}",
        cad_number=None,
        borough=None,
        source_ip=source_ip,
    )
    request = SubjectAccessRequest(
        reference=reference,
        requester_name=words(requester_name, "the requester's name", maximum=200),
        requester_contact=words(requester_contact, "how to contact the requester", maximum=400),
        requester_description=(requester_description or "").strip()[:4000] or None,
        received_on=received_on,
        case_id=case.id,
        created_by=principal.name,
        created_by_id=principal.user_id,
    )
    session.add(request)
    session.flush()
    clock = queries.clock_of(request, [])
    details = {"received_on": received_on.isoformat(), "due": clock.due.isoformat()}
    event(session, principal, "sar.open", request, source_ip=source_ip, details=details)
    return request


def check_identity(
    session: Session,
    principal: Principal,
    request: SubjectAccessRequest,
    method: str,
    *,
    source_ip: str | None = None,
) -> SubjectAccessRequest:
    """Record that the requester's identity was checked: by whom, when and how."""
    require(principal, roles.SAR_HANDLE)
    require_open(request, "change")
    request.identity_method = words(method, "how the identity was checked", REASON_MIN, 400)
    request.identity_checked_by, request.identity_checked_at = principal.name, utcnow()
    session.flush()
    details = {"method": request.identity_method}
    event(session, principal, "sar.identity", request, source_ip=source_ip, details=details)
    return request


def pause(
    session: Session,
    principal: Principal,
    request: SubjectAccessRequest,
    start_on: date,
    reason: str,
    *,
    source_ip: str | None = None,
) -> SarPause:
    """Stop the clock: clarification was asked for on `start_on` (s.54(3C))."""
    require(principal, roles.SAR_HANDLE)
    require_open(request, "be paused")
    pauses = queries.pauses_of(session, request.id)
    existing = [deadline.Pause(p.start_on, p.end_on) for p in pauses]
    _checked(deadline.check_pause, request.received_on, existing, start_on, queries.today())
    made = SarPause(
        request_id=request.id,
        start_on=start_on,
        reason=words(reason, "what clarification is awaited", REASON_MIN),
        paused_by=principal.name,
    )
    session.add(made)
    session.flush()
    details = {"from": start_on.isoformat()}
    event(
        session,
        principal,
        "sar.pause",
        request,
        source_ip=source_ip,
        reason=made.reason,
        details=details,
    )
    return made


def resume(
    session: Session,
    principal: Principal,
    request: SubjectAccessRequest,
    end_on: date,
    *,
    source_ip: str | None = None,
) -> SarPause:
    """Start the clock again: the clarification arrived on `end_on`."""
    require(principal, roles.SAR_HANDLE)
    require_open(request, "be resumed")
    current = next((p for p in queries.pauses_of(session, request.id) if p.end_on is None), None)
    open_pause = deadline.Pause(current.start_on, None) if current else None
    _checked(deadline.check_resume, open_pause, end_on, queries.today())
    assert current is not None  # check_resume refuses a request that is not paused
    current.end_on, current.resumed_by = end_on, principal.name
    session.flush()
    clock = queries.clock_of(request, queries.pauses_of(session, request.id))
    details = {"to": end_on.isoformat(), "due": clock.due.isoformat()}
    event(session, principal, "sar.resume", request, source_ip=source_ip, details=details)
    return current


def extend(
    session: Session,
    principal: Principal,
    request: SubjectAccessRequest,
    months: int,
    notice_on: date,
    reason: str,
    *,
    source_ip: str | None = None,
) -> SubjectAccessRequest:
    """Extend by `months` further months in all (complex or numerous), notice sent on
    `notice_on` (within the first month)."""
    require(principal, roles.SAR_HANDLE)
    require_open(request, "be extended")
    current = queries.clock_of(request, queries.pauses_of(session, request.id))
    _checked(deadline.check_extension, current, months, notice_on, queries.rules(), queries.today())
    request.extension_months = months
    request.extension_notice_on = notice_on
    request.extension_reason = words(reason, "why the request is complex or numerous", REASON_MIN)
    session.flush()
    due = queries.clock_of(request, queries.pauses_of(session, request.id)).due
    details = {"months": months, "notice_on": notice_on.isoformat(), "due": due.isoformat()}
    event(
        session,
        principal,
        "sar.extend",
        request,
        source_ip=source_ip,
        reason=request.extension_reason,
        details=details,
    )
    return request


def _checked(check: Any, *args: Any) -> None:
    try:
        check(*args)
    except deadline.DeadlineError as exc:
        raise SarError(str(exc)) from None


# --- items ---------------------------------------------------------------------------------------


def add_items(
    session: Session,
    principal: Principal,
    request: SubjectAccessRequest,
    evidence_ids: Sequence[uuid.UUID | str],
    *,
    found_by: dict[str, str] | None = None,
    source_ip: str | None = None,
) -> list[SarItem]:
    """Add items the principal may view; each is held (a retention hold of its own) until the
    request closes or the item is taken off it. Items already on it are left as they are."""
    acting = step(principal)
    require_open(request, "take items")
    if not evidence_ids:
        raise SarError("name at least one item")
    added = []
    for evidence_id in dict.fromkeys(str(e) for e in evidence_ids):
        item = authorize_item(session, principal, evidence_id, roles.VIEW)
        if queries.item_of(session, request.id, item.id) is not None:
            continue
        hold = retention.place_hold(
            session,
            acting,
            retention.HoldRequest(
                type="subject_access_request",
                reference=request.reference,
                reason=f"Subject access request {request.reference}: the requester's footage "
                "may not be deleted while the request is open (DPA 2018 s.173)",
                scope="items",
                item_ids=[item.id],
            ),
            source_ip=source_ip,
        )
        made = SarItem(
            request_id=request.id,
            evidence_id=item.id,
            hold_id=hold.id,
            added_by=principal.name,
            found_by=found_by or {},
        )
        session.add(made)
        added.append(made)
        event(
            session,
            principal,
            "sar.item.add",
            request,
            source_ip=source_ip,
            evidence_id=item.id,
            details={"hold": str(hold.id), "found_by": found_by or {}},
        )
    session.flush()
    return added


def _item(session: Session, request: SubjectAccessRequest, evidence_id: uuid.UUID | str) -> SarItem:
    try:
        parsed = uuid.UUID(str(evidence_id))
    except ValueError:
        parsed = None
    found = queries.item_of(session, request.id, parsed) if parsed else None
    if found is None:
        raise NoSuchRequestItem(f"{str(evidence_id)[:64]} is not an item of {request.reference}")
    return found


def _release_hold(
    session: Session, acting: Principal, item: SarItem, why: str, source_ip: str | None
) -> None:
    """Release the item's hold, unless a retention officer released it already."""
    if item.hold_id is not None and queries.hold_open(session, item.hold_id):
        retention.release_hold(session, acting, item.hold_id, why, source_ip=source_ip)
    item.hold_id = None


def remove_item(
    session: Session,
    principal: Principal,
    request: SubjectAccessRequest,
    evidence_id: uuid.UUID | str,
    reason: str,
    *,
    source_ip: str | None = None,
) -> None:
    """Take an item off the request (not the requester's after all), releasing its hold."""
    acting = step(principal)
    require_open(request, "change its items")
    item = _item(session, request, evidence_id)
    why = words(reason, "why the item is not the requester's", REASON_MIN)
    _release_hold(session, acting, item, f"Taken off {request.reference}: {why}", source_ip)
    session.execute(
        delete(SarItem).where(
            SarItem.request_id == request.id, SarItem.evidence_id == item.evidence_id
        )
    )
    event(
        session,
        principal,
        "sar.item.remove",
        request,
        source_ip=source_ip,
        evidence_id=item.evidence_id,
        reason=why,
    )


def restrict_item(
    session: Session,
    principal: Principal,
    request: SubjectAccessRequest,
    evidence_id: uuid.UUID | str,
    *,
    restriction: str,
    reason: str | None,
    note: str | None,
    source_ip: str | None = None,
) -> SarItem:
    """Record a restriction of the right of access to one item (s.45(4)), with its reason:
    `partial` (released redacted) or `withheld` (left out of the package); `none` lifts it."""
    require(principal, roles.SAR_HANDLE)
    require_open(request, "change its items")
    item = _item(session, request, evidence_id)
    if restriction not in RESTRICTIONS:
        raise SarError(f"a restriction is one of: {', '.join(RESTRICTIONS)}")
    if restriction != "none" and reason not in RESTRICTION_REASONS:
        raise SarError(
            f"a restriction's reason (s.45(4)) is one of: {', '.join(RESTRICTION_REASONS)}"
        )
    item.restriction = restriction
    item.restriction_reason = reason if restriction != "none" else None
    item.restriction_note = (note or "").strip()[:4000] or None
    session.flush()
    details = {"restriction": restriction, "reason": item.restriction_reason}
    event(
        session,
        principal,
        "sar.item.restrict",
        request,
        source_ip=source_ip,
        evidence_id=item.evidence_id,
        reason=item.restriction_note,
        details=details,
    )
    return item


# --- release and closing -------------------------------------------------------------------------


def close(
    session: Session,
    principal: Principal,
    request: SubjectAccessRequest,
    outcome: str,
    note: str | None,
    *,
    closed_on: date | None = None,
    source_ip: str | None = None,
) -> SubjectAccessRequest:
    """Close with the outcome: every hold of the request is released and its case closed."""
    acting = step(principal)
    require_open(request, "be closed again")
    if outcome not in OUTCOMES:
        raise SarError(f"an outcome is one of: {', '.join(OUTCOMES)}")
    text = (note or "").strip()[:4000] or None
    if outcome == "refused" and not text:
        raise SarError("a refusal names the exemption relied on")
    day = closed_on or queries.today()
    if day < request.received_on or day > queries.today():
        raise SarError("a request closes between its receipt and today")
    pauses = queries.pauses_of(session, request.id)
    if any(p.end_on is None for p in pauses):
        raise SarError("the clock is paused: resume it (the clarification's date) before closing")
    why = f"Subject access request {request.reference} closed: {OUTCOMES[outcome]}"
    for item in queries.items_of(session, request.id):
        _release_hold(session, acting, item, why, source_ip)
    request.status, request.outcome, request.outcome_note = "closed", outcome, text
    request.closed_on, request.closed_by = day, principal.name
    request.closed_due_on = queries.clock_of(request, pauses, day).due
    case = case_by_id(session, request.case_id) if request.case_id else None
    if case is not None and case.status == "open":
        cases.set_status(session, acting, case, "closed", source_ip=source_ip)
    session.flush()
    details = {
        "outcome": outcome,
        "closed_on": day.isoformat(),
        "due": request.closed_due_on.isoformat(),
        "note": text,
    }
    event(session, principal, "sar.close", request, source_ip=source_ip, details=details)
    return request
