"""Staging of resumable uploads on disk: one `.part` file per upload, locked while written.

The whole-file SHA-256 is computed while bytes arrive. Its running state lives in memory between
requests; after a restart (or on another API node sharing the staging directory) it is rebuilt
once from the bytes already received — the only case where staged bytes are read twice.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import threading
import time
import uuid
from collections import OrderedDict
from pathlib import Path
from typing import Any

READ_CHUNK = 4 * 1024 * 1024
BLOCK = 1024 * 1024  # received bytes written (and hashed) at a time
IOV_MAX = 1024  # buffers one writev may take (Linux)
WRITE_BEHIND = 8 * 1024 * 1024  # staged bytes handed to the disk (and the page cache) at a time


DONTNEED = getattr(os, "POSIX_FADV_DONTNEED", 4)


class UploadLocked(Exception):
    """Another request is still writing this upload."""


class HasherCache:
    """Running SHA-256 states by upload, valid only at the offset they were saved at."""

    def __init__(self, capacity: int = 4096) -> None:
        self._items: OrderedDict[uuid.UUID, tuple[int, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.capacity = capacity

    def take(self, upload_id: uuid.UUID, offset: int) -> Any | None:
        with self._lock:
            entry = self._items.pop(upload_id, None)
        if entry is None or entry[0] != offset:
            return None
        return entry[1]

    def put(self, upload_id: uuid.UUID, offset: int, hasher: Any) -> None:
        with self._lock:
            self._items[upload_id] = (offset, hasher)
            self._items.move_to_end(upload_id)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def drop(self, upload_id: uuid.UUID) -> None:
        with self._lock:
            self._items.pop(upload_id, None)


hashers = HasherCache()


def part_path(upload_dir: Path, upload_id: uuid.UUID) -> Path:
    return upload_dir / f"{upload_id}.part"


class PartFile:
    """An exclusively locked, append-only view of one upload's staged bytes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        self.position = 0  # where the next write lands
        self.handed_to = 0  # bytes before this were handed to the disk by write_behind

    def lock(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
            if time.monotonic() >= deadline:
                self.close()
                raise UploadLocked(str(self.path))
            time.sleep(0.05)  # an interrupted request is still draining; wait briefly

    def size(self) -> int:
        return os.fstat(self.fd).st_size

    def truncate(self, offset: int) -> None:
        os.ftruncate(self.fd, offset)
        os.lseek(self.fd, offset, os.SEEK_SET)
        self.position = self.handed_to = offset

    def write(self, chunks: list[bytes]) -> None:
        """Write the chunks in order with as few system calls as the kernel allows."""
        views = [memoryview(chunk) for chunk in chunks]
        while views:
            written = os.writev(self.fd, views[:IOV_MAX])
            while views and written >= len(views[0]):
                written -= len(views[0])
                views.pop(0)
            if written:
                views[0] = views[0][written:]
        self.position += sum(len(chunk) for chunk in chunks)
        self.write_behind()

    def write_behind(self) -> None:
        """Start writing each full window to disk as soon as it is complete, and drop the window
        before it (written by now) from the page cache. The disk then works while bytes still
        arrive, the final fsync has little left to do, and a large upload does not grow the page
        cache by its size (this costs more than the copy on a VM whose memory is handed back to
        the host when free). Durability is unchanged: only `sync` makes bytes durable; this only
        starts their writing early."""
        if not hasattr(os, "posix_fadvise"):  # not on macOS: the final fsync does it all
            return
        while self.position - self.handed_to >= WRITE_BEHIND:
            # Linux: DONTNEED starts writeback of dirty pages and drops the clean ones.
            start = max(0, self.handed_to - WRITE_BEHIND)
            os.posix_fadvise(self.fd, start, self.handed_to + WRITE_BEHIND - start, DONTNEED)
            self.handed_to += WRITE_BEHIND

    def sync(self) -> None:
        os.fsync(self.fd)

    def rehash(self, upload_to: int) -> Any:
        digest = hashlib.sha256()
        with open(self.path, "rb") as handle:
            remaining = upload_to
            while remaining > 0:
                chunk = handle.read(min(READ_CHUNK, remaining))
                if not chunk:
                    raise OSError(f"staged upload {self.path.name} is shorter than its offset")
                digest.update(chunk)
                remaining -= len(chunk)
        return digest

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # also releases the flock
            self.fd = -1
