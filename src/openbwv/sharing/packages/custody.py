"""The custody/ folder's files: each event a JSON line with its exact leaf bytes and inclusion
proof, and the consistency proof from a checkpoint the recipient already holds."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator

from openbwv.sharing.packages.contents import Anchor, ItemPlan

CHECKPOINT = "custody/checkpoint.txt"
VERIFIER_KEY = "custody/verifier-key.txt"
EVENTS = "custody/events.jsonl"
CONSISTENCY = "custody/consistency.json"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def event_lines(items: Iterable[ItemPlan]) -> Iterator[bytes]:
    """custody/events.jsonl, one item's events after another, each in leaf order."""
    for item in items:
        for event in item.custody:
            line = {
                "evidence_id": str(item.evidence_id),
                "leaf_index": event.leaf_index,
                "entry_b64": b64(event.entry.encode("utf-8")),
                "inclusion_proof": [b64(h) for h in event.proof],
            }
            yield (json.dumps(line, sort_keys=True) + "\n").encode("utf-8")


def consistency_file(anchor: Anchor) -> bytes | None:
    if anchor.consistency is None:
        return None
    document = {**anchor.consistency, "tree_size": anchor.tree_size}
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8")
