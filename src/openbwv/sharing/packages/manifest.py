"""manifest.json: every file with its SHA-256 and size (as written into the ZIP), each item's
metadata, the case's crime reference, the share and the checkpoint the custody proofs lead to."""

from __future__ import annotations

import json
from typing import Any

from openbwv.sharing.packages.contents import Plan
from openbwv.sharing.packages.custody import b64
from openbwv.sharing.packages.zipbuild import Written

FORMAT = "openbwv-evidence-package/1"
NAME = "manifest.json"


def item_paths(evidence_id: str, original_name: str) -> tuple[str, str]:
    """Where an item's original and playback copy sit in the ZIP."""
    return f"items/{evidence_id}/original/{original_name}", f"items/{evidence_id}/playback.mp4"


def redacted_paths(evidence_id: str) -> tuple[str, str]:
    """Where an item's redacted copy and its redaction log sit (`copies="redacted"`)."""
    return f"items/{evidence_id}/redacted.mp4", f"items/{evidence_id}/redaction-log.json"


def _files(item: Any) -> dict[str, str | None]:
    original, playback = item_paths(str(item.evidence_id), item.original_name)
    redacted, log = redacted_paths(str(item.evidence_id))
    files = {
        "original": original if item.original else None,
        "playback": playback if item.playback else None,
    }
    if item.redacted is not None:
        files |= {"redacted": redacted, "redaction_log": log}
    return files


def document(plan: Plan, written: list[Written]) -> dict[str, Any]:
    items = []
    for item in plan.items:
        items.append(
            {
                **item.metadata,
                "evidence_id": str(item.evidence_id),
                "original_sha256": item.sha256,
                "files": _files(item),
                **({"redaction": item.redaction} if item.redaction else {}),
                "custody": {
                    "events": len(item.custody),
                    "leaf_indexes": [event.leaf_index for event in item.custody],
                },
            }
        )
    return {
        "format": FORMAT,
        "package_id": plan.case.get("package_id"),
        "created_at": plan.created_at,
        "created_by": plan.created_by,
        "case": plan.case,
        "crime_reference": plan.case["crime_reference"],
        "share": plan.share,
        "recipient": plan.recipient,
        "copies": plan.copies,
        "checkpoint": {
            "origin": plan.anchor.origin,
            "tree_size": plan.anchor.tree_size,
            "root_hash": b64(plan.anchor.root_hash),
        },
        "files": [record.as_manifest() for record in written if record.listed],
        "items": items,
    }


def encode(value: dict[str, Any]) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
