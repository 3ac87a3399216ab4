"""Tamper-evident audit log: the pure cryptographic core.

- :mod:`openbwv.audit.merkle`: RFC 6962 / RFC 9162 Merkle tree hashing, inclusion and consistency
  proofs computed from stored perfect subtrees, an incremental compact range, and verification.
- :mod:`openbwv.audit.note`: C2SP signed notes (Ed25519) and tlog checkpoints.

Nothing here touches a database; storage is built on top of :class:`SubtreeSource`.
"""

from openbwv.audit.merkle import (
    EMPTY_ROOT,
    CompactRange,
    InMemoryTree,
    ProofError,
    Subtree,
    SubtreeSource,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_consistency_proof,
    root_from_inclusion_proof,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from openbwv.audit.note import (
    Checkpoint,
    NoteError,
    NoteSignature,
    Signer,
    Verifier,
    format_checkpoint,
    generate_signer,
    open_checkpoint,
    open_note,
    parse_checkpoint,
    sign_note,
)

__all__ = [
    "EMPTY_ROOT",
    "Checkpoint",
    "CompactRange",
    "InMemoryTree",
    "NoteError",
    "NoteSignature",
    "ProofError",
    "Signer",
    "Subtree",
    "SubtreeSource",
    "Verifier",
    "consistency_proof",
    "format_checkpoint",
    "generate_signer",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "open_checkpoint",
    "open_note",
    "parse_checkpoint",
    "root_from_consistency_proof",
    "root_from_inclusion_proof",
    "root_hash",
    "sign_note",
    "verify_consistency",
    "verify_inclusion",
]
