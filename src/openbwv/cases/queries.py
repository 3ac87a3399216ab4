"""Reading cases: which a person may see (members see theirs; case managers their borough's or,
force-wide, all), their members, and their linked items as far as the access policy allows."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select, true
from sqlalchemy.orm import Session

from openbwv.access.errors import AccessDenied
from openbwv.access.models import User
from openbwv.access.policy import roles
from openbwv.access.policy.queries import visible_clause
from openbwv.access.principal import Principal
from openbwv.cases.errors import BadPage
from openbwv.cases.models import Case, CaseItem, CaseMember
from openbwv.db.base import now_when_executed
from openbwv.evidence.models import EvidenceItem
from openbwv.timeutil import parse_rfc3339

LIST_LIMIT = 500


def current_membership() -> ColumnElement[bool]:
    """A membership that still grants access: not expired (a removed one is gone). The policy's
    `_case_member` holds the same condition (it cannot import this module)."""
    return or_(CaseMember.expires_at.is_(None), CaseMember.expires_at > now_when_executed())


def visible_cases(principal: Principal) -> ColumnElement[bool]:
    """Members see their cases; case managers see their borough's (or every case, force-wide)."""
    member: ColumnElement[bool] = false()
    if principal.user_id is not None:
        member = exists(
            select(CaseMember.user_id).where(
                CaseMember.case_id == Case.id,
                CaseMember.user_id == principal.user_id,
                current_membership(),
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


def get_visible(session: Session, principal: Principal, case_id: str) -> Case:
    """The case, or the same refusal (404) whether it does not exist or is out of sight."""
    case = find_visible(session, principal, case_id)
    if case is None:
        raise AccessDenied("case.view", "no such case", status=404, target=case_id[:64])
    return case


def find_by_reference(session: Session, principal: Principal, reference: str) -> Case | None:
    """The visible case with this crime reference."""
    return session.scalar(
        select(Case).where(Case.crime_reference == reference, visible_cases(principal))
    )


def reference_taken(session: Session, reference: str) -> bool:
    return session.scalar(select(Case.id).where(Case.crime_reference == reference)) is not None


def may_manage(session: Session, principal: Principal, case: Case) -> bool:
    if principal.can(roles.CASE_MANAGE):
        return True
    return (
        principal.user_id is not None
        and session.scalar(
            select(CaseMember.role).where(
                CaseMember.case_id == case.id,
                CaseMember.user_id == principal.user_id,
                current_membership(),
            )
        )
        == "oic"
    )


def listed(
    session: Session, principal: Principal, crime_reference: str | None, status: str | None = None
) -> list[Case]:
    """The visible cases, newest first (the API's list), optionally only those open or closed."""
    query = select(Case).where(visible_cases(principal))
    if crime_reference:
        query = query.where(Case.crime_reference == crime_reference)
    if status:
        query = query.where(Case.status == status)
    return list(session.scalars(query.order_by(Case.created_at.desc()).limit(LIST_LIMIT)))


def page(
    session: Session, principal: Principal, after: str | None, size: int
) -> tuple[list[Case], str | None]:
    """A page of the visible cases, newest first, and the key of the next (`created_id`)."""
    query = select(Case).where(visible_cases(principal))
    if after:
        try:
            created, case_id = after.split("_", 1)
            when, parsed = parse_rfc3339(created), uuid.UUID(case_id)
        except ValueError as exc:
            raise BadPage("that page link is not valid") from exc
        query = query.where(
            or_(Case.created_at < when, and_(Case.created_at == when, Case.id < parsed))
        )
    query = query.order_by(Case.created_at.desc(), Case.id.desc()).limit(size + 1)
    found = list(session.scalars(query))
    last = found[size - 1] if len(found) > size else None
    return found[:size], f"{last.created_at.isoformat()}_{last.id}" if last else None


def visible_item_counts(
    session: Session, principal: Principal, case_ids: list[uuid.UUID]
) -> dict[Any, int]:
    """How many of each case's items the person may view."""
    if not case_ids:
        return {}
    query = (
        select(CaseItem.case_id, func.count())
        .join(EvidenceItem, EvidenceItem.id == CaseItem.evidence_id)
        .where(CaseItem.case_id.in_(case_ids), visible_clause(principal, roles.VIEW))
        .group_by(CaseItem.case_id)
    )
    return dict(session.execute(query).all())


def _visible_in(principal: Principal, case: Case) -> ColumnElement[bool]:
    return and_(CaseItem.case_id == case.id, visible_clause(principal, roles.VIEW))


def visible_items(
    session: Session, principal: Principal, case: Case, limit: int
) -> list[EvidenceItem]:
    """The case's items the person may view, oldest first."""
    return list(
        session.scalars(
            select(EvidenceItem)
            .join(CaseItem, CaseItem.evidence_id == EvidenceItem.id)
            .where(_visible_in(principal, case))
            .order_by(EvidenceItem.occurred_at, EvidenceItem.id)
            .limit(limit)
        )
    )


def visible_item_ids(session: Session, principal: Principal, case: Case) -> list[uuid.UUID]:
    return list(
        session.scalars(
            select(EvidenceItem.id)
            .join(CaseItem, CaseItem.evidence_id == EvidenceItem.id)
            .where(_visible_in(principal, case))
            .order_by(EvidenceItem.occurred_at)
        )
    )


def members(session: Session, case: Case) -> list[tuple[User, CaseMember]]:
    """(user, membership), by name; expired memberships too (the page shows them as expired)."""
    rows = session.execute(
        select(User, CaseMember)
        .join(CaseMember, CaseMember.user_id == User.id)
        .where(CaseMember.case_id == case.id)
        .order_by(User.display_name)
    ).all()
    return [(user, member) for user, member in rows]


def other_current_oics(session: Session, case: Case, user_id: uuid.UUID) -> int:
    """How many current officers in the case there are besides `user_id`."""
    return (
        session.scalar(
            select(func.count())
            .select_from(CaseMember)
            .where(
                CaseMember.case_id == case.id,
                CaseMember.user_id != user_id,
                CaseMember.role == "oic",
                current_membership(),
            )
        )
        or 0
    )


def find_member(session: Session, case: Case, user_id: uuid.UUID) -> CaseMember | None:
    return session.get(CaseMember, (case.id, user_id))


def is_linked(session: Session, case: Case, evidence_id: uuid.UUID) -> bool:
    return session.get(CaseItem, (case.id, evidence_id)) is not None


def is_linked_id(session: Session, case_id: uuid.UUID, evidence_id: uuid.UUID) -> bool:
    return session.get(CaseItem, (case_id, evidence_id)) is not None


def item_ids_of(session: Session, case_id: uuid.UUID) -> list[uuid.UUID]:
    """Every item linked to the case, in the order they were linked."""
    return list(
        session.scalars(
            select(CaseItem.evidence_id)
            .where(CaseItem.case_id == case_id)
            .order_by(CaseItem.linked_at, CaseItem.evidence_id)
        )
    )


def item_ids(session: Session, case: Case) -> list[uuid.UUID]:
    return list(session.scalars(select(CaseItem.evidence_id).where(CaseItem.case_id == case.id)))


def cases_of_item(session: Session, principal: Principal, evidence_id: uuid.UUID) -> list[Case]:
    """The visible cases an item is linked to, by crime reference."""
    return list(
        session.scalars(
            select(Case)
            .join(CaseItem, CaseItem.case_id == Case.id)
            .where(CaseItem.evidence_id == evidence_id, visible_cases(principal))
            .order_by(Case.crime_reference)
        )
    )


def evidence_in_case(case_id: uuid.UUID) -> Select[uuid.UUID]:
    """The ids of a case's items, as a subquery (search filters on it)."""
    return select(CaseItem.evidence_id).where(CaseItem.case_id == case_id)


def evidence_in_cases(
    case_ids: Select[uuid.UUID], excluding: Select[uuid.UUID] | None = None
) -> Select[uuid.UUID]:
    """The ids of the items of several cases (a subquery of case ids), less `excluding`: what
    a share of cases that includes later links gives (the sharing domain's reach)."""
    query = select(CaseItem.evidence_id).where(CaseItem.case_id.in_(case_ids))
    if excluding is not None:
        query = query.where(CaseItem.evidence_id.not_in(excluding))
    return query


def evidence_of_member(user_id: uuid.UUID | None) -> Select[uuid.UUID]:
    """The ids of the items in every case `user_id` is a current member of, as a subquery."""
    return (
        select(CaseItem.evidence_id)
        .join(CaseMember, CaseMember.case_id == CaseItem.case_id)
        .where(CaseMember.user_id == user_id, current_membership())
    )


# --- what retention needs: the stage and outcome of every case an item is linked to ----------


@dataclass(frozen=True)
class CaseFacts:
    """A linked case as retention sees it (CPIA stage and outcome)."""

    case_id: uuid.UUID
    crime_reference: str
    stage: str
    stage_at: datetime | None
    expected_release_at: datetime | None


def retention_links(
    session: Session,
    evidence_ids: Iterable[uuid.UUID],
    *,
    lock: bool = False,
    span: tuple[uuid.UUID, uuid.UUID] | None = None,
) -> dict[uuid.UUID, list[CaseFacts]]:
    """The cases each item is linked to, in one query (unfiltered: retention is not a person).
    `lock` takes a share lock on the cases (PostgreSQL), so a stage change waits for a disposal
    transaction that has read it, and one committed before is seen. `span` (first, last id):
    the items are every item in that range (a sweep's batch), read by range, not by list."""
    wanted = list(evidence_ids)
    found: dict[uuid.UUID, list[CaseFacts]] = defaultdict(list)
    if not wanted:
        return found
    query = (
        select(
            CaseItem.evidence_id,
            Case.id.label("case_id"),
            Case.crime_reference,
            Case.stage,
            Case.stage_at,
            Case.expected_release_at,
        )
        .join(Case, Case.id == CaseItem.case_id)
        .where(CaseItem.evidence_id.between(*span) if span else CaseItem.evidence_id.in_(wanted))
        .order_by(Case.crime_reference)
    )
    if lock:
        query = query.with_for_update(read=True, of=Case)
    rows: Sequence[Any] = session.connection().execute(query).all()
    for row in rows:
        found[row[0]].append(CaseFacts(*row[1:]))  # the columns in CaseFacts' order
    return found


def case_by_reference(session: Session, reference: str) -> Case | None:
    """The case with this crime reference, whoever may see it (for holds placed on a case)."""
    return session.scalar(select(Case).where(Case.crime_reference == reference))


def case_by_id(session: Session, case_id: uuid.UUID) -> Case | None:
    """A case whatever the caller may see: for a share's recipient, whose access comes from the
    share (checked by the caller), not from the case."""
    return session.get(Case, case_id)


def case_ids_by_cad(session: Session, cad_number: str) -> list[uuid.UUID]:
    """Cases recorded against a CAD incident number (spacing and case ignored), unfiltered: the
    subject access search narrows an evidence search by them, and that search is itself the
    access policy's, so no case is revealed."""
    wanted = " ".join(cad_number.split()).upper()
    if not wanted:
        return []
    return list(
        session.scalars(select(Case.id).where(func.upper(Case.cad_number) == wanted).limit(20))
    )


@dataclass(frozen=True)
class OutcomeRow:
    """A case's facts the roll-out evaluation counts (no names: aggregates only)."""

    borough: str | None
    outcome: str | None
    outcome_at: datetime | None
    stage: str
    stage_at: datetime | None
    domestic_abuse: bool


def outcome_rows(session: Session, start: datetime, end: datetime) -> list[OutcomeRow]:
    """Cases with an outcome, or a decision not to charge, decided in [start, end)."""
    decided = or_(
        and_(Case.outcome_at >= start, Case.outcome_at < end),
        and_(Case.stage == "no_further_action", Case.stage_at >= start, Case.stage_at < end),
    )
    query = select(
        Case.borough, Case.outcome, Case.outcome_at, Case.stage, Case.stage_at, Case.domestic_abuse
    ).where(decided)
    return [OutcomeRow(*row) for row in session.execute(query)]


def visible_item_ids_by_cad(session: Session, principal: Principal, cad: str) -> list[uuid.UUID]:
    """Items the principal may view, linked to any case with this CAD (incident) number."""
    ids: list[uuid.UUID] = []
    for case in session.scalars(select(Case).where(Case.cad_number == cad).limit(50)):
        ids.extend(visible_item_ids(session, principal, case))
    return list(dict.fromkeys(ids))
