"""What a package holds, gathered before a byte is streamed: plain data, no database objects, so
the stream runs outside any transaction (docs/architecture.md, Transactions)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

Copies = Literal["original", "playback", "both", "redacted"]
COPIES: tuple[Copies, ...] = ("original", "playback", "both", "redacted")
ORIGINALS, DERIVATIVES = "originals", "derivatives"


@dataclass(frozen=True)
class Source:
    """Where one file's bytes are stored (content-addressed: the key is their SHA-256)."""

    store: str  # ORIGINALS or DERIVATIVES
    key: str
    size: int
    media_type: str


@dataclass(frozen=True)
class CustodyEvent:
    """One audit leaf of an item, with its inclusion proof against the package's checkpoint."""

    leaf_index: int
    entry: str  # the exact leaf entry (UTF-8 text, no trailing newline)
    proof: list[bytes]

    @property
    def document(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.entry)
        return value


@dataclass
class ItemPlan:
    evidence_id: uuid.UUID
    sha256: str  # of the original
    original_name: str  # a safe file name for the ZIP
    metadata: dict[str, Any]  # what manifest.json says of the item
    original: Source | None  # present when the originals are asked for
    playback: Source | None  # present when playback copies are asked for
    custody: list[CustodyEvent] = field(default_factory=list)
    # `copies="redacted"`: the latest rendered redaction replaces the original, its log beside it.
    redacted: Source | None = None
    redaction_log: Source | None = None
    redaction: dict[str, Any] | None = None  # id, version, revision, the copy's and log's SHA-256


@dataclass(frozen=True)
class Anchor:
    """The signed checkpoint every proof leads to, and its key."""

    note: str
    origin: str
    tree_size: int
    root_hash: bytes
    verifier_key: str
    consistency: dict[str, Any] | None  # {"checkpoint": the one held, "proof": [base64]}


@dataclass
class Plan:
    case: dict[str, Any]  # id, crime_reference, title
    copies: Copies
    items: list[ItemPlan]
    withheld: list[dict[str, str]]  # {evidence_id, reason}: not in the package
    anchor: Anchor
    created_at: str
    created_by: dict[str, str]
    recipient: str | None = None
    share: dict[str, Any] | None = None
