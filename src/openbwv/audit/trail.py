"""An evidence item's own audit trail: its events, each with an inclusion proof.

Who may read a trail: whoever may view the item (the access policy decides), and auditors
(`audit.read`), who see every trail but never the footage. Everyone else gets the same 404 as for
an item that does not exist.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from openbwv.access.errors import AccessDenied
from openbwv.access.policy import roles
from openbwv.access.policy.queries import authorize_item
from openbwv.access.principal import Principal
from openbwv.audit.merkle import leaf_hash
from openbwv.audit.models import AuditCheckpoint, AuditEvent
from openbwv.audit.store import inclusion_proofs, latest_checkpoint
from openbwv.evidence.models import EvidenceItem

TRAIL_ACTION = "audit.trail"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass(frozen=True)
class TrailEvent:
    index: int | None
    entry: str  # the exact leaf text
    proof: list[bytes] | None

    @property
    def leaf_bytes(self) -> bytes:
        return self.entry.encode("utf-8")

    @property
    def leaf_hash(self) -> bytes:
        return leaf_hash(self.leaf_bytes)

    @property
    def event(self) -> dict[str, Any]:
        decoded: dict[str, Any] = json.loads(self.entry)
        return decoded


@dataclass(frozen=True)
class Trail:
    evidence_id: uuid.UUID
    checkpoint: AuditCheckpoint | None
    events: list[TrailEvent]  # anchored in `checkpoint`, in leaf order
    pending: list[TrailEvent]  # not yet in a checkpoint
    next_after: int | None  # more anchored events follow this leaf index

    @property
    def tree_size(self) -> int:
        return self.checkpoint.tree_size if self.checkpoint else 0


def authorize_trail(
    session: Session, principal: Principal, evidence_id: str, action: str = TRAIL_ACTION
) -> uuid.UUID:
    """The item's id if `principal` may read its trail; AccessDenied (404 alike) otherwise.

    `action` names the refused action in the audit log."""
    if principal.can(roles.AUDIT_READ):
        try:
            parsed = uuid.UUID(evidence_id)
        except ValueError:
            raise AccessDenied(action, "no such evidence item", status=404) from None
        known = session.get(EvidenceItem, parsed) is not None or (
            session.scalar(select(AuditEvent.id).where(AuditEvent.evidence_id == parsed).limit(1))
            is not None
        )  # an auditor may follow a disposed item's trail
        if not known:
            raise AccessDenied(action, "no such evidence item", status=404, target=str(parsed))
        return parsed
    try:
        return authorize_item(session, principal, evidence_id, roles.VIEW).id
    except AccessDenied as exc:  # recorded as a refused trail read, not a refused view
        raise AccessDenied(
            action,
            exc.detail,
            status=exc.status,
            evidence_id=exc.evidence_id,
            target=exc.target,
        ) from None


def load_trail(
    session: Session, evidence_id: uuid.UUID, *, after: int = -1, limit: int = 1000
) -> Trail:
    """Up to `limit` anchored events after leaf `after`, with proofs against the latest
    checkpoint; the pending events come with the last page."""
    checkpoint = latest_checkpoint(session)
    size = checkpoint.tree_size if checkpoint else 0
    found = session.execute(
        select(AuditEvent.leaf_index, AuditEvent.entry)
        .where(
            AuditEvent.evidence_id == evidence_id,
            AuditEvent.leaf_index > after,
            AuditEvent.leaf_index < size,
        )
        .order_by(AuditEvent.leaf_index)
        .limit(limit + 1)
    ).all()
    more = len(found) > limit
    rows = [(cast(int, index), entry) for index, entry in found[:limit]]  # not NULL: filtered
    proofs = inclusion_proofs(session, [index for index, _ in rows], size) if rows else {}
    events = [TrailEvent(index, entry, proofs[index]) for index, entry in rows]
    pending: list[TrailEvent] = []
    if not more:
        pending_rows = session.scalars(
            select(AuditEvent.entry)
            .where(
                AuditEvent.evidence_id == evidence_id,
                or_(AuditEvent.leaf_index.is_(None), AuditEvent.leaf_index >= size),
            )
            .order_by(AuditEvent.id)
            .limit(limit)
        ).all()
        pending = [TrailEvent(None, entry, None) for entry in pending_rows]
    return Trail(evidence_id, checkpoint, events, pending, rows[-1][0] if more else None)
