"""The ZIP, written as it is sent: members are pulled from storage one block at a time, each
file hashed as it passes (the manifest lists what was actually written), the whole package
hashed too. Nothing is held but a few 4 MiB blocks, whatever the case's size. ZIP64
(zipstream-ng) for any member or offset past 4 GiB; members are stored, not compressed (footage
does not compress, and stored members can be read by every unzip tool).
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from zipstream import ZIP_STORED, ZipStream

BLOCK = 4 * 1024 * 1024  # bytes a member is handed on in: fewer hand-offs to the hash threads


def coalesce(chunks: Iterable[bytes], size: int = BLOCK) -> Iterator[bytes]:
    """The same bytes in blocks of at least `size` (storage reads 1 MiB at a time)."""
    parts: list[bytes] = []
    held = 0
    for chunk in chunks:
        parts.append(chunk)
        held += len(chunk)
        if held >= size:
            yield parts[0] if len(parts) == 1 else b"".join(parts)
            parts, held = [], 0
    if parts:
        yield b"".join(parts)


class IntegrityError(RuntimeError):
    """Stored bytes did not hash to their recorded digest: the package is abandoned mid-stream."""


@dataclass(frozen=True)
class Written:
    path: str
    sha256: str
    size: int
    evidence_id: str | None
    listed: bool = True  # in the manifest's `files` (custody/ verifies itself: proofs, signature)

    def as_manifest(self) -> dict[str, object]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "size": self.size,
            "evidence_id": self.evidence_id,
        }


class _Hasher:
    """SHA-256 updates on a background thread, in order, at most `depth` chunks behind.

    Each byte is hashed twice (its file's digest for the manifest, the package's own digest):
    each on its own thread (hashlib releases the GIL), both overlap the reading and the ZIP's
    CRC-32 instead of adding two passes; `depth` bounds the chunks held while they wait."""

    def __init__(self, depth: int = 4) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="package-hash")
        self._pending: deque[Future[None]] = deque()
        self._depth = depth

    def update(self, digest: Any, chunk: bytes) -> None:
        self._pending.append(self._pool.submit(digest.update, chunk))
        while len(self._pending) > self._depth:
            self._pending.popleft().result()

    def drain(self) -> None:
        while self._pending:
            self._pending.popleft().result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pending.clear()


class PackageZip:
    """Add members (bytes, or a function giving chunks), then iterate for the ZIP's bytes."""

    def __init__(self) -> None:
        self._zip = ZipStream(compress_type=ZIP_STORED)
        self.written: list[Written] = []
        self._digest = hashlib.sha256()
        self._files_hasher, self._zip_hasher = _Hasher(), _Hasher()  # one thread each
        self.size = 0
        self.finished = False

    def add(
        self,
        path: str,
        chunks: Callable[[], Iterable[bytes]],
        *,
        size: int | None = None,
        evidence_id: str | None = None,
        expect_sha256: str | None = None,
        listed: bool = True,
    ) -> None:
        """Queue a member; `chunks` is called only when the stream reaches it."""
        hashed = self._hashed(path, chunks, evidence_id, expect_sha256, listed)
        self._zip.add(hashed, path, size=size)

    def add_bytes(self, path: str, data: bytes, *, listed: bool = True) -> None:
        self.add(path, lambda: [data], size=len(data), listed=listed)

    def add_last(
        self, path: str, build: Callable[[list[Written]], bytes], *, listed: bool = False
    ) -> None:
        """A member made from what was written before it (the manifest): built when reached."""
        self.add(path, lambda: [build(list(self.written))], size=None, listed=listed)

    def _hashed(
        self,
        path: str,
        chunks: Callable[[], Iterable[bytes]],
        evidence_id: str | None,
        expect: str | None,
        listed: bool,
    ) -> Iterator[bytes]:
        digest, size = hashlib.sha256(), 0
        for chunk in chunks():
            self._files_hasher.update(digest, chunk)
            size += len(chunk)
            yield chunk
        self._files_hasher.drain()
        found = digest.hexdigest()
        if expect is not None and found != expect:
            raise IntegrityError(f"{path}: stored bytes hash to {found}, recorded {expect}")
        self.written.append(Written(path, found, size, evidence_id, listed))

    def __iter__(self) -> Iterator[bytes]:
        try:
            for chunk in self._zip:
                self._zip_hasher.update(self._digest, chunk)
                self.size += len(chunk)
                yield chunk
            self._zip_hasher.drain()
        finally:
            self._files_hasher.close()
            self._zip_hasher.close()
        self.finished = True

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()
