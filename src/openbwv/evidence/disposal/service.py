"""Writes at the end of an item's life: the hooks told when an item arrives (retention holds a
new item that falls inside an open hold), and turning items into tombstones.

`mark_disposed` is the evidence side of a disposal that the retention domain decides, authorises
and records (`retention.dispose`): it never commits, and it deletes no bytes — it returns the
objects the caller deletes once the transaction has committed."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from openbwv.evidence.disposal import queries
from openbwv.evidence.facts import ItemFacts, StoredObject
from openbwv.evidence.models import Derivative, EvidenceItem, EvidenceStatus

ArrivalHook = Callable[[Session, ItemFacts], None]
_arrival_hooks: list[ArrivalHook] = []
DisposalHook = Callable[[Session, Sequence[uuid.UUID]], None]
_disposal_hooks: list[DisposalHook] = []


def on_arrival(hook: ArrivalHook) -> None:
    """Call `hook` in the transaction that makes a new item (another domain's install registers
    it: evidence does not know who listens)."""
    if hook not in _arrival_hooks:
        _arrival_hooks.append(hook)


def on_disposal(hook: DisposalHook) -> None:
    """Call `hook(session, ids)` in the transaction that makes these items tombstones: a domain
    that keeps its own derivative of an item (transcription's transcript) drops it there."""
    if hook not in _disposal_hooks:
        _disposal_hooks.append(hook)


def arrived(session: Session, item: EvidenceItem) -> None:
    """Tell the hooks that `item` was just created (flushed, not committed)."""
    if not _arrival_hooks:
        return
    facts = queries.retention_batch(session, ids=[item.id], limit=1)
    for hook in _arrival_hooks:
        for fact in facts:
            hook(session, fact)


@dataclass(frozen=True)
class Tombstone:
    """What stays of a disposed item beyond its row: the rule and who authorised it."""

    evidence_id: uuid.UUID
    rule: str
    reasons: Sequence[str]
    authorised_by: str
    run_id: uuid.UUID | None


def mark_disposed(
    session: Session, tombstones: Sequence[Tombstone], at: datetime
) -> dict[uuid.UUID, list[StoredObject]]:
    """Make each item a tombstone (status `disposed`; id, SHA-256, size, media type, times,
    camera, officer, borough and categories kept) and drop its derivative rows. Returns each
    item's stored objects (original and derivatives) for the caller to delete after commit."""
    ids = [stone.evidence_id for stone in tombstones]
    objects = queries.stored_objects(session, ids)
    facts = {fact.id: fact for fact in queries.retention_batch(session, ids=ids, limit=len(ids))}
    for stone in tombstones:
        fact = facts[stone.evidence_id]
        disposal: dict[str, Any] = {
            "rule": stone.rule,
            "reasons": list(stone.reasons),
            "authorised_by": stone.authorised_by,
            "disposed_at": at.isoformat(),
            "run_id": str(stone.run_id) if stone.run_id else None,
            "categories": list(fact.categories),
        }
        session.execute(
            update(EvidenceItem)
            .where(EvidenceItem.id == stone.evidence_id)
            .values(status=EvidenceStatus.DISPOSED, disposed_at=at, disposal=disposal)
            .execution_options(synchronize_session=False)
        )
    session.execute(
        delete(Derivative)
        .where(Derivative.evidence_id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    for hook in _disposal_hooks:
        hook(session, ids)
    session.expire_all()
    return {item_id: objects.get(item_id, []) for item_id in ids}
