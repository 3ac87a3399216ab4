"""Complaint writes: recording one, its outcome, linking footage and — in one step — holding
the footage it may concern (retention's holds, type `complaint`). Each authorises, changes and
records its audit event in the caller's transaction; none commits."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from openbwv.access.admin import queries as people
from openbwv.access.policy import roles
from openbwv.access.policy.queries import authorize_item, require
from openbwv.access.principal import Principal
from openbwv.analytics.allegations import ALLEGATIONS, OUTCOMES
from openbwv.analytics.complaints import queries
from openbwv.analytics.errors import AnalyticsError, ComplaintConflict
from openbwv.analytics.models import Complaint, ComplaintItem, ComplaintOfficer
from openbwv.audit.events import record
from openbwv.evidence.queries import officer_user_id
from openbwv.organisation.queries import resolve_borough
from openbwv.retention import service as retention
from openbwv.timeutil import utcnow

REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/\-]{2,63}$")
MAX_OFFICERS = 20


@dataclass
class ComplaintSpec:
    reference: str
    received_on: date
    allegations: Sequence[str]
    officers: Sequence[str] = ()  # warrant numbers
    borough: str | None = None  # GSS code or name: where it happened
    incident_number: str | None = None
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None
    place: str | None = None
    summary: str = ""
    outcome: str = "open"
    simulated: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _check(session: Session, spec: ComplaintSpec) -> None:
    if not REFERENCE.match(spec.reference):
        raise AnalyticsError("a complaint reference is 3–64 letters, digits, '/' or '-'")
    if queries.by_reference(session, spec.reference) is not None:
        raise ComplaintConflict(f"a complaint with reference {spec.reference} already exists")
    unknown = sorted(set(spec.allegations) - set(ALLEGATIONS))
    if not spec.allegations or unknown:
        raise AnalyticsError(
            "a complaint names at least one allegation type, each one of: " + ", ".join(ALLEGATIONS)
        )
    if spec.outcome not in OUTCOMES:
        raise AnalyticsError(f"a complaint's outcome is one of: {', '.join(OUTCOMES)}")
    if spec.received_on > utcnow().date():
        raise AnalyticsError("a complaint cannot be received in the future")
    if spec.occurred_to and (not spec.occurred_from or spec.occurred_to <= spec.occurred_from):
        raise AnalyticsError("the time window needs a start before its end")
    if len(spec.officers) > MAX_OFFICERS:
        raise AnalyticsError(f"at most {MAX_OFFICERS} officers on one complaint")
    if not (spec.officers or spec.incident_number or (spec.occurred_from and spec.borough)):
        raise AnalyticsError(
            "a complaint names its officers, its incident, or a time and place (borough)"
        )


def create_complaint(
    session: Session, principal: Principal, spec: ComplaintSpec, *, source_ip: str | None = None
) -> Complaint:
    require(principal, roles.COMPLAINTS_MANAGE)
    _check(session, spec)
    found = Complaint(
        reference=spec.reference.strip(),
        received_on=spec.received_on,
        borough=resolve_borough(session, spec.borough).gss_code if spec.borough else None,
        incident_number=" ".join((spec.incident_number or "").split()) or None,
        occurred_from=spec.occurred_from,
        occurred_to=spec.occurred_to,
        place=spec.place,
        allegations=list(dict.fromkeys(spec.allegations)),
        summary=spec.summary.strip(),
        outcome=spec.outcome,
        simulated=spec.simulated,
        created_by=principal.name,
    )
    session.add(found)
    session.flush()
    for warrant in dict.fromkeys(w.strip() for w in spec.officers if w.strip()):
        session.add(_officer(session, found.id, warrant))
    session.flush()
    details = {
        "reference": found.reference,
        "allegations": found.allegations,
        "officers": list(spec.officers),
        "borough": found.borough,
        "incident": found.incident_number,
    }
    _record(session, principal, "complaint.create", found, source_ip, details)
    return found


def _officer(session: Session, complaint_id: uuid.UUID, warrant: str) -> ComplaintOfficer:
    user_id = officer_user_id(session, warrant)
    user = people.user_by_id(session, user_id) if user_id else None
    return ComplaintOfficer(
        complaint_id=complaint_id,
        warrant=warrant,
        user_id=user_id,
        team_id=user.team_id if user else None,
        borough=user.borough if user else None,
    )


def _record(
    session: Session,
    principal: Principal,
    action: str,
    found: Complaint,
    source_ip: str | None,
    details: dict[str, Any],
) -> None:
    record(
        session,
        principal,
        action,
        target_type="complaint",
        target_id=str(found.id),
        source_ip=source_ip,
        details=details,
    )


def record_read(
    session: Session, principal: Principal, what: str, found: Complaint | None = None, **extra: Any
) -> None:
    """Complaint reads are audited (complaints name officers and members of the public)."""
    record(
        session,
        principal,
        "complaint.read",
        target_type="complaint" if found else None,
        target_id=str(found.id) if found else None,
        details={"what": what, **extra},
    )


def set_outcome(
    session: Session,
    principal: Principal,
    found: Complaint,
    outcome: str,
    *,
    decided_on: date | None = None,
    source_ip: str | None = None,
) -> Complaint:
    require(principal, roles.COMPLAINTS_MANAGE)
    if outcome not in OUTCOMES:
        raise AnalyticsError(f"a complaint's outcome is one of: {', '.join(OUTCOMES)}")
    before = found.outcome
    found.outcome = outcome
    found.outcome_on = None if outcome == "open" else (decided_on or utcnow().date())
    session.flush()
    details = {"reference": found.reference, "before": before, "outcome": outcome}
    _record(session, principal, "complaint.outcome", found, source_ip, details)
    return found


def link_footage(
    session: Session,
    principal: Principal,
    found: Complaint,
    item_ids: Sequence[uuid.UUID | str],
    *,
    source_ip: str | None = None,
) -> int:
    """Link items the person may view to the complaint; the number newly linked."""
    require(principal, roles.COMPLAINTS_MANAGE)
    present = set(queries.linked_ids(session, found.id))
    added: list[str] = []
    for item_id in dict.fromkeys(item_ids):
        item = authorize_item(session, principal, item_id, roles.VIEW)
        if item.id not in present:
            session.add(
                ComplaintItem(complaint_id=found.id, evidence_id=item.id, linked_by=principal.name)
            )
            present.add(item.id)
            added.append(str(item.id))
    session.flush()
    details = {"reference": found.reference, "items": added[:100], "linked": len(added)}
    _record(session, principal, "complaint.link", found, source_ip, details)
    return len(added)


def hold_footage(
    session: Session,
    principal: Principal,
    found: Complaint,
    *,
    item_ids: Sequence[uuid.UUID] | None = None,
    source_ip: str | None = None,
) -> list[uuid.UUID]:
    """Hold the complaint's footage in one step: the items found (or `item_ids`), and — so a
    late upload is held on arrival — each named officer's recordings in the time window (or
    the borough's, when no officer is named). Retention checks its own permissions too."""
    require(principal, roles.COMPLAINTS_MANAGE)
    footage = queries.find_footage(session, principal, found)
    ids = list(item_ids) if item_ids is not None else [item.id for item in footage.items]
    reason = f"Complaint {found.reference}: preserve the footage (Police Reform Act 2002 Sch 3)"

    def hold_of(**scope: Any) -> retention.HoldRequest:
        return retention.HoldRequest(
            type="complaint", reference=found.reference, reason=reason, **scope
        )

    requests: list[retention.HoldRequest] = []
    if ids:
        requests.append(hold_of(scope="items", item_ids=ids))
    if footage.window is not None:
        start, end = footage.window
        named = [o.warrant for o in queries.officers(session, found.id) if o.user_id]
        for warrant in named:
            requests.append(hold_of(scope="officer", officer=warrant, start=start, end=end))
        if not named and found.borough:
            requests.append(hold_of(scope="area", borough=found.borough, start=start, end=end))
    if not requests:
        raise AnalyticsError("nothing to hold: no footage found and no time window to hold")
    holds = [retention.place_hold(session, principal, r, source_ip=source_ip).id for r in requests]
    found.hold_ids = [*found.hold_ids, *(str(h) for h in holds)]
    session.flush()
    details = {"reference": found.reference, "holds": [str(h) for h in holds], "items": len(ids)}
    _record(session, principal, "complaint.hold", found, source_ip, details)
    return holds
