#!/usr/bin/env python3
"""Verify an openbwv evidence package offline: python3 verify.py [FOLDER | PACKAGE.zip]

FOLDER is the unpacked package (default: the folder this file is in); the ZIP itself can be
checked without unpacking it. Checks, with nothing but
the standard library and `cryptography` (for Ed25519):

* the checkpoint (custody/checkpoint.txt, a C2SP signed note) is signed by the verifier key
  (custody/verifier-key.txt) and the key's ID matches the key;
* every file listed in manifest.json has the SHA-256 and size the manifest gives;
* every custody event (custody/events.jsonl) is in the log the checkpoint signs: its leaf hash
  SHA-256(0x00 || entry) leads through its inclusion proof (RFC 9162) to the checkpoint's root;
* every item has each of the custody events the manifest lists for it;
* when custody/consistency.json is present, the checkpoint the recipient held before is signed
  by the same key and the package's checkpoint extends it (RFC 9162 consistency proof).

Prints one line per item (OK or FAIL with the reasons) and exits 1 if anything failed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

CHUNK = 4 * 1024 * 1024
PACKAGE = "package"  # the entry for files that belong to no item


def _b64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes]) -> bytes:
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        raise ValueError(f"leaf index {index} is beyond the tree size {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ValueError("the proof is too long")
        if fn & 1 or fn == sn:
            r = _node(p, r)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = _node(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ValueError("the proof is too short")
    return r


def consistent(size1: int, root1: bytes, size2: int, root2: bytes, proof: list[bytes]) -> bool:
    """RFC 9162 section 2.1.4.2."""
    if size1 > size2:
        return False
    if size1 == size2:
        return not proof and root1 == root2
    if size1 == 0:
        return not proof
    if not proof:
        return False
    if size1 & (size1 - 1) == 0:  # a power of two: the old root is the first node
        proof = [root1, *proof]
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = _node(c, fr), _node(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = _node(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == root1 and sr == root2


def parse_key(text: str) -> tuple[str, bytes, bytes]:
    """``<name>+<key ID hex>+<base64(0x01 || public key)>`` -> (name, key ID, public key)."""
    name, hex_id, key64 = text.strip().split("+", 2)  # base64 may hold "+" too
    raw = _b64(key64)
    if len(raw) != 33 or raw[0] != 1:
        raise ValueError("the verifier key is not an Ed25519 key")
    key_id = bytes.fromhex(hex_id)
    expected = hashlib.sha256(name.encode() + b"\n\x01" + raw[1:]).digest()[:4]
    if key_id != expected:
        raise ValueError("the verifier key's ID does not match its key")
    return name, key_id, raw[1:]


def open_checkpoint(text: str, key: tuple[str, bytes, bytes]) -> tuple[str, int, bytes]:
    """(origin, tree size, root hash) of a checkpoint signed by `key`; ValueError otherwise."""
    name, key_id, public = key
    split = text.rfind("\n\n")
    if split < 0 or not text.endswith("\n"):
        raise ValueError("the checkpoint is not a signed note")
    body, signatures = text[: split + 1], text[split + 2 :].splitlines()
    verified = False
    for line in signatures:
        if not line.startswith("\u2014 "):
            raise ValueError("a signature line of the checkpoint is malformed")
        signer, _, sig64 = line[2:].partition(" ")
        raw = _b64(sig64)
        if signer != name or raw[:4] != key_id:
            continue  # another key's signature (a witness): not ours to check
        try:
            Ed25519PublicKey.from_public_bytes(public).verify(raw[4:], body.encode("utf-8"))
        except InvalidSignature:
            raise ValueError("the checkpoint's signature does not verify") from None
        verified = True
    if not verified:
        raise ValueError("the checkpoint carries no signature by the verifier key")
    lines = body.splitlines()
    if len(lines) < 3 or not lines[1].isdigit():
        raise ValueError("the checkpoint's body is malformed")
    return lines[0], int(lines[1]), _b64(lines[2])


class Package:
    """The package's files, in an unpacked folder or in the ZIP itself."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.archive = zipfile.ZipFile(root) if root.is_file() else None
        self.names = set(self.archive.namelist()) if self.archive else set()

    def exists(self, name: str) -> bool:
        return name in self.names if self.archive else (self.root / name).is_file()

    def text(self, name: str) -> str:
        if self.archive is None:
            return (self.root / name).read_text("utf-8")
        if name not in self.names:
            raise OSError(f"{name} is missing")
        return self.archive.read(name).decode("utf-8")

    def blocks(self, name: str) -> Iterator[bytes]:
        with self.archive.open(name) if self.archive else (self.root / name).open("rb") as f:
            while block := f.read(CHUNK):
                yield block


def file_digest(package: Package, name: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    for block in package.blocks(name):
        digest.update(block)
        size += len(block)
    return digest.hexdigest(), size


class Report:
    def __init__(self) -> None:
        self.failures: dict[str, list[str]] = defaultdict(list)
        self.checked: dict[str, int] = defaultdict(int)

    def ok(self, entry: str) -> None:
        self.checked[entry] += 1

    def fail(self, entry: str, reason: str) -> None:
        self.checked[entry] += 1
        self.failures[entry].append(reason)


def _check_checkpoint(root: Package, report: Report) -> tuple[int, bytes] | None:
    try:
        key = parse_key(root.text("custody/verifier-key.txt"))
        _, size, root_hash = open_checkpoint(root.text("custody/checkpoint.txt"), key)
    except (OSError, ValueError) as exc:
        report.fail("checkpoint", str(exc))
        return None
    report.ok("checkpoint")
    if root.exists("custody/consistency.json"):
        try:
            doc = json.loads(root.text("custody/consistency.json"))
            _, old_size, old_root = open_checkpoint(doc["checkpoint"], key)
            proof = [_b64(h) for h in doc["proof"]]
            if not consistent(old_size, old_root, size, root_hash, proof):
                raise ValueError("the package's checkpoint does not extend the one you held")
            report.ok("consistency")
        except (ValueError, KeyError, TypeError) as exc:
            report.fail("consistency", str(exc))
    return size, root_hash


def _check_files(root: Package, manifest: dict[str, Any], report: Report) -> None:
    for record in manifest.get("files", []):
        entry = record.get("evidence_id") or PACKAGE
        if not root.exists(record["path"]):
            report.fail(entry, f"{record['path']}: missing")
            continue
        digest, size = file_digest(root, record["path"])
        if digest != record["sha256"]:
            report.fail(entry, f"{record['path']}: SHA-256 differs from the manifest")
        elif size != record["size"]:
            report.fail(entry, f"{record['path']}: size differs from the manifest")
        else:
            report.ok(entry)


def _check_event(line: str, anchor: tuple[int, bytes] | None, report: Report) -> tuple[str, int]:
    event = json.loads(line)
    entry_id, index = event["evidence_id"], int(event["leaf_index"])
    entry = _b64(event["entry_b64"])
    if json.loads(entry).get("evidence_id") != entry_id:
        report.fail(entry_id, f"custody event at leaf {index}: it is about another item")
    elif anchor is None:
        report.fail(entry_id, f"custody event at leaf {index}: no valid checkpoint to prove it")
    else:
        proof = [_b64(h) for h in event["inclusion_proof"]]
        try:
            found = root_from_inclusion(index, anchor[0], leaf_hash(entry), proof)
        except ValueError as exc:
            report.fail(entry_id, f"custody event at leaf {index}: {exc}")
        else:
            if found == anchor[1]:
                report.ok(entry_id)
            else:
                report.fail(entry_id, f"custody event at leaf {index}: inclusion proof fails")
    return entry_id, index


def _check_custody(
    root: Package, manifest: dict[str, Any], anchor: tuple[int, bytes] | None, report: Report
) -> None:
    seen: dict[str, set[int]] = defaultdict(set)
    try:
        lines = root.text("custody/events.jsonl").splitlines()
    except OSError as exc:
        report.fail(PACKAGE, f"custody/events.jsonl: {exc}")
        lines = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            entry_id, index = _check_event(line, anchor, report)
        except (ValueError, KeyError, TypeError) as exc:
            report.fail(PACKAGE, f"custody/events.jsonl line {number} is malformed: {exc}")
            continue
        seen[entry_id].add(index)
    for item in manifest.get("items", []):
        item_id = item["evidence_id"]
        report.ok(item_id)
        for index in item.get("custody", {}).get("leaf_indexes", []):
            if index not in seen[item_id]:
                report.fail(item_id, f"custody event at leaf {index} is missing")


def verify(path: Path) -> Report:
    report = Report()
    try:
        root = Package(path)
        manifest = json.loads(root.text("manifest.json"))
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        report.fail(PACKAGE, f"manifest.json cannot be read: {exc}")
        return report
    anchor = _check_checkpoint(root, report)
    _check_files(root, manifest, report)
    _check_custody(root, manifest, anchor, report)
    return report


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    report = verify(root)
    for entry in sorted(report.checked, key=lambda name: (name in report.failures, name)):
        reasons = report.failures.get(entry)
        if reasons:
            print(f"FAIL {entry}: " + "; ".join(reasons))
        else:
            print(f"OK   {entry} ({report.checked[entry]} checks)")
    if report.failures:
        print(f"{len(report.failures)} entries failed verification.")
        return 1
    print("Every file, custody event and the checkpoint verified.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
