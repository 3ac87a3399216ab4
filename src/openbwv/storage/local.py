"""Local-disk store: content-addressed files, written durably and made read-only.

Write path: temporary file in the target directory → fsync → rename to the digest → chmod 0444 →
fsync the directory. A crash at any point leaves either no object or a complete one.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import BinaryIO, cast

from openbwv.storage.base import (
    READ_CHUNK,
    DigestMismatch,
    ObjectNotFound,
    ObjectStore,
    PutResult,
    StorageError,
    check_key,
    iter_file,
)

READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalStore(ObjectStore):
    def __init__(self, root: Path, namespace: str, *, write_once: bool) -> None:
        self.root = root / namespace
        self.namespace = namespace
        self.write_once = write_once
        self.root.mkdir(parents=True, exist_ok=True)

    def path_for(self, key: str) -> Path:
        check_key(key)
        return self.root / key[:2] / key[2:4] / key

    def _publish(self, temp: Path, key: str, size: int) -> PutResult:
        os.chmod(temp, READ_ONLY)
        return self._link_into_place(temp, key, size, remove_source=True)

    def _link_into_place(
        self, source: Path, key: str, size: int, *, remove_source: bool
    ) -> PutResult:
        final = self.path_for(key)
        # os.link fails if the name exists, so two writers of the same bytes cannot both "create".
        try:
            os.link(source, final)
            created = True
        except FileExistsError:
            created = False
        fsync_dir(final.parent)
        if remove_source:
            source.unlink(missing_ok=True)
        return PutResult(key, key, size if created else final.stat().st_size, created=created)

    def _temp_in(self, key: str) -> Path:
        directory = self.path_for(key).parent
        directory.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".incoming-", dir=directory)
        os.close(fd)
        return Path(name)

    def put_file(
        self, path: Path, sha256: str, *, consume: bool = False, verify: bool = True
    ) -> PutResult:
        key = check_key(sha256)
        size = path.stat().st_size
        if self.path_for(key).exists():
            if consume:
                path.unlink(missing_ok=True)
            return PutResult(key, key, size, created=False)
        if consume and self._same_disk(path):
            if verify:
                actual = _hash_file(path)
                if actual != key:
                    raise DigestMismatch(f"{path} hashes to {actual}, not the announced {key}")
            with open(path, "rb+") as handle:
                os.fsync(handle.fileno())
            path.chmod(READ_ONLY)
            self.path_for(key).parent.mkdir(parents=True, exist_ok=True)
            # A hard link publishes atomically with no copy; until the source is unlinked, a
            # crash leaves the caller's file, afterwards the object: never neither.
            return self._link_into_place(path, key, size, remove_source=True)
        temp = self._temp_in(key)
        try:
            actual = _copy_hashing(path, temp)
            if actual != key:
                raise DigestMismatch(f"{path} hashes to {actual}, not the announced {key}")
            with open(temp, "rb+") as handle:
                os.fsync(handle.fileno())
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        result = self._publish(temp, key, size)
        if consume:
            path.unlink()
        return result

    def _same_disk(self, path: Path) -> bool:
        return path.stat().st_dev == self.root.stat().st_dev

    def put_stream(self, chunks: Iterable[bytes]) -> PutResult:
        self.root.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".incoming-", dir=self.root)
        temp = Path(name)
        digest = hashlib.sha256()
        size = 0
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in chunks:
                    digest.update(chunk)
                    handle.write(chunk)
                    size += len(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            key = digest.hexdigest()
            final_dir = self.path_for(key).parent
            final_dir.mkdir(parents=True, exist_ok=True)
            moved = final_dir / temp.name
            temp = temp.replace(moved)
            return self._publish(temp, key, size)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise

    def open_range(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        path = self.path_for(key)
        try:
            handle = open(path, "rb")  # noqa: SIM115 - closed by the generator
        except FileNotFoundError as exc:
            raise ObjectNotFound(key) from exc
        return _closing_iter(handle, start, end)

    def size(self, key: str) -> int:
        try:
            return self.path_for(key).stat().st_size
        except FileNotFoundError as exc:
            raise ObjectNotFound(key) from exc

    def iter_keys(self) -> Iterator[str]:
        for path in sorted(self.root.glob("??/??/*")):
            if path.is_file() and not path.name.startswith(".incoming-"):
                yield path.name

    def delete(self, key: str) -> None:
        path = self.path_for(key)
        try:
            path.unlink()
        except FileNotFoundError as exc:
            raise ObjectNotFound(key) from exc
        fsync_dir(path.parent)

    def local_copy(self, key: str) -> AbstractContextManager[Path]:
        path = self.path_for(key)
        if not path.exists():
            raise ObjectNotFound(key)
        return nullcontext(path)

    def health(self) -> None:
        if not os.access(self.root, os.W_OK):
            raise StorageError(f"storage directory {self.root} is not writable")


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(READ_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_hashing(source: Path, target: Path) -> str:
    digest = hashlib.sha256()
    with open(source, "rb") as reader, open(target, "wb") as writer:
        while chunk := reader.read(READ_CHUNK):
            digest.update(chunk)
            writer.write(chunk)
    return digest.hexdigest()


def _closing_iter(handle: object, start: int, end: int | None) -> Iterator[bytes]:
    file = cast(BinaryIO, handle)
    try:
        yield from iter_file(file, start, end)
    finally:
        file.close()


__all__ = ["READ_CHUNK", "LocalStore", "fsync_dir"]
