"""Response bodies of the audit API. Hashes and leaf bytes are standard base64 (RFC 4648 §4)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class EntryOut(BaseModel):
    index: int = Field(description="Leaf index in the log.")
    entry: str = Field(description="The exact leaf bytes (canonical JSON, UTF-8), base64.")
    leaf_hash: str = Field(description="SHA-256(0x00 ‖ entry), base64: recompute it yourself.")
    event: dict[str, Any] = Field(description="The entry decoded, for convenience.")


class EntriesPage(BaseModel):
    tree_size: int = Field(description="Size of the latest signed checkpoint.")
    start: int
    end: int = Field(description="Index of the last entry returned (inclusive).")
    entries: list[EntryOut]


class InclusionProofOut(BaseModel):
    index: int
    tree_size: int
    leaf_hash: str = Field(description="The stored leaf hash (check it against your own).")
    proof: list[str] = Field(description="RFC 9162 inclusion path, leaf upwards, base64.")


class ConsistencyProofOut(BaseModel):
    first: int
    second: int
    proof: list[str] = Field(description="RFC 9162 consistency proof, base64.")


class TrailEventOut(BaseModel):
    index: int | None = Field(description="Leaf index; null while not yet in a checkpoint.")
    entry: str = Field(description="The exact leaf bytes, base64.")
    leaf_hash: str
    event: dict[str, Any]
    inclusion_proof: list[str] | None = Field(
        description="Proof against `checkpoint` (null for pending events)."
    )


class TrailOut(BaseModel):
    evidence_id: str
    tree_size: int = Field(description="Size of `checkpoint`, which every proof is against.")
    checkpoint: str | None = Field(description="The latest signed checkpoint (a signed note).")
    public_key: str = Field(description="Verifier key of the checkpoint's signature.")
    events: list[TrailEventOut] = Field(description="Events anchored in `checkpoint`, in order.")
    pending: list[TrailEventOut] = Field(description="Recorded, not yet in a checkpoint.")
    next_after: int | None = Field(
        description="More events follow: ask again with `after` set to this leaf index."
    )
