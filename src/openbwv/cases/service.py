"""Cases: creating them, their members and their linked items. One function per action, for the
API and the pages alike: each authorises, changes, and records the audit event (never commits)."""

from __future__ import annotations

import re
import uuid
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
from openbwv.cases.errors import CaseError
from openbwv.cases.models import Case, CaseItem, CaseMember
from openbwv.organisation.queries import resolve_borough

CRIME_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/\-]{2,31}$")
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
        cad_number=cad_number,
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


def add_member(
    session: Session,
    principal: Principal,
    case: Case,
    username: str,
    role: str,
    *,
    source_ip: str | None,
    offered: tuple[str, ...] = MEMBER_ROLES,
) -> CaseMember:
    """Add `username` to the case as `role` (or change their role); only the officer in the case
    or a case manager may. `offered`: the roles the caller lets people choose from."""
    if not queries.may_manage(session, principal, case):
        raise AccessDenied("case.manage", "only the officer in the case or a case manager")
    if role not in offered:
        raise CaseError("a member is an officer in the case or a member")
    member = _put_member(session, principal, case, username, role)
    details = {"username": username, "role": role}
    record_event(session, principal, "case.member", case, source_ip=source_ip, details=details)
    return member


def _put_member(
    session: Session, principal: Principal, case: Case, username: str, role: str
) -> CaseMember:
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None:
        raise CaseError(f"no active user {username!r}")
    existing = queries.find_member(session, case, user.id)
    if existing is not None:
        existing.role = role
        return existing
    member = CaseMember(case_id=case.id, user_id=user.id, role=role, added_by=principal.user_id)
    session.add(member)
    return member


def link_item(
    session: Session,
    principal: Principal,
    case: Case,
    evidence_id: uuid.UUID | str,
    *,
    source_ip: str | None,
) -> bool:
    """Link an item the person may link, and record it; False if it was linked already."""
    item = authorize_item(session, principal, evidence_id, roles.LINK)
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
