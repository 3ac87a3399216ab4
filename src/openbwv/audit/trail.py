"""An evidence item's own audit trail: its events, each with an inclusion proof (the value
types; `audit.queries` reads them).

Who may read a trail: whoever may view the item (the access policy decides), and auditors
(`audit.read`), who see every trail but never the footage. Everyone else gets the same 404 as for
an item that does not exist.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from typing import Any

from openbwv.audit.merkle import leaf_hash
from openbwv.audit.models import AuditCheckpoint

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
