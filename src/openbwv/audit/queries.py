"""Reading the audit log for other domains' pages (the log's own API reads in `audit.trail`)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwv.audit.models import AuditEvent


def latest_for_item(session: Session, evidence_id: uuid.UUID, limit: int) -> list[AuditEvent]:
    """The item's newest `limit` events, newest first."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.evidence_id == evidence_id)
            .order_by(AuditEvent.id.desc())
            .limit(limit)
        )
    )
