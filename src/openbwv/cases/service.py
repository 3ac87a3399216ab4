"""Cases: creating them, their members and their linked items. One function per action, for the
API and the pages alike: each authorises, changes, and records the audit event (never commits)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from openbwv.access.errors import AccessDenied
from openbwv.access.models import User
from openbwv.access.policy import roles
from openbwv.access.policy.queries import authorize_item, require
from openbwv.access.principal import Principal
from openbwv.audit.events import record
from openbwv.cases import queries
from openbwv.cases.errors import CaseClosed, CaseConflict, CaseError, NoSuchMember
from openbwv.cases.models import (
    CASE_OUTCOMES,
    CASE_STAGES,
    CASE_STATUSES,
    Case,
    CaseItem,
    CaseMember,
)
from openbwv.organisation.queries import resolve_borough
from openbwv.timeutil import utcnow

CRIME_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/\-]{2,31}$")
# CAD (computer-aided dispatch) incident numbers are often written with spaces ("CAD 1234 03DEC").
CAD_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/\- ]{0,31}$")


def clean_cad_number(value: str | None) -> str | None:
    """The CAD number with its spacing made single; None when empty; CaseError when not one."""
    cad = " ".join((value or "").split())
    if not cad:
        return None
    if not CAD_NUMBER.match(cad):
        raise CaseError("a CAD number is up to 32 letters, digits, spaces, '/' or '-'")
    return cad


MEMBER_ROLES = ("oic", "member", "external")


def create_case(
    session: Session,
    principal: Principal,
    *,
    crime_reference: str,
    title: str,
    cad_number: str | None,
    borough: str | None,
    source_ip: str | None,
) -> Case:
    """A new case, its creator its officer in the case."""
    require(principal, roles.CASE_CREATE)
    if not CRIME_REFERENCE.match(crime_reference):
        raise CaseError("crime reference numbers are 3–32 letters, digits, '/' or '-'")
    if queries.reference_taken(session, crime_reference):
        raise CaseError(f"a case with crime reference {crime_reference} already exists")
    case = Case(
        crime_reference=crime_reference,
        title=title,
        cad_number=clean_cad_number(cad_number),
        # A GSS code or a name, as the fleet API takes them; an unknown one is a 422, not a
        # foreign-key failure at commit.
        borough=resolve_borough(session, borough).gss_code if borough else principal.borough,
        created_by=principal.user_id,
    )
    session.add(case)
    session.flush()
    if principal.user_id is not None:
        session.add(
            CaseMember(
                case_id=case.id, user_id=principal.user_id, role="oic", added_by=principal.user_id
            )
        )
    details = {"crime_reference": case.crime_reference}
    record_event(session, principal, "case.create", case, source_ip=source_ip, details=details)
    return case


def _require_manager(session: Session, principal: Principal, case: Case) -> None:
    if not queries.may_manage(session, principal, case):
        raise AccessDenied("case.manage", "only the officer in the case or a case manager")


def _require_open(case: Case, what: str) -> None:
    if case.status != "open":
        raise CaseClosed(f"case {case.crime_reference} is closed: reopen it to {what}")


def add_member(
    session: Session,
    principal: Principal,
    case: Case,
    username: str,
    role: str,
    *,
    source_ip: str | None,
    offered: tuple[str, ...] = MEMBER_ROLES,
    expires_at: datetime | None = None,
) -> CaseMember:
    """Add `username` to the case as `role` (or change their role and expiry); only the officer
    in the case or a case manager may, and only while the case is open. `offered`: the roles the
    caller lets people choose from; `expires_at`: when the membership ends (None: no end)."""
    _require_manager(session, principal, case)
    _require_open(case, "add members")
    if role not in offered:
        raise CaseError("a member is an officer in the case or a member")
    if expires_at is not None and expires_at <= utcnow():
        raise CaseError("a membership's expiry must be in the future")
    member = _put_member(session, principal, case, username, role, expires_at)
    details: dict[str, Any] = {"username": username, "role": role}
    if expires_at is not None:
        details["expires_at"] = expires_at.isoformat()
    record_event(session, principal, "case.member", case, source_ip=source_ip, details=details)
    return member


def _put_member(
    session: Session,
    principal: Principal,
    case: Case,
    username: str,
    role: str,
    expires_at: datetime | None,
) -> CaseMember:
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None:
        raise CaseError(f"no active user {username!r}")
    existing = queries.find_member(session, case, user.id)
    if existing is not None:
        if _is_current_oic(existing) and (role != "oic" or expires_at is not None):
            _keep_an_oic(session, case, existing, "given another role or an expiry")
        existing.role = role
        existing.expires_at = expires_at
        return existing
    member = CaseMember(
        case_id=case.id,
        user_id=user.id,
        role=role,
        added_by=principal.user_id,
        expires_at=expires_at,
    )
    session.add(member)
    return member


def _is_current_oic(member: CaseMember) -> bool:
    return member.role == "oic" and (member.expires_at is None or member.expires_at > utcnow())


def _keep_an_oic(session: Session, case: Case, member: CaseMember, what: str) -> None:
    """Refuse a change that would leave the case with no current officer in the case."""
    if queries.other_current_oics(session, case, member.user_id) == 0:
        raise CaseConflict(
            f"the only officer in the case cannot be {what}: make someone else officer in the "
            "case first"
        )


def remove_member(
    session: Session,
    principal: Principal,
    case: Case,
    user_id: uuid.UUID | str,
    *,
    source_ip: str | None,
) -> None:
    """Remove a member (expired ones too): their access through the case ends at once. Whoever
    may add members may remove them, even from a closed case; never the last officer in the
    case."""
    _require_manager(session, principal, case)
    try:
        parsed = user_id if isinstance(user_id, uuid.UUID) else uuid.UUID(str(user_id))
    except ValueError:
        raise NoSuchMember("no such member of this case") from None
    member = queries.find_member(session, case, parsed)
    if member is None:
        raise NoSuchMember("no such member of this case")
    if _is_current_oic(member):
        _keep_an_oic(session, case, member, "removed")
    user = session.get(User, parsed)
    details = {"username": user.username if user else str(parsed), "role": member.role}
    session.delete(member)
    session.flush()
    record_event(
        session, principal, "case.member.remove", case, source_ip=source_ip, details=details
    )


def set_status(
    session: Session, principal: Principal, case: Case, status: str, *, source_ip: str | None
) -> Case:
    """Close (`closed`) or reopen (`open`) the case; whoever may manage its members may."""
    _require_manager(session, principal, case)
    if status not in CASE_STATUSES:
        raise CaseError("a case is open or closed")
    if case.status == status:
        raise CaseConflict(f"case {case.crime_reference} is already {status}")
    case.status = status
    if status == "closed":
        case.closed_at = utcnow()
    action = "case.close" if status == "closed" else "case.reopen"
    details = {"crime_reference": case.crime_reference}
    record_event(session, principal, action, case, source_ip=source_ip, details=details)
    session.flush()
    return case


# Stages after which the case's material waits on a decision date (the CPIA clock starts there).
DECIDED_STAGES = ("no_further_action", "convicted", "acquitted", "discontinued")


def set_stage(
    session: Session,
    principal: Principal,
    case: Case,
    stage: str,
    *,
    decided_at: datetime | None,
    sentence: str | None = None,
    expected_release_at: datetime | None = None,
    source_ip: str | None,
) -> Case:
    """Record where the case stands (CPIA): investigation, no further action, charged, convicted
    (sentence, expected release from custody), acquitted, discontinued, appeal pending. Whoever
    may manage the case may; a decided stage needs its date (retention counts from it)."""
    _require_manager(session, principal, case)
    if stage not in CASE_STAGES:
        raise CaseError(f"a case's stage is one of: {', '.join(CASE_STAGES)}")
    if stage in DECIDED_STAGES and decided_at is None:
        raise CaseError(f"a case that reached {stage} needs the date it was decided")
    if decided_at is not None and decided_at > utcnow():
        raise CaseError("a decision's date cannot be in the future")
    if stage != "convicted" and (sentence or expected_release_at):
        raise CaseError("a sentence and a release date belong to a conviction")
    before = case.stage
    case.stage, case.stage_at = stage, decided_at or utcnow()
    case.sentence, case.expected_release_at = sentence, expected_release_at
    details: dict[str, Any] = {
        "crime_reference": case.crime_reference,
        "before": before,
        "stage": stage,
        "decided_at": case.stage_at.isoformat(),
    }
    if expected_release_at is not None:
        details["expected_release_at"] = expected_release_at.isoformat()
    if sentence:
        details["sentence"] = sentence
    record_event(session, principal, "case.stage", case, source_ip=source_ip, details=details)
    session.flush()
    return case


def set_outcome(
    session: Session,
    principal: Principal,
    case: Case,
    outcome: str | None,
    *,
    decided_at: datetime | None,
    domestic_abuse: bool,
    source_ip: str | None,
) -> Case:
    """Record how a charged case ended — charged (awaiting court), early guilty plea, guilty
    plea at trial, convicted after trial, acquitted, discontinued; None clears it — and whether
    it is a domestic abuse case (the roll-out evaluation reads both). Whoever may manage the
    case may."""
    _require_manager(session, principal, case)
    if outcome is not None and outcome not in CASE_OUTCOMES:
        raise CaseError(f"a case's outcome is one of: {', '.join(CASE_OUTCOMES)}")
    if decided_at is not None and decided_at > utcnow():
        raise CaseError("an outcome's date cannot be in the future")
    before = case.outcome
    case.outcome, case.domestic_abuse = outcome, domestic_abuse
    case.outcome_at = (decided_at or utcnow()) if outcome is not None else None
    details: dict[str, Any] = {
        "crime_reference": case.crime_reference,
        "before": before,
        "outcome": outcome,
        "domestic_abuse": domestic_abuse,
    }
    if case.outcome_at is not None:
        details["decided_at"] = case.outcome_at.isoformat()
    record_event(session, principal, "case.outcome", case, source_ip=source_ip, details=details)
    session.flush()
    return case


def link_item(
    session: Session,
    principal: Principal,
    case: Case,
    evidence_id: uuid.UUID | str,
    *,
    source_ip: str | None,
) -> bool:
    """Link an item the person may link to an open case, and record it; False if it was linked
    already."""
    item = authorize_item(session, principal, evidence_id, roles.LINK)
    _require_open(case, "link items")
    if queries.is_linked(session, case, item.id):
        return False
    session.add(CaseItem(case_id=case.id, evidence_id=item.id, linked_by=principal.user_id))
    details = {"crime_reference": case.crime_reference}
    record_event(
        session, principal, "evidence.link", case, item.id, source_ip=source_ip, details=details
    )
    return True


def unlink_item(
    session: Session,
    principal: Principal,
    case: Case,
    evidence_id: uuid.UUID | str,
    *,
    source_ip: str | None,
) -> None:
    item = authorize_item(session, principal, evidence_id, roles.LINK)
    session.execute(
        delete(CaseItem).where(CaseItem.case_id == case.id, CaseItem.evidence_id == item.id)
    )
    record_event(session, principal, "evidence.unlink", case, item.id, source_ip=source_ip)


def record_event(
    session: Session,
    principal: Principal,
    action: str,
    case: Case,
    evidence_id: uuid.UUID | None = None,
    *,
    source_ip: str | None,
    details: dict[str, Any] | None = None,
) -> None:
    """Record an action on the case (reads too: viewing it, its items, its timeline)."""
    record(
        session,
        principal,
        action,
        evidence_id=evidence_id,
        target_type="case",
        target_id=str(case.id),
        source_ip=source_ip,
        details=details,
    )
