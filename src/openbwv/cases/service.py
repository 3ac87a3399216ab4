"""Cases: who may see which, linking items, members."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import ColumnElement, and_, delete, exists, false, or_, select, true
from sqlalchemy.orm import Session

from openbwv.access.models import User
from openbwv.access.policy import roles
from openbwv.access.principal import Principal
from openbwv.audit.events import record
from openbwv.cases.models import Case, CaseItem, CaseMember

CRIME_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/\-]{2,31}$")


class CaseError(ValueError):
    pass


def visible_cases(principal: Principal) -> ColumnElement[bool]:
    """Members see their cases; case managers see their borough's (or every case, force-wide)."""
    member: ColumnElement[bool] = false()
    if principal.user_id is not None:
        member = exists(
            select(CaseMember.user_id).where(
                CaseMember.case_id == Case.id, CaseMember.user_id == principal.user_id
            )
        )
    managed: ColumnElement[bool] = false()
    if principal.can(roles.CASE_MANAGE):
        if principal.scope == "force":
            managed = true()
        elif principal.borough:
            managed = Case.borough == principal.borough
    return or_(member, managed)


def find_visible(session: Session, principal: Principal, case_id: str) -> Case | None:
    try:
        parsed = uuid.UUID(case_id)
    except ValueError:
        return None
    return session.scalar(select(Case).where(Case.id == parsed, visible_cases(principal)))


def may_manage(session: Session, principal: Principal, case: Case) -> bool:
    if principal.can(roles.CASE_MANAGE):
        return True
    return (
        principal.user_id is not None
        and session.scalar(
            select(CaseMember.role).where(
                CaseMember.case_id == case.id, CaseMember.user_id == principal.user_id
            )
        )
        == "oic"
    )


def create_case(
    session: Session,
    principal: Principal,
    *,
    crime_reference: str,
    title: str,
    cad_number: str | None,
    borough: str | None,
) -> Case:
    if not CRIME_REFERENCE.match(crime_reference):
        raise CaseError("crime reference numbers are 3–32 letters, digits, '/' or '-'")
    if session.scalar(select(Case.id).where(Case.crime_reference == crime_reference)):
        raise CaseError(f"a case with crime reference {crime_reference} already exists")
    case = Case(
        crime_reference=crime_reference,
        title=title,
        cad_number=cad_number,
        borough=borough or principal.borough,
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
    return case


def add_member(
    session: Session, principal: Principal, case: Case, username: str, role: str
) -> CaseMember:
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None:
        raise CaseError(f"no active user {username!r}")
    existing = session.get(CaseMember, (case.id, user.id))
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
    evidence_id: uuid.UUID,
    *,
    source_ip: str | None = None,
) -> bool:
    """Link an item (already authorised for linking) and record it; False if already linked."""
    if session.get(CaseItem, (case.id, evidence_id)) is not None:
        return False
    session.add(CaseItem(case_id=case.id, evidence_id=evidence_id, linked_by=principal.user_id))
    details = {"crime_reference": case.crime_reference}
    _record_link(session, principal, "evidence.link", case, evidence_id, source_ip, details)
    return True


def unlink_item(
    session: Session,
    principal: Principal,
    case: Case,
    evidence_id: uuid.UUID,
    *,
    source_ip: str | None = None,
) -> None:
    session.execute(
        delete(CaseItem).where(CaseItem.case_id == case.id, CaseItem.evidence_id == evidence_id)
    )
    _record_link(session, principal, "evidence.unlink", case, evidence_id, source_ip)


def _record_link(
    session: Session,
    principal: Principal,
    action: str,
    case: Case,
    evidence_id: uuid.UUID,
    source_ip: str | None,
    details: dict[str, str] | None = None,
) -> None:
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


def item_ids(session: Session, case: Case) -> list[uuid.UUID]:
    return list(
        session.scalars(select(CaseItem.evidence_id).where(and_(CaseItem.case_id == case.id)))
    )
