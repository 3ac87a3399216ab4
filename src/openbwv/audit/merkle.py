"""RFC 6962 / RFC 9162 Merkle tree: hashing, proofs over stored subtrees, compact range, checks.

Hashing (RFC 9162 §2.1.1): ``leaf = SHA-256(0x00 || entry)``,
``node = SHA-256(0x01 || left || right)``, the hash of the empty tree is ``SHA-256("")``, and a
tree of ``n > 1`` leaves is split at the largest power of two smaller than ``n``.

A store keeps the hash of every *complete perfect subtree*: ``(level, index)`` names the subtree of
``2**level`` leaves starting at leaf ``index * 2**level`` (level 0 = leaf hashes). Every range the
RFC recursion ever hashes is a union of at most ~log2(n) such subtrees, so roots, inclusion proofs
(PATH, §2.1.3.1) and consistency proofs (PROOF, §2.1.4.1) cost O(log n) lookups and are
byte-identical to the RFC's recursive definitions.

Verification follows the ``proof`` package of github.com/transparency-dev/merkle, including its
edge cases: an index must be below the tree size, a consistency proof *from* size 0 is refused
(it proves nothing), equal sizes need an empty proof and equal roots, and a proof must have exactly
the expected number of hashes.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from typing import NamedTuple, Protocol

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MAX_TREE_SIZE",
    "CompactRange",
    "InMemoryTree",
    "ProofError",
    "Subtree",
    "SubtreeSource",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root_from_consistency_proof",
    "root_from_inclusion_proof",
    "root_hash",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
#: Tree sizes and leaf indexes are unsigned 64-bit integers on the wire.
MAX_TREE_SIZE = (1 << 64) - 1
EMPTY_ROOT = hashlib.sha256(b"").digest()

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


class ProofError(ValueError):
    """A Merkle proof (or the sizes, indexes or hashes it is checked against) does not verify."""


def leaf_hash(entry: bytes) -> bytes:
    """RFC 6962 leaf hash: SHA-256(0x00 || entry)."""
    return hashlib.sha256(_LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 interior node hash: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


class SubtreeSource(Protocol):
    """Anything that can return the hash of a complete perfect subtree."""

    def perfect_subtree(self, level: int, index: int) -> bytes:
        """Hash of the ``2**level`` leaves from leaf ``index * 2**level`` (level 0: leaf hash)."""
        ...


class Subtree(NamedTuple):
    """A complete perfect subtree: what a store persists, keyed by ``(level, index)``."""

    level: int
    index: int  # type: ignore[assignment]  # shadows tuple.index(), deliberately
    hash: bytes


# --------------------------------------------------------------------------------------------------
# Proof generation from perfect subtrees


def _split(n: int) -> int:
    """Largest power of two strictly smaller than ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def _decompose(start: int, end: int) -> list[tuple[int, int]]:
    """``(level, index)`` of the perfect subtrees covering ``[start, end)``, largest first.

    ``start`` must be a multiple of the largest part (true for every range the RFC recursion
    visits), so the parts are aligned and folding them right to left gives MTH(D[start:end]).
    """
    n = end - start
    parts: list[tuple[int, int]] = []
    offset = start
    for level in range(n.bit_length() - 1, -1, -1):
        if (n >> level) & 1:
            if offset & ((1 << level) - 1):
                raise ValueError(f"range [{start}, {end}) is not aligned to perfect subtrees")
            parts.append((level, offset >> level))
            offset += 1 << level
    return parts


def _fold(hashes: Sequence[bytes]) -> bytes:
    """Hash of a tree given its perfect subtrees, largest (leftmost) first."""
    if not hashes:
        return EMPTY_ROOT
    result = hashes[-1]
    for h in reversed(hashes[:-1]):
        result = node_hash(h, result)
    return result


def _range_hash(source: SubtreeSource, start: int, end: int) -> bytes:
    return _fold([source.perfect_subtree(lv, ix) for lv, ix in _decompose(start, end)])


def _check_size(name: str, value: int) -> None:
    if not 0 <= value <= MAX_TREE_SIZE:
        raise ValueError(f"{name} {value} is outside 0..2**64-1")


def root_hash(source: SubtreeSource, size: int) -> bytes:
    """MTH of the first ``size`` leaves (``EMPTY_ROOT`` for 0); popcount(size) lookups."""
    _check_size("size", size)
    return _range_hash(source, 0, size)


def inclusion_proof(source: SubtreeSource, index: int, size: int) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(index, D[0:size]): sibling hashes from the leaf upwards."""
    _check_size("size", size)
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not below tree size {size}")
    ranges: list[tuple[int, int]] = []  # sibling ranges, root downwards
    start, n, m = 0, size, index
    while n > 1:
        k = _split(n)
        if m < k:
            ranges.append((start + k, start + n))
            n = k
        else:
            ranges.append((start, start + k))
            start, n, m = start + k, n - k, m - k
    return [_range_hash(source, a, b) for a, b in reversed(ranges)]


def consistency_proof(source: SubtreeSource, size1: int, size2: int) -> list[bytes]:
    """RFC 9162 §2.1.4.1 PROOF(size1, D[0:size2]); requires ``0 < size1 <= size2``.

    Equal sizes give the empty proof. A proof from size 0 is refused, as in RFC 6962 §2.1.2 and
    transparency-dev/merkle: the empty tree is trivially a prefix of every tree, there is nothing to
    prove, and callers should not treat it as a check.
    """
    _check_size("size2", size2)
    if not 0 < size1 <= size2:
        raise ValueError(f"consistency proof needs 0 < size1 <= size2, got {size1}, {size2}")
    ranges: list[tuple[int, int]] = []  # root downwards
    start, n, m, whole = 0, size2, size1, True
    while m != n:
        k = _split(n)
        if m <= k:
            ranges.append((start + k, start + n))
            n = k
        else:
            ranges.append((start, start + k))
            start, n, m, whole = start + k, n - k, m - k, False
    if not whole:  # SUBPROOF(m, D[m], false) = MTH(D[m])
        ranges.append((start, start + n))
    return [_range_hash(source, a, b) for a, b in reversed(ranges)]


# --------------------------------------------------------------------------------------------------
# Incremental building


class CompactRange:
    """The right edge of a tree of ``size`` leaves: one perfect subtree hash per set bit of size.

    Appending a leaf hash returns every perfect subtree it completes (the leaf itself, then any
    merged parents) so that a store can persist them; ``root()`` needs no lookups. A range can be
    resumed from stored subtrees with :meth:`from_source`.
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int = 0, hashes: Iterable[bytes] = ()) -> None:
        _check_size("size", size)
        hs = [bytes(h) for h in hashes]
        if len(hs) != size.bit_count():
            raise ValueError(f"size {size} needs {size.bit_count()} subtree hashes, got {len(hs)}")
        if any(len(h) != HASH_SIZE for h in hs):
            raise ValueError("subtree hashes must be 32 bytes")
        self._size = size
        self._hashes = hs

    @classmethod
    def from_source(cls, source: SubtreeSource, size: int) -> CompactRange:
        """Resume at ``size`` from stored perfect subtrees (popcount(size) lookups)."""
        _check_size("size", size)
        return cls(size, [source.perfect_subtree(lv, ix) for lv, ix in _decompose(0, size)])

    @property
    def size(self) -> int:
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """Perfect subtree hashes covering ``[0, size)``, largest (leftmost) first."""
        return tuple(self._hashes)

    def subtrees(self) -> list[Subtree]:
        """The right edge as ``(level, index, hash)``, largest first."""
        return [
            Subtree(lv, ix, h)
            for (lv, ix), h in zip(_decompose(0, self._size), self._hashes, strict=True)
        ]

    def append(self, leaf: bytes) -> list[Subtree]:
        """Append one *leaf hash*; return the newly completed perfect subtrees, lowest first."""
        if len(leaf) != HASH_SIZE:
            raise ValueError("leaf hash must be 32 bytes")
        if self._size == MAX_TREE_SIZE:
            raise ValueError("tree is full")
        index = self._size
        new = [Subtree(0, index, bytes(leaf))]
        self._hashes.append(bytes(leaf))
        level = 0
        while (index >> level) & 1:  # the old right edge had a subtree at this level: merge
            right = self._hashes.pop()
            left = self._hashes.pop()
            merged = node_hash(left, right)
            level += 1
            self._hashes.append(merged)
            new.append(Subtree(level, index >> level, merged))
        self._size = index + 1
        return new

    def extend(self, leaves: Iterable[bytes]) -> list[Subtree]:
        """Append many leaf hashes; return every completed subtree, in completion order."""
        out: list[Subtree] = []
        for leaf in leaves:
            out.extend(self.append(leaf))
        return out

    def root(self) -> bytes:
        """MTH of the current tree."""
        return _fold(self._hashes)

    def copy(self) -> CompactRange:
        return CompactRange(self._size, self._hashes)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CompactRange):
            return NotImplemented
        return self._size == other._size and self._hashes == other._hashes

    def __hash__(self) -> int:
        return hash((self._size, tuple(self._hashes)))

    def __repr__(self) -> str:
        return f"CompactRange(size={self._size}, root={self.root().hex()})"


class InMemoryTree:
    """A whole tree in memory, storing every complete perfect subtree (tests, offline verifier)."""

    def __init__(self, entries: Iterable[bytes] = ()) -> None:
        self._levels: list[list[bytes]] = []
        self._range = CompactRange()
        for entry in entries:
            self.append(entry)

    @property
    def size(self) -> int:
        return self._range.size

    def append(self, entry: bytes) -> int:
        """Append an entry (hashed as a leaf); return its index."""
        return self.append_leaf_hash(leaf_hash(entry))

    def append_leaf_hash(self, leaf: bytes) -> int:
        index = self._range.size
        for node in self._range.append(leaf):
            if node.level == len(self._levels):
                self._levels.append([])
            row = self._levels[node.level]
            assert node.index == len(row)
            row.append(node.hash)
        return index

    def perfect_subtree(self, level: int, index: int) -> bytes:
        if (
            level < 0
            or index < 0
            or level >= len(self._levels)
            or index >= len(self._levels[level])
        ):
            raise KeyError(f"no complete subtree at level {level}, index {index}")
        return self._levels[level][index]

    def leaf_hash(self, index: int) -> bytes:
        return self.perfect_subtree(0, index)

    def root(self, size: int | None = None) -> bytes:
        return self._range.root() if size is None else root_hash(self, self._bounded(size))

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(self, index, self.size if size is None else self._bounded(size))

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        return consistency_proof(self, size1, self.size if size2 is None else self._bounded(size2))

    def compact_range(self, size: int | None = None) -> CompactRange:
        if size is None:
            return self._range.copy()
        return CompactRange.from_source(self, self._bounded(size))

    def _bounded(self, size: int) -> int:
        if not 0 <= size <= self.size:
            raise ValueError(f"size {size} is outside 0..{self.size}")
        return size


# --------------------------------------------------------------------------------------------------
# Verification (what an outside verifier runs)


def _check_uint64(name: str, value: int) -> None:
    if not 0 <= value <= MAX_TREE_SIZE:
        raise ProofError(f"{name} {value} is not an unsigned 64-bit integer")


def _check_proof_hashes(proof: Sequence[bytes]) -> None:
    for i, h in enumerate(proof):
        if len(h) != HASH_SIZE:
            raise ProofError(f"proof[{i}] is {len(h)} bytes, want {HASH_SIZE}")


def _decomp_inclusion(index: int, size: int) -> tuple[int, int]:
    """Lengths of the inner part (below the split from the right border) and the border part."""
    inner = (index ^ (size - 1)).bit_length()
    border = (index >> inner).bit_count()
    return inner, border


def _chain_inner(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for i, h in enumerate(proof):
        seed = node_hash(seed, h) if (index >> i) & 1 == 0 else node_hash(h, seed)
    return seed


def _chain_inner_right(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for i, h in enumerate(proof):
        if (index >> i) & 1:
            seed = node_hash(h, seed)
    return seed


def _chain_border_right(seed: bytes, proof: Sequence[bytes]) -> bytes:
    for h in proof:
        seed = node_hash(h, seed)
    return seed


def _match(calculated: bytes, expected: bytes, what: str) -> None:
    if not hmac.compare_digest(calculated, expected):
        raise ProofError(
            f"calculated {what} {calculated.hex()} does not match expected {bytes(expected).hex()}"
        )


def root_from_inclusion_proof(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]
) -> bytes:
    """Root implied by an inclusion proof for the leaf at ``index`` of a tree of ``size``."""
    _check_uint64("leaf index", index)
    _check_uint64("tree size", size)
    if index >= size:
        raise ProofError(f"leaf index {index} is beyond tree size {size}")
    if len(leaf_hash) != HASH_SIZE:
        raise ProofError(f"leaf hash is {len(leaf_hash)} bytes, want {HASH_SIZE}")
    inner, border = _decomp_inclusion(index, size)
    if len(proof) != inner + border:
        raise ProofError(f"wrong inclusion proof size {len(proof)}, want {inner + border}")
    _check_proof_hashes(proof)
    res = _chain_inner(bytes(leaf_hash), proof[:inner], index)
    return _chain_border_right(res, proof[inner:])


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise :class:`ProofError` unless ``proof`` shows leaf ``index`` is in the tree ``root``."""
    _match(root_from_inclusion_proof(leaf_hash, index, size, proof), root, "root")


def root_from_consistency_proof(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes
) -> bytes:
    """Check ``proof`` against ``root1`` and return the implied root of the tree of ``size2``."""
    _check_uint64("size1", size1)
    _check_uint64("size2", size2)
    if size2 < size1:
        raise ProofError(f"size2 ({size2}) < size1 ({size1})")
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree (size1 = 0) is meaningless")
    if size1 == size2:
        if proof:
            raise ProofError("size1 = size2, but the proof is not empty")
        return bytes(root1)
    if not proof:
        raise ProofError("empty consistency proof")

    inner, border = _decomp_inclusion(size1 - 1, size2)
    shift = (size1 & -size1).bit_length() - 1  # trailing zeros of size1
    inner -= shift  # the proof starts at level `shift`, on the old tree's right edge

    if size1 == 1 << shift:  # the old tree is perfect: its root is the seed, not in the proof
        seed, start = bytes(root1), 0
    else:
        seed, start = proof[0], 1
    if len(proof) != start + inner + border:
        raise ProofError(
            f"wrong consistency proof size {len(proof)}, want {start + inner + border}"
        )
    _check_proof_hashes(proof)
    rest = proof[start:]

    mask = (size1 - 1) >> shift
    hash1 = _chain_border_right(_chain_inner_right(seed, rest[:inner], mask), rest[inner:])
    _match(hash1, root1, "root1")
    return _chain_border_right(_chain_inner(seed, rest[:inner], mask), rest[inner:])


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Raise :class:`ProofError` unless ``proof`` shows tree ``root2`` extends tree ``root1``."""
    _match(root_from_consistency_proof(size1, size2, proof, root1), root2, "root2")
