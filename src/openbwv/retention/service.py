"""Retention's writes: the policy (reference data and administrators' changes), holds (placed,
held on arrival, released), restores from the deletion queue, MoPI review decisions and the
disposal notices that warnings give. Each authorises, changes and records its audit event in
the caller's transaction; none commits. The sweep and disposal are in `tasks.py`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from openbwv.access.errors import AccessDenied
from openbwv.access.policy import roles
from openbwv.access.policy.queries import authorize_item, require
from openbwv.access.principal import Principal
from openbwv.audit.events import record
from openbwv.cases.queries import case_by_reference
from openbwv.config import Settings
from openbwv.evidence.facts import ItemFacts
from openbwv.evidence.queries import officer_user_id
from openbwv.retention import queries
from openbwv.retention.errors import (
    HoldReleased,
    NoSuchHold,
    NotDueForReview,
    NotQueued,
    RetentionError,
)
from openbwv.retention.evaluation import REVIEW
from openbwv.retention.models import (
    HOLD_SCOPES,
    HOLD_TYPES,
    Decision,
    Hold,
    HoldItem,
    HoldLock,
    Notice,
    QueueEntry,
    RetentionRule,
)
from openbwv.timeutil import utcnow

HOLDS_LOCK = "holds"
# key, unit, label, source (docs/retention.md cites each); a None value is the configured default.
DEFAULT_RULES = (
    (
        "non_evidential_days",
        None,
        "days",
        "Non-evidential footage: kept from the recorded start",
        "Metropolitan Police BWV policy (31 days; forces use 28–90): DESIGN §7; College of "
        "Policing APP Body-worn video; BWV_RETENTION_NON_EVIDENTIAL_DAYS",
    ),
    (
        "grace_days",
        None,
        "days",
        "Deletion queue: recoverable for",
        "openbwv default (7; 0 disposes at once; at most 365): BWV_RETENTION_GRACE_DAYS",
    ),
    (
        "warning_days",
        None,
        "days",
        "Warn about uncategorised footage due within",
        "openbwv default (7), after the Surrey 2022 complaint footage lost at 30 days",
    ),
    (
        "mopi_review_years",
        6,
        "years",
        "MoPI review: evidential material reviewed after at least",
        "College of Policing APP Information management (MoPI), review schedule group 3: 6 years",
    ),
    (
        "convicted_min_months",
        6,
        "months",
        "Convicted: kept at least this long after conviction",
        "CPIA 1996 Code of Practice para 5.9: until release from custody or six months from "
        "conviction, whichever is later",
    ),
)
LIMITS = {"days": (0, 3650), "months": (0, 600), "years": (1, 100)}
REASON_MIN = 5


def ensure_rules(session: Session) -> None:
    """The default rules and the holds lock row (reference data; an administrator may change
    the values later)."""
    existing = {rule.key for rule in queries.rules(session)}
    for key, value, unit, label, source in DEFAULT_RULES:
        if key not in existing:
            session.add(RetentionRule(key=key, value=value, unit=unit, label=label, source=source))
    if session.get(HoldLock, HOLDS_LOCK) is None:
        session.add(HoldLock(name=HOLDS_LOCK, version=0))


def lock_holds(session: Session, *, bump: bool = False) -> None:
    """Serialise hold placement with disposal transactions (PostgreSQL row lock; SQLite's
    writer holds the database lock already)."""
    row = session.scalar(select(HoldLock).where(HoldLock.name == HOLDS_LOCK).with_for_update())
    if row is None:
        row = HoldLock(name=HOLDS_LOCK, version=0)
        session.add(row)
    if bump:
        row.version += 1
    session.flush()


def update_policy(
    session: Session,
    principal: Principal,
    values: dict[str, int | None],
    *,
    settings: Settings | None = None,
    source_ip: str | None = None,
) -> dict[str, int]:
    """Change rule values (None: back to the configured default); administrators only."""
    require(principal, roles.RETENTION_POLICY)
    current = {rule.key: rule for rule in queries.rules(session)}
    unknown = sorted(set(values) - set(current))
    if unknown:
        raise RetentionError(f"no such retention rule: {', '.join(unknown)}")
    changes: dict[str, Any] = {}
    for key, value in values.items():
        rule = current[key]
        low, high = LIMITS[rule.unit]
        if key == "grace_days":
            high = 365
        if value is not None and not low <= value <= high:
            raise RetentionError(f"{key} must be between {low} and {high} {rule.unit}")
        changes[key] = {"before": rule.value, "after": value}
        rule.value, rule.updated_by, rule.updated_at = value, principal.name, utcnow()
    session.flush()
    record(session, principal, "retention.policy", source_ip=source_ip, details=changes)
    return queries.rule_values(session, settings)


# --- holds ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HoldRequest:
    type: str
    reference: str
    reason: str
    scope: str
    item_ids: Sequence[uuid.UUID] = ()
    case_reference: str | None = None
    officer: str | None = None
    borough: str | None = None
    start: datetime | None = None
    end: datetime | None = None


def _check_request(request: HoldRequest) -> None:
    if request.type not in HOLD_TYPES:
        raise RetentionError(f"a hold's type is one of: {', '.join(HOLD_TYPES)}")
    if request.scope not in HOLD_SCOPES:
        raise RetentionError(f"a hold's scope is one of: {', '.join(HOLD_SCOPES)}")
    if not request.reference.strip() or len(request.reason.strip()) < REASON_MIN:
        raise RetentionError("a hold needs a reference and a reason")
    if request.scope == "items" and not request.item_ids:
        raise RetentionError("a hold of items names at least one item")
    if request.scope == "case" and not request.case_reference:
        raise RetentionError("a hold of a case names its crime reference")
    if request.scope in ("officer", "area"):
        if request.start is None or request.end is None or request.start >= request.end:
            raise RetentionError("a hold of an officer or an area needs a time window (from < to)")
        if request.scope == "officer" and not request.officer:
            raise RetentionError("a hold of an officer names their warrant number")
        if request.scope == "area" and not request.borough:
            raise RetentionError("a hold of an area names its borough (GSS code)")


def _authorise_hold(session: Session, principal: Principal, request: HoldRequest) -> None:
    """Items: `evidence.hold` on each. A case: `retention.hold`, or `evidence.hold` with
    `case.manage`. An officer or an area: `retention.hold`."""
    if principal.can(roles.RETENTION_HOLD):
        return
    if request.scope == "items":
        for item_id in request.item_ids:
            authorize_item(session, principal, item_id, roles.HOLD)
        return
    if request.scope == "case" and principal.can(roles.HOLD) and principal.can(roles.CASE_MANAGE):
        return
    raise AccessDenied(roles.RETENTION_HOLD, "your role cannot place holds of this scope")


def preview_scope(
    session: Session,
    *,
    scope: str,
    item_ids: Sequence[uuid.UUID] = (),
    case_reference: str | None = None,
    officer: str | None = None,
    borough: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 1000,
) -> list[uuid.UUID]:
    """What a hold of this scope would hold now (the API's and the holds page's preview)."""
    if scope in ("officer", "area") and (start is None or end is None):
        raise RetentionError("a scope of an officer or an area needs from and to")
    case_id = case_for_hold(session, case_reference)[0] if scope == "case" else None
    return queries.scope_preview(
        session,
        scope=scope,
        case_id=case_id,
        officer=officer,
        officer_id=officer_user_id(session, officer) if officer else None,
        borough=borough,
        start=start,
        end=end,
        item_ids=item_ids,
        limit=limit,
    )


def case_for_hold(session: Session, reference: str | None) -> tuple[uuid.UUID, str]:
    """The id and crime reference of the case a hold names."""
    case = case_by_reference(session, reference or "")
    if case is None:
        raise RetentionError(f"no case with crime reference {reference}")
    return case.id, case.crime_reference


def record_read(session: Session, principal: Principal, what: str, count: int) -> None:
    """Retention's lists are read under `retention.read` (holds name people and complaints)."""
    record(session, principal, "retention.read", details={"list": what, "returned": count})


def place_hold(
    session: Session, principal: Principal, request: HoldRequest, *, source_ip: str | None = None
) -> Hold:
    """A hold: nothing in its scope is disposed of until it is released."""
    _check_request(request)
    _authorise_hold(session, principal, request)
    lock_holds(session, bump=True)
    hold = Hold(
        type=request.type,
        reference=request.reference.strip(),
        reason=request.reason.strip(),
        scope=request.scope,
        placed_by=principal.name,
        placed_by_id=principal.user_id,
        placed_at=utcnow(),
    )
    if request.scope == "case":
        hold.case_id, hold.case_reference = case_for_hold(session, request.case_reference)
    if request.scope == "officer":
        hold.officer = request.officer
        hold.officer_user_id = officer_user_id(session, request.officer or "")
    hold.borough = request.borough if request.scope == "area" else None
    if request.scope in ("officer", "area"):
        hold.window_start, hold.window_end = request.start, request.end
    session.add(hold)
    session.flush()
    if request.scope == "items":
        _hold_items(session, hold, request.item_ids, "placed")
    record(
        session,
        principal,
        "retention.hold",
        target_type="hold",
        target_id=str(hold.id),
        reason=hold.reason,
        source_ip=source_ip,
        details=_hold_details(hold, request.item_ids),
    )
    return hold


def _hold_items(session: Session, hold: Hold, ids: Sequence[uuid.UUID], via: str) -> None:
    present = set(queries.held_item_ids(session, hold.id))
    for item_id in dict.fromkeys(ids):
        if item_id not in present:
            session.add(HoldItem(hold_id=hold.id, evidence_id=item_id, via=via))
    session.flush()


def _hold_details(hold: Hold, item_ids: Sequence[uuid.UUID] = ()) -> dict[str, Any]:
    details: dict[str, Any] = {"type": hold.type, "reference": hold.reference, "scope": hold.scope}
    if item_ids:
        details["items"] = [str(i) for i in item_ids][:100]
    for name in ("case_reference", "officer", "borough"):
        if getattr(hold, name):
            details[name] = getattr(hold, name)
    if hold.window_start and hold.window_end:
        details["from"], details["to"] = hold.window_start.isoformat(), hold.window_end.isoformat()
    return details


def release_hold(
    session: Session,
    principal: Principal,
    hold_id: uuid.UUID | str,
    reason: str,
    *,
    source_ip: str | None = None,
) -> Hold:
    """Release a hold, with a reason: `retention.release`, or whoever placed it if they still
    hold `evidence.hold`. What it held returns to its rules (never below a notice given)."""
    hold = queries.find_hold(session, hold_id)
    if hold is None:
        raise NoSuchHold(f"no hold {hold_id}")
    own = hold.placed_by_id is not None and hold.placed_by_id == principal.user_id
    if not (principal.can(roles.RETENTION_RELEASE) or (own and principal.can(roles.HOLD))):
        raise AccessDenied(roles.RETENTION_RELEASE, "your role cannot release this hold")
    if hold.released_at is not None:
        raise HoldReleased(f"hold {hold.reference} was released already")
    if len(reason.strip()) < REASON_MIN:
        raise RetentionError("releasing a hold needs a reason")
    hold.released_at, hold.released_by, hold.release_reason = utcnow(), principal.name, reason
    session.flush()
    record(
        session,
        principal,
        "retention.release",
        target_type="hold",
        target_id=str(hold.id),
        reason=reason,
        source_ip=source_ip,
        details=_hold_details(hold),
    )
    return hold


def hold_on_arrival(session: Session, item: ItemFacts) -> None:
    """An arriving item inside an open hold's scope is held from its first moment (the
    evidence domain calls this in the transaction that creates the item)."""
    for hold in queries.open_holds(session):
        if hold.scope in ("officer", "area") and queries.in_scope(hold, item, ()):
            _hold_items(session, hold, [item.id], "arrival")
            record(
                session,
                None,
                "retention.hold.arrival",
                evidence_id=item.id,
                target_type="hold",
                target_id=str(hold.id),
                details={"type": hold.type, "reference": hold.reference},
            )


# --- the deletion queue, reviews, notices -------------------------------------------------------


def restore(
    session: Session,
    principal: Principal,
    evidence_id: uuid.UUID,
    reason: str,
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
    source_ip: str | None = None,
) -> datetime:
    """Take an item out of the deletion queue and keep it a fresh non-evidential period from
    now (administrators, professional standards); returns the new date."""
    require(principal, roles.RETENTION_RESTORE)
    if len(reason.strip()) < REASON_MIN:
        raise RetentionError("a restore needs a reason")
    entry = queries.queue_entry(session, evidence_id)
    if entry is None:
        raise NotQueued("that item is not in the deletion queue")
    now = now or utcnow()
    until = now + timedelta(days=queries.policy(session, settings).non_evidential_days)
    session.delete(entry)
    _decide(session, evidence_id, "restore", until, reason, principal, now)
    record(
        session,
        principal,
        "retention.restore",
        evidence_id=evidence_id,
        reason=reason,
        source_ip=source_ip,
        details={"until": until.isoformat(), "was_due": entry.dispose_after.isoformat()},
    )
    return until


def _decide(
    session: Session,
    evidence_id: uuid.UUID,
    kind: str,
    until: datetime | None,
    reason: str,
    principal: Principal,
    now: datetime,
) -> None:
    row = session.get(Decision, evidence_id)
    if row is None:
        row = Decision(evidence_id=evidence_id)
        session.add(row)
    row.kind, row.until, row.reason = kind, until, reason
    row.decided_by, row.decided_at = principal.name, now
    session.flush()


def decide_review(
    session: Session,
    principal: Principal,
    evidence_id: uuid.UUID,
    decision: str,
    reason: str,
    *,
    next_review: datetime | None = None,
    now: datetime | None = None,
    settings: Settings | None = None,
    source_ip: str | None = None,
) -> None:
    """A MoPI review: keep (until `next_review`) or dispose (with a reason; the item enters the
    deletion queue at the next run, with its grace period)."""
    require(principal, roles.RETENTION_REVIEW)
    now = now or utcnow()
    if decision not in ("keep", "dispose"):
        raise RetentionError("a review decides keep or dispose")
    if len(reason.strip()) < REASON_MIN:
        raise RetentionError("a review decision needs a reason")
    if decision == "keep" and (next_review is None or next_review <= now):
        raise RetentionError("keeping an item needs the next review date, in the future")
    verdict = queries.item_retention(session, evidence_id, now, settings)
    if verdict is None or verdict.state != REVIEW:
        raise NotDueForReview("that item is not due for a MoPI review")
    until = next_review if decision == "keep" else None
    _decide(session, evidence_id, decision, until, reason, principal, now)
    details: dict[str, Any] = {"decision": decision}
    if until is not None:
        details["next_review"] = until.isoformat()
    record(
        session,
        principal,
        "retention.review",
        evidence_id=evidence_id,
        reason=reason,
        source_ip=source_ip,
        details=details,
    )


def record_notices(
    session: Session, principal: Principal, warnings: Sequence[queries.Warning], now: datetime
) -> None:
    """Remember what a warning promised: none of these items goes before its date."""
    if not warnings:
        return
    existing = {
        n.evidence_id: n
        for n in session.scalars(
            select(Notice).where(Notice.evidence_id.in_([w.evidence_id for w in warnings]))
        )
    }
    fresh = 0
    for warning in warnings:
        notice = existing.get(warning.evidence_id)
        if notice is None:
            fresh += 1
            session.add(
                Notice(
                    evidence_id=warning.evidence_id,
                    until=warning.until,
                    first_sent_at=now,
                    last_sent_at=now,
                )
            )
        else:
            notice.until, notice.last_sent_at = max(notice.until, warning.until), now
    session.flush()
    if fresh:
        record(
            session, principal, "retention.notice", details={"items": len(warnings), "new": fresh}
        )


def dequeue(session: Session, ids: Sequence[uuid.UUID]) -> None:
    """Take items a rule now keeps out of the queue (the sweep audits it)."""
    if ids:
        session.execute(delete(QueueEntry).where(QueueEntry.evidence_id.in_(list(ids))))
