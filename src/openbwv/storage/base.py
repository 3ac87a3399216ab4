"""The storage interface shared by every adapter.

Objects are content-addressed: the key of an object is the lowercase hex SHA-256 of its bytes, so
identical bytes are stored once and any reader can check what it got. A store holds one namespace
(`originals` are write-once; `derivatives` can be regenerated and may be replaced or deleted).
"""

from __future__ import annotations

import abc
import hashlib
import re
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
READ_CHUNK = 1024 * 1024


class StorageError(Exception):
    """A storage operation failed; nothing already stored was changed."""


class ObjectNotFound(StorageError):
    pass


class DigestMismatch(StorageError):
    """The bytes written do not hash to the digest the caller announced."""


class ObjectLocked(StorageError):
    """The store refused to delete an object that is under retention (S3 Object Lock).

    Not a failure of the caller: the object must stay until `retain_until` (None when the store
    did not say, e.g. a legal hold), and a deletion meeting it is retried after that date.
    """

    def __init__(self, key: str, retain_until: datetime | None, detail: str = "") -> None:
        self.key = key
        self.retain_until = retain_until
        self.detail = detail
        until = f" until {retain_until.isoformat()}" if retain_until else ""
        super().__init__(f"object {key} is locked{until}" + (f": {detail}" if detail else ""))

    def __reduce__(self) -> tuple[type[ObjectLocked], tuple[str, datetime | None, str]]:
        # Picklable with its fields (a worker may hand the exception to another process).
        return (type(self), (self.key, self.retain_until, self.detail))


@dataclass(frozen=True)
class PutResult:
    key: str
    sha256: str
    size: int
    created: bool  # False when identical bytes were already stored


def check_key(key: str) -> str:
    if not SHA256_HEX.match(key):
        raise StorageError(f"invalid object key {key!r}: expected a lowercase hex SHA-256")
    return key


class ObjectStore(abc.ABC):
    """A content-addressed object store for one namespace."""

    namespace: str
    write_once: bool

    @abc.abstractmethod
    def put_file(
        self, path: Path, sha256: str, *, consume: bool = False, verify: bool = True
    ) -> PutResult:
        """Publish a file whose SHA-256 the caller already computed while receiving it.

        The store checks that the bytes really hash to `sha256`: if not, it raises DigestMismatch,
        stores nothing and leaves the file where it was. When an object with that key already exists
        nothing is written (`created=False`). With `consume=True` the store may take the file over
        (a hard link on the same disk) instead of copying it; after success the path no longer
        exists, and at every instant before that either the path or the object exists. A caller
        that hashed the bytes itself while they streamed in may pass `verify=False` to spare a
        second read where the store would not otherwise read the file (a same-disk hand-over).
        """

    @abc.abstractmethod
    def put_stream(self, chunks: Iterable[bytes]) -> PutResult:
        """Write bytes while hashing them; the key is their digest."""

    def put_bytes(self, data: bytes) -> PutResult:
        return self.put_stream([data])

    @abc.abstractmethod
    def open_range(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Yield the bytes of [start, end] (inclusive end, like HTTP ranges; None = to the end)."""

    @abc.abstractmethod
    def size(self, key: str) -> int:
        """Size in bytes; raises ObjectNotFound."""

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except ObjectNotFound:
            return False
        return True

    @abc.abstractmethod
    def iter_keys(self) -> Iterator[str]:
        """Every key stored in this namespace (for fsck's orphan check)."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove an object and every stored version of it (disposal).

        Raises ObjectNotFound when there is none, and ObjectLocked when the store refuses because
        retention applies (an S3 bucket with Object Lock, before the object's retain-until date):
        then nothing was removed, and the caller keeps the deletion pending and tries again after
        `ObjectLocked.retain_until`. Any other StorageError is a real failure (credentials, an
        unreachable store). Content-addressed: the caller deletes only bytes no live item uses.
        """

    @abc.abstractmethod
    def local_copy(self, key: str) -> AbstractContextManager[Path]:
        """A local file with the object's bytes for tools that need a path (PyAV); read-only."""

    def read_all(self, key: str) -> bytes:
        return b"".join(self.open_range(key))

    def rehash(self, key: str) -> str:
        """Re-read the stored bytes and return their SHA-256 (fsck)."""
        digest = hashlib.sha256()
        for chunk in self.open_range(key):
            digest.update(chunk)
        return digest.hexdigest()

    def health(self) -> None:  # noqa: B027 - optional hook
        """Raise StorageError when the store is unreachable."""


def iter_file(handle: BinaryIO, start: int, end: int | None) -> Iterator[bytes]:
    handle.seek(start)
    remaining = None if end is None else end - start + 1
    while remaining is None or remaining > 0:
        size = READ_CHUNK if remaining is None else min(READ_CHUNK, remaining)
        chunk = handle.read(size)
        if not chunk:
            return
        if remaining is not None:
            remaining -= len(chunk)
        yield chunk
