"""Finding evidence: filters and keyset pagination (fast at tens of millions of rows)."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from openbwv.evidence.models import EvidenceItem
from openbwv.timeutil import parse_rfc3339


class BadCursor(ValueError):
    pass


@dataclass(frozen=True)
class EvidenceFilter:
    camera_serial: str | None = None
    officer: str | None = None
    sha256: str | None = None
    start: datetime | None = None  # occurred at or after
    end: datetime | None = None  # occurred before
    status: str | None = None

    def as_details(self) -> dict[str, str]:
        """The filters as audit details (strings only)."""
        values = {
            "camera": self.camera_serial,
            "officer": self.officer,
            "sha256": self.sha256,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "status": self.status,
        }
        return {key: value for key, value in values.items() if value}


def select_items() -> Select[tuple[EvidenceItem]]:
    return select(EvidenceItem)


def encode_cursor(item: EvidenceItem) -> str:
    raw = json.dumps([item.occurred_at.isoformat(), str(item.id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        occurred, item_id = json.loads(base64.urlsafe_b64decode(padded))
        return parse_rfc3339(occurred), uuid.UUID(item_id)
    except (ValueError, TypeError) as exc:
        raise BadCursor("invalid cursor") from exc


def filtered(
    query: Select[tuple[EvidenceItem]], flt: EvidenceFilter
) -> Select[tuple[EvidenceItem]]:
    if flt.camera_serial:
        query = query.where(EvidenceItem.camera_serial == flt.camera_serial)
    if flt.officer:
        query = query.where(EvidenceItem.officer == flt.officer)
    if flt.sha256:
        query = query.where(EvidenceItem.sha256 == flt.sha256.lower())
    if flt.start:
        query = query.where(EvidenceItem.occurred_at >= flt.start)
    if flt.end:
        query = query.where(EvidenceItem.occurred_at < flt.end)
    if flt.status:
        query = query.where(EvidenceItem.status == flt.status)
    return query


def page(
    session: Session,
    flt: EvidenceFilter,
    *,
    limit: int,
    cursor: str | None = None,
    base: Select[tuple[EvidenceItem]] | None = None,
) -> tuple[list[EvidenceItem], str | None]:
    """Newest first; `base` lets the access policy restrict the query before filtering."""
    query = filtered(base if base is not None else select(EvidenceItem), flt)
    if cursor:
        occurred, item_id = decode_cursor(cursor)
        query = query.where(
            or_(
                EvidenceItem.occurred_at < occurred,
                and_(EvidenceItem.occurred_at == occurred, EvidenceItem.id < item_id),
            )
        )
    query = query.order_by(EvidenceItem.occurred_at.desc(), EvidenceItem.id.desc()).limit(limit + 1)
    rows: list[EvidenceItem] = list(session.scalars(query))
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor
