"""Every transparency-dev/merkle test vector (tests/data/merkle-vectors, Apache-2.0) must behave.

Fields: inclusion vectors have ``leafIdx``, ``treeSize``, ``root``, ``leafHash``, ``proof``;
consistency vectors have ``size1``, ``size2``, ``root1``, ``root2``, ``proof``. Hashes are base64,
``proof`` may be ``null``, and ``wantErr`` says whether a correct verifier must refuse.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from openbwv.audit.merkle import (
    InMemoryTree,
    ProofError,
    root_from_consistency_proof,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).resolve().parent.parent / "data" / "merkle-vectors"
INCLUSION = sorted((VECTORS / "inclusion").rglob("*.json"))
CONSISTENCY = sorted((VECTORS / "consistency").rglob("*.json"))

# The leaves behind the numbered vector directories (transparency-dev/merkle proof/verify_test.go).
RFC6962_LEAVES = [
    bytes.fromhex(h)
    for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
              "606162636465666768696a6b6c6d6e6f"]
]  # fmt: skip


def _id(path: Path) -> str:
    return str(path.relative_to(VECTORS))


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _b64(value: str) -> bytes:
    return base64.b64decode(value, validate=True)


def _proof(data: dict[str, Any]) -> list[bytes]:
    return [_b64(h) for h in data["proof"] or []]


def test_vector_set_is_complete() -> None:
    assert (VECTORS / "LICENSE").read_text().lstrip().startswith("Apache License")
    assert len(INCLUSION) == 98
    assert len(CONSISTENCY) == 98
    for path in INCLUSION + CONSISTENCY:
        assert isinstance(_load(path)["wantErr"], bool), path


@pytest.mark.parametrize("path", INCLUSION, ids=_id)
def test_inclusion_vector(path: Path) -> None:
    v = _load(path)
    leaf, index, size = _b64(v["leafHash"]), v["leafIdx"], v["treeSize"]
    proof, root = _proof(v), _b64(v["root"])
    if v["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(leaf, index, size, proof, root)
    else:
        verify_inclusion(leaf, index, size, proof, root)
        assert root_from_inclusion_proof(leaf, index, size, proof) == root


@pytest.mark.parametrize("path", CONSISTENCY, ids=_id)
def test_consistency_vector(path: Path) -> None:
    v = _load(path)
    size1, size2, proof = v["size1"], v["size2"], _proof(v)
    root1, root2 = _b64(v["root1"]), _b64(v["root2"])
    if v["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, proof, root1, root2)
    else:
        verify_consistency(size1, size2, proof, root1, root2)
        assert root_from_consistency_proof(size1, size2, proof, root1) == root2


def _happy(paths: list[Path]) -> list[Path]:
    """The happy paths of the numbered directories, built from RFC6962_LEAVES."""
    return [p for p in paths if p.parent.name.isdigit() and p.name == "happy-path.json"]


HAPPY_INCLUSION = _happy(INCLUSION)
HAPPY_CONSISTENCY = _happy(CONSISTENCY)


@pytest.mark.parametrize("path", HAPPY_INCLUSION, ids=_id)
def test_generated_inclusion_proof_matches_vector(path: Path) -> None:
    v = _load(path)
    tree = InMemoryTree(RFC6962_LEAVES)
    assert tree.leaf_hash(v["leafIdx"]) == _b64(v["leafHash"])
    assert tree.root(v["treeSize"]) == _b64(v["root"])
    assert tree.inclusion_proof(v["leafIdx"], v["treeSize"]) == _proof(v)


@pytest.mark.parametrize("path", HAPPY_CONSISTENCY, ids=_id)
def test_generated_consistency_proof_matches_vector(path: Path) -> None:
    v = _load(path)
    tree = InMemoryTree(RFC6962_LEAVES)
    assert tree.root(v["size1"]) == _b64(v["root1"])
    assert tree.root(v["size2"]) == _b64(v["root2"])
    assert tree.consistency_proof(v["size1"], v["size2"]) == _proof(v)


def test_happy_paths_were_found() -> None:
    assert len(HAPPY_INCLUSION) == 5
    assert len(HAPPY_CONSISTENCY) == 5
