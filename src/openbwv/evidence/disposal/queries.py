"""Reading what retention needs about evidence, set-based: facts in batches (a sweep reads every
item in id order, a few queries a thousand items), the stored objects of items, which of them a
live item still uses, and the items in a hold's scope."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from openbwv.evidence.facts import ItemFacts, StoredObject
from openbwv.evidence.models import Derivative, EvidenceCategory, EvidenceItem, EvidenceStatus

_FACT_COLUMNS = (
    EvidenceItem.id,
    EvidenceItem.sha256,
    EvidenceItem.size_bytes,
    EvidenceItem.media_type,
    EvidenceItem.status,
    EvidenceItem.recorded_start,
    EvidenceItem.recorded_end,
    EvidenceItem.occurred_at,
    EvidenceItem.camera_serial,
    EvidenceItem.officer,
    EvidenceItem.officer_user_id,
    EvidenceItem.borough,
)
_FIELDS = len(_FACT_COLUMNS)  # ItemFacts' leading fields, in this order


def retention_batch(
    session: Session,
    *,
    after: uuid.UUID | None = None,
    limit: int = 1000,
    ids: Sequence[uuid.UUID] | None = None,
    lock: bool = False,
) -> list[ItemFacts]:
    """Items in id order after `after` (keyset: a sweep reads every item in batches), or the
    items `ids`, with their categories: two queries a batch. `lock` takes the items' row locks
    (FOR UPDATE on PostgreSQL; SQLite's writer already holds the database's write lock)."""
    query = select(*_FACT_COLUMNS, EvidenceItem.disposed_at, EvidenceItem.disposal)
    if ids is not None:
        query = query.where(EvidenceItem.id.in_(list(ids)))
    if after is not None:
        query = query.where(EvidenceItem.id > after)
    query = query.order_by(EvidenceItem.id).limit(limit)
    if lock:
        query = query.with_for_update(of=EvidenceItem)
    # Plain rows (Core: no ORM loading for columns), built positionally: a sweep reads millions.
    rows: Sequence[Any] = session.connection().execute(query).all()
    names = _item_categories_by_id(session, [row[0] for row in rows])
    return [_facts(row, tuple(names.get(row[0], ()))) for row in rows]


def _facts(row: Any, categories: tuple[str, ...]) -> ItemFacts:
    (
        id_,
        sha256,
        size,
        media,
        status,
        start,
        end,
        occurred,
        camera,
        officer,
        officer_id,
        borough,
    ) = row[:_FIELDS]
    return ItemFacts(
        id_,
        sha256,
        size,
        media,
        status,
        start,
        end,
        occurred,
        camera,
        officer,
        officer_id,
        borough,
        categories,
        disposed_at=row[_FIELDS],
        disposal=row[_FIELDS + 1],
    )


def _item_categories_by_id(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    found: dict[uuid.UUID, list[str]] = defaultdict(list)
    if not ids:
        return found
    query = (
        select(EvidenceCategory.evidence_id, EvidenceCategory.category)
        .where(EvidenceCategory.evidence_id.in_(ids))
        .order_by(EvidenceCategory.category)
    )
    for item_id, name in session.connection().execute(query):
        found[item_id].append(name)
    return found


def stored_objects(
    session: Session, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[StoredObject]]:
    """Every stored object of each item: the original, then each derivative with bytes."""
    found: dict[uuid.UUID, list[StoredObject]] = defaultdict(list)
    for item_id, sha256 in session.execute(
        select(EvidenceItem.id, EvidenceItem.sha256).where(EvidenceItem.id.in_(list(ids)))
    ).all():
        found[item_id].append(StoredObject("originals", sha256))
    derived = select(Derivative.evidence_id, Derivative.storage_key).where(
        Derivative.evidence_id.in_(list(ids)), Derivative.storage_key.is_not(None)
    )
    for item_id, key in session.execute(derived).all():
        if key is not None:
            found[item_id].append(StoredObject("derivatives", key))
    return found


def objects_in_use(session: Session, objects: Iterable[StoredObject]) -> set[StoredObject]:
    """Those of `objects` a live item still refers to (content addressing: two items may share a
    derivative's bytes; a disposed item's derivatives are gone from the table)."""
    wanted = list(objects)
    originals = [o.key for o in wanted if o.namespace == "originals"]
    derived = [o.key for o in wanted if o.namespace == "derivatives"]
    used: set[StoredObject] = set()
    if originals:
        live = select(EvidenceItem.sha256).where(
            EvidenceItem.sha256.in_(originals), EvidenceItem.status != EvidenceStatus.DISPOSED
        )
        used |= {StoredObject("originals", key) for key in session.scalars(live)}
    if derived:
        rows = select(Derivative.storage_key).where(Derivative.storage_key.in_(derived))
        used |= {StoredObject("derivatives", key) for key in session.scalars(rows) if key}
    return used


def ids_in_window(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    officer: str | None = None,
    officer_id: uuid.UUID | None = None,
    borough: str | None = None,
    limit: int = 1000,
) -> list[uuid.UUID]:
    """Live items recorded in [start, end) by an officer, or in a borough (a hold's scope)."""
    query = select(EvidenceItem.id).where(
        EvidenceItem.occurred_at >= start,
        EvidenceItem.occurred_at < end,
        EvidenceItem.status != EvidenceStatus.DISPOSED,
    )
    if borough is not None:
        query = query.where(EvidenceItem.borough == borough)
    if officer is not None or officer_id is not None:
        who = [EvidenceItem.officer == officer] if officer else []
        if officer_id is not None:
            who.append(EvidenceItem.officer_user_id == officer_id)
        query = query.where(or_(*who))
    return list(session.scalars(query.order_by(EvidenceItem.occurred_at).limit(limit)))


def disposed_originals(session: Session) -> set[str]:
    """The original keys of disposed items (tombstones): fsck expects them gone, not missing."""
    query = select(EvidenceItem.sha256).where(EvidenceItem.status == EvidenceStatus.DISPOSED)
    return set(session.scalars(query))


def ingested_between(session: Session, start: datetime, end: datetime) -> tuple[int, int]:
    """How many items, and how many bytes of originals, arrived in [start, end) (the measured
    ingest rate behind retention's storage forecast; disposed items count: they arrived)."""
    query = select(func.count(), func.coalesce(func.sum(EvidenceItem.size_bytes), 0)).where(
        EvidenceItem.ingested_at >= start, EvidenceItem.ingested_at < end
    )
    count, size = session.execute(query).one()
    return int(count), int(size)
