"""'Verify now' from the auditor's pages: the same check as `bwv audit verify`, recorded."""

from __future__ import annotations

from sqlalchemy.orm import Session

from openbwv.access.policy import roles
from openbwv.access.policy.queries import require
from openbwv.access.principal import Principal
from openbwv.audit.events import FAILURE, SUCCESS, record
from openbwv.audit.keys import trusted_verifiers
from openbwv.audit.verification.findings import VerifyReport
from openbwv.audit.verification.queries import verify_log
from openbwv.config import get_settings
from openbwv.db.session import get_engine

VERIFY_ACTION = "audit.verify"


def verify_now(session: Session, principal: Principal, *, source_ip: str | None) -> VerifyReport:
    """Verify the platform's own log (as `bwv audit verify` with no options) and record it.

    The pass reads its own read-only snapshot before `session` is used, so it never holds the
    write lock while it runs; the event is written in `session` (the caller commits)."""
    require(principal, roles.AUDIT_READ)
    report = verify_log(get_engine(), trusted_verifiers(create=False), get_settings().audit_origin)
    first = report.first
    record(
        session,
        principal,
        VERIFY_ACTION,
        result=SUCCESS if report.ok else FAILURE,
        reason=None if first is None else first.describe()[:500],
        source_ip=source_ip,
        details={
            "tree_size": report.tree_size,
            "events": report.events,
            "checkpoints": report.checkpoints,
            "findings": report.total_findings,
            "milliseconds": round(report.seconds * 1000),
        },
    )
    return report
