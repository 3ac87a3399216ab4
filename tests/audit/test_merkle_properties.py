"""Merkle tree properties against a naive reference written straight from RFC 9162 §2.1."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openbwv.audit.merkle import (
    EMPTY_ROOT,
    MAX_TREE_SIZE,
    CompactRange,
    InMemoryTree,
    ProofError,
    Subtree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_consistency_proof,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

FAST = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
HEAVY = settings(
    FAST, max_examples=50
)  # trees of up to 300 leaves: keep the suite well under a minute


# --------------------------------------------------------------------------------------------------
# Naive reference: MTH, PATH and PROOF exactly as the RFC defines them (memoised over ranges).


class Naive:
    def __init__(self, entries: Sequence[bytes]) -> None:
        self.entries = list(entries)
        self.mth = lru_cache(maxsize=None)(self._mth)

    @staticmethod
    def _k(n: int) -> int:
        """The largest power of two smaller than n (n > 1)."""
        k = 1
        while k * 2 < n:
            k *= 2
        return k

    def _mth(self, start: int, end: int) -> bytes:
        n = end - start
        if n == 0:
            return hashlib.sha256(b"").digest()
        if n == 1:
            return hashlib.sha256(b"\x00" + self.entries[start]).digest()
        k = self._k(n)
        return hashlib.sha256(
            b"\x01" + self.mth(start, start + k) + self.mth(start + k, end)
        ).digest()

    def root(self, size: int) -> bytes:
        return self.mth(0, size)

    def leaf(self, index: int) -> bytes:
        return self.mth(index, index + 1)

    def path(self, m: int, start: int, end: int) -> list[bytes]:
        n = end - start
        if n == 1:
            return []
        k = self._k(n)
        if m < k:
            return [*self.path(m, start, start + k), self.mth(start + k, end)]
        return [*self.path(m - k, start + k, end), self.mth(start, start + k)]

    def subproof(self, m: int, start: int, end: int, b: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if b else [self.mth(start, end)]
        k = self._k(n)
        if m <= k:
            return [*self.subproof(m, start, start + k, b), self.mth(start + k, end)]
        return [*self.subproof(m - k, start + k, end, False), self.mth(start, start + k)]

    def proof(self, m: int, n: int) -> list[bytes]:
        return self.subproof(m, 0, n, True)


def entries_for(seed: int, n: int) -> list[bytes]:
    return [f"event {seed}/{i}".encode() for i in range(n)]


def flips(data: bytes) -> list[bytes]:
    """Every single-bit change of ``data``."""
    out = []
    for i in range(len(data)):
        for bit in range(8):
            b = bytearray(data)
            b[i] ^= 1 << bit
            out.append(bytes(b))
    return out


def check_tree(entries: Sequence[bytes]) -> None:
    """Every index at every size and every size pair: generated == naive, and verifies."""
    naive = Naive(entries)
    tree = InMemoryTree(entries)
    n = len(entries)
    roots = [naive.root(s) for s in range(n + 1)]
    assert tree.root() == roots[n]
    for size2 in range(n + 1):
        assert root_hash(tree, size2) == roots[size2]
        for index in range(size2):
            proof = inclusion_proof(tree, index, size2)
            assert proof == naive.path(index, 0, size2)
            verify_inclusion(naive.leaf(index), index, size2, proof, roots[size2])
        for size1 in range(1, size2 + 1):
            proof = consistency_proof(tree, size1, size2)
            assert proof == naive.proof(size1, size2)
            verify_consistency(size1, size2, proof, roots[size1], roots[size2])


# --------------------------------------------------------------------------------------------------
# Proofs against the reference


def test_empty_root() -> None:
    assert hashlib.sha256(b"").digest() == EMPTY_ROOT
    assert root_hash(InMemoryTree(), 0) == EMPTY_ROOT
    assert CompactRange().root() == EMPTY_ROOT


def test_every_index_and_size_pair_up_to_300() -> None:
    check_tree(entries_for(0, 300))


@FAST
@given(st.lists(st.binary(max_size=12), max_size=48))
def test_random_trees_every_index_and_size_pair(entries: list[bytes]) -> None:
    check_tree(entries)


@HEAVY
@given(st.integers(0, 300), st.integers(0, 2**32), st.data())
def test_random_trees_up_to_300(n: int, seed: int, data: st.DataObject) -> None:
    entries = entries_for(seed, n)
    # Every index and every size1 against the full tree, plus a few random smaller sizes.
    extra = data.draw(st.lists(st.integers(0, n), max_size=3))
    naive, tree = Naive(entries), InMemoryTree(entries)
    for size2 in {n, *extra}:
        root2 = naive.root(size2)
        assert tree.root(size2) == root2
        for index in range(size2):
            proof = tree.inclusion_proof(index, size2)
            assert proof == naive.path(index, 0, size2)
            verify_inclusion(leaf_hash(entries[index]), index, size2, proof, root2)
        for size1 in range(1, size2 + 1):
            proof = tree.consistency_proof(size1, size2)
            assert proof == naive.proof(size1, size2)
            verify_consistency(size1, size2, proof, naive.root(size1), root2)


@HEAVY
@given(st.integers(1, 300), st.integers(0, 2**32), st.data())
def test_inclusion_rejects_every_single_bit_change(n: int, seed: int, data: st.DataObject) -> None:
    entries = entries_for(seed, n)
    tree = InMemoryTree(entries)
    size = data.draw(st.integers(1, n), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    leaf, root = tree.leaf_hash(index), tree.root(size)
    proof = tree.inclusion_proof(index, size)
    verify_inclusion(leaf, index, size, proof, root)
    for bad_leaf in flips(leaf):
        with pytest.raises(ProofError):
            verify_inclusion(bad_leaf, index, size, proof, root)
    for bad_root in flips(root):
        with pytest.raises(ProofError):
            verify_inclusion(leaf, index, size, proof, bad_root)
    for i, h in enumerate(proof):
        for bad in flips(h):
            with pytest.raises(ProofError):
                verify_inclusion(leaf, index, size, [*proof[:i], bad, *proof[i + 1 :]], root)
    # Any other index or size with the same proof is refused too.
    for other in {index ^ 1, index + 1, index - 1} - {index}:
        with pytest.raises(ProofError):
            verify_inclusion(leaf, other, size, proof, root)


@HEAVY
@given(st.integers(1, 300), st.integers(0, 2**32), st.data())
def test_consistency_rejects_every_single_bit_change(
    n: int, seed: int, data: st.DataObject
) -> None:
    tree = InMemoryTree(entries_for(seed, n))
    size2 = data.draw(st.integers(1, n), label="size2")
    size1 = data.draw(st.integers(1, size2), label="size1")
    root1, root2 = tree.root(size1), tree.root(size2)
    proof = tree.consistency_proof(size1, size2)
    verify_consistency(size1, size2, proof, root1, root2)
    for bad in flips(root1):
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, proof, bad, root2)
    for bad in flips(root2):
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, proof, root1, bad)
    for i, h in enumerate(proof):
        for bad in flips(h):
            with pytest.raises(ProofError):
                verify_consistency(size1, size2, [*proof[:i], bad, *proof[i + 1 :]], root1, root2)
    if size1 < size2:  # a proof never passes for neighbouring sizes
        for s1 in {size1 - 1, size1 + 1} - {0, size1}:
            with pytest.raises(ProofError):
                verify_consistency(s1, size2, proof, root1, root2)


# --------------------------------------------------------------------------------------------------
# Compact range


@FAST
@given(st.integers(0, 300), st.integers(0, 2**32), st.data())
def test_compact_range_roots_subtrees_and_resume(n: int, seed: int, data: st.DataObject) -> None:
    entries = entries_for(seed, n)
    naive = Naive(entries)
    cr = CompactRange()
    states = [cr.copy()]
    emitted: list[Subtree] = []
    for i, entry in enumerate(entries):
        new = cr.append(leaf_hash(entry))
        assert new[0] == Subtree(0, i, naive.leaf(i))
        assert [s.level for s in new] == list(range(len(new)))
        emitted.extend(new)
        assert cr.size == i + 1
        assert cr.root() == naive.root(i + 1)
        states.append(cr.copy())
    # Exactly every complete perfect subtree was emitted, with its RFC hash.
    expected = {(lv, ix) for lv in range(n.bit_length()) for ix in range(n >> lv)}
    assert {(s.level, s.index) for s in emitted} == expected
    assert len(emitted) == len(expected)
    for s in emitted:
        assert s.hash == naive.mth(s.index << s.level, (s.index + 1) << s.level)

    tree = InMemoryTree(entries)
    size = data.draw(st.integers(0, n), label="resume at")
    resumed = CompactRange.from_source(tree, size)
    assert resumed == states[size]
    assert resumed.hashes == states[size].hashes
    assert resumed.root() == naive.root(size)
    assert [s.hash for s in resumed.subtrees()] == list(resumed.hashes)
    for s in resumed.subtrees():
        assert tree.perfect_subtree(s.level, s.index) == s.hash
    # Continuing from the resumed state emits the same subtrees and reaches the same roots.
    replay = [s for s in emitted if ((s.index + 1) << s.level) > size]
    assert resumed.extend(leaf_hash(e) for e in entries[size:]) == replay
    assert resumed == cr


def test_compact_range_validation() -> None:
    with pytest.raises(ValueError):
        CompactRange(3, [b"\x00" * 32])
    with pytest.raises(ValueError):
        CompactRange(1, [b"\x00" * 31])
    with pytest.raises(ValueError):
        CompactRange(-1)
    with pytest.raises(ValueError):
        CompactRange().append(b"short")
    full = CompactRange(MAX_TREE_SIZE, [b"\x00" * 32] * 64)
    with pytest.raises(ValueError):
        full.append(b"\x00" * 32)
    assert CompactRange(2, [b"\x01" * 32]).root() == b"\x01" * 32
    assert "size=0" in repr(CompactRange())


# --------------------------------------------------------------------------------------------------
# Large trees: O(log n) lookups, and arithmetic beyond 32 bits


class ConstantTree:
    """A virtual tree whose leaves all have the same hash: perfect subtrees depend on level only."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.levels = [leaf_hash(b"same")]
        for _ in range(64):
            self.levels.append(node_hash(self.levels[-1], self.levels[-1]))
        self.lookups = 0

    def perfect_subtree(self, level: int, index: int) -> bytes:
        if index < 0 or (index + 1) << level > self.size:
            raise KeyError((level, index))
        self.lookups += 1
        return self.levels[level]


@pytest.mark.parametrize("size", [2**40 + 12345, 2**63 + 2**31 + 7, MAX_TREE_SIZE])
def test_large_tree_lookups_are_logarithmic(size: int) -> None:
    src = ConstantTree(size)
    root = root_hash(src, size)
    assert src.lookups == size.bit_count()
    assert CompactRange.from_source(src, size).root() == root
    for index in [0, 1, size // 3, size - 2, size - 1]:
        src.lookups = 0
        proof = inclusion_proof(src, index, size)
        assert src.lookups <= 2 * 64
        verify_inclusion(src.levels[0], index, size, proof, root)
    for size1 in [1, 2, 3, size // 2 + 1, size - 1, size]:
        src.lookups = 0
        proof = consistency_proof(src, size1, size)
        assert src.lookups <= 3 * 64
        verify_consistency(size1, size, proof, root_hash(src, size1), root)


# --------------------------------------------------------------------------------------------------
# Argument checking


def test_generation_refuses_bad_arguments() -> None:
    tree = InMemoryTree(entries_for(1, 5))
    for index, size in [(5, 5), (-1, 5), (0, 0)]:
        with pytest.raises(ValueError):
            inclusion_proof(tree, index, size)
    for size1, size2 in [(0, 5), (0, 0), (4, 3), (-1, 3)]:
        with pytest.raises(ValueError):
            consistency_proof(tree, size1, size2)
    assert consistency_proof(tree, 5, 5) == []
    with pytest.raises(ValueError):
        root_hash(tree, MAX_TREE_SIZE + 1)
    with pytest.raises(ValueError):
        tree.root(6)
    with pytest.raises(KeyError):  # subtrees beyond the stored tree are not invented
        root_hash(tree, 6)
    with pytest.raises(KeyError):
        tree.perfect_subtree(0, -1)
    with pytest.raises(KeyError):
        tree.perfect_subtree(3, 0)
    assert tree.perfect_subtree(2, 0) == Naive(entries_for(1, 5)).mth(0, 4)


def test_verification_refuses_bad_arguments() -> None:
    tree = InMemoryTree(entries_for(2, 7))
    leaf, root = tree.leaf_hash(3), tree.root()
    proof = tree.inclusion_proof(3)
    verify_inclusion(leaf, 3, 7, proof, root)
    with pytest.raises(ProofError, match="beyond"):
        verify_inclusion(leaf, 7, 7, proof, root)
    with pytest.raises(ProofError, match="64-bit"):
        verify_inclusion(leaf, 3, 2**64, proof, root)
    with pytest.raises(ProofError, match="64-bit"):
        verify_inclusion(leaf, -1, 7, proof, root)
    with pytest.raises(ProofError, match="leaf hash"):
        verify_inclusion(leaf[:31], 3, 7, proof, root)
    with pytest.raises(ProofError, match="proof size"):
        verify_inclusion(leaf, 3, 7, [*proof, proof[0]], root)
    with pytest.raises(ProofError, match=r"proof\[1\]"):
        verify_inclusion(leaf, 3, 7, [proof[0], proof[1] + b"\x00", proof[2]], root)
    with pytest.raises(ProofError, match="does not match"):
        verify_inclusion(leaf, 3, 7, proof, EMPTY_ROOT)

    cproof = tree.consistency_proof(3, 7)
    verify_consistency(3, 7, cproof, tree.root(3), root)
    assert root_from_consistency_proof(3, 7, cproof, tree.root(3)) == root
    assert root_from_consistency_proof(4, 4, [], b"anything") == b"anything"
    with pytest.raises(ProofError, match="meaningless"):
        verify_consistency(0, 7, [], EMPTY_ROOT, root)
    with pytest.raises(ProofError, match="size2"):
        verify_consistency(8, 7, cproof, tree.root(3), root)
    with pytest.raises(ProofError, match="not empty"):
        verify_consistency(7, 7, cproof, root, root)
    with pytest.raises(ProofError, match="empty consistency proof"):
        verify_consistency(3, 7, [], tree.root(3), root)
    with pytest.raises(ProofError, match="root1"):
        verify_consistency(3, 7, cproof, tree.root(4), root)
    with pytest.raises(ProofError, match="64-bit"):
        verify_consistency(3, 2**64, cproof, tree.root(3), root)
