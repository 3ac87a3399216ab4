"""What retention needs to know about an item, as a plain record (no table behind it): the
evidence domain builds it (`queries.retention_batch`) and hands it to hooks (`service.on_arrival`),
so other domains never touch its models."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class ItemFacts:
    id: uuid.UUID
    sha256: str
    size_bytes: int
    media_type: str
    status: str
    recorded_start: datetime | None
    recorded_end: datetime | None
    occurred_at: datetime  # the recorded start, else when it arrived
    camera_serial: str | None
    officer: str | None  # as the device claimed (a warrant number or a username)
    officer_user_id: uuid.UUID | None
    borough: str | None
    categories: tuple[str, ...] = field(default=())
    disposed_at: datetime | None = None
    disposal: dict[str, object] | None = None

    @property
    def clock_start(self) -> datetime:
        """Where retention's clock starts: the recorded start (else when it was made evidence)."""
        return self.recorded_start or self.occurred_at


@dataclass(frozen=True)
class StoredObject:
    """One stored object of an item: its original, or a derivative."""

    namespace: str  # "originals" | "derivatives"
    key: str
