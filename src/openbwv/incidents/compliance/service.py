"""Writes of activation compliance: drawing a team's weekly review sample (seeded, the seed
recorded) and recording a supervisor's review of a sampled recording. Each authorises, changes
and records the audit event; none commits."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from sqlalchemy.orm import Session

from openbwv.access.policy import roles
from openbwv.access.policy.queries import authorize_item, require
from openbwv.access.principal import Principal
from openbwv.audit.events import record
from openbwv.incidents.compliance import queries
from openbwv.incidents.compliance.sampling import CHECKLIST, OUTCOMES, draw
from openbwv.incidents.errors import IncidentError, NoSuchIncident
from openbwv.incidents.models import ReviewResult, ReviewSample
from openbwv.timeutil import utcnow


def draw_sample(
    session: Session, principal: Principal, week: str, *, source_ip: str | None
) -> ReviewSample:
    """The supervisor's team's sample for `week` (drawn now if not yet: a fresh random seed,
    recorded with it; drawing again returns the same sample)."""
    require(principal, roles.COMPLIANCE_REVIEW)
    if principal.team_id is None:
        raise IncidentError("a review sample is drawn for your team: you have none")
    existing = queries.sample_of(session, principal.team_id, week)
    if existing is not None:
        return existing
    population = queries.team_recordings(session, principal.team_id, week)
    seed = secrets.randbits(63)
    chosen = draw(seed, population)
    sample = ReviewSample(
        team_id=principal.team_id,
        week=week,
        seed=seed,
        population=len(population),
        item_ids=[str(i) for i in chosen],
        drawn_at=utcnow(),
        drawn_by=principal.name,
    )
    session.add(sample)
    session.flush()
    details = {"week": week, "seed": str(seed), "population": len(population)}
    details |= {"items": sample.item_ids}
    record(
        session,
        principal,
        "compliance.sample",
        target_type="review_sample",
        target_id=str(sample.id),
        source_ip=source_ip,
        details=details,
    )
    return sample


def review(
    session: Session,
    principal: Principal,
    sample_id: uuid.UUID,
    evidence_id: str,
    *,
    checklist: dict[str, bool],
    outcome: str,
    notes: str | None,
    source_ip: str | None,
) -> ReviewResult:
    """Record (or correct) the review of one sampled recording: its team's supervisor only."""
    require(principal, roles.COMPLIANCE_REVIEW)
    sample = queries.sample_by_id(session, sample_id)
    if sample is None or sample.team_id != principal.team_id:
        raise NoSuchIncident("no such review sample for your team")
    item = authorize_item(session, principal, evidence_id, roles.VIEW)
    if str(item.id) not in sample.item_ids:
        raise IncidentError("that recording is not in this sample")
    if outcome not in OUTCOMES:
        raise IncidentError(f"the outcome is one of {', '.join(OUTCOMES)}")
    answers: dict[str, Any] = {key: bool(checklist.get(key)) for key, _label in CHECKLIST}
    found = queries.results(session, sample).get(item.id)
    result = found or ReviewResult(sample_id=sample.id, evidence_id=item.id)
    result.checklist, result.outcome, result.notes = answers, outcome, notes or None
    result.reviewer_id, result.reviewer, result.reviewed_at = (
        principal.user_id,
        principal.name,
        utcnow(),
    )
    if found is None:
        session.add(result)
    details: dict[str, Any] = {"sample": str(sample.id), "week": sample.week, "outcome": outcome}
    details |= {"checklist": answers, "corrected": found is not None}
    record(
        session,
        principal,
        "compliance.review",
        evidence_id=item.id,
        source_ip=source_ip,
        details=details,
    )
    session.flush()
    return result
