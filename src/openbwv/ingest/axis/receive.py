"""Receiving object bodies: streamed to a staging file (or memory, for small objects) while
SHA-256 and MD5 are computed, under the two limits the body worn system understands.

* Busy (503, retry soon): an API process takes at most `BWV_AXIS_MAX_CONCURRENT_UPLOADS` object
  uploads at once; the next is refused at once with `Retry-After`, before any byte is read.
* Out of storage (507): the staging disk (and the local object store) must keep
  `BWV_AXIS_MIN_FREE_BYTES` free after the upload; running out mid-write (ENOSPC) is 507 too.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import threading
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlparse

from anyio import to_thread
from starlette.requests import ClientDisconnect, Request

from openbwv.config import get_settings
from openbwv.ingest.axis.errors import SwiftError, bad_request
from openbwv.ingest.axis.settings import get_axis_settings, staging_dir

BLOCK = 4 * 1024 * 1024
EDGE = 32  # bytes kept from each end: enough to check a clip against its key


class ClientGone(Exception):
    """The device hung up before the whole body arrived: nothing was stored."""


class UploadSlots:
    """In-flight object uploads of this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.in_flight = 0
        self.refused = 0  # 503s answered, for operators (and tests)

    def take(self) -> _Slot:
        limit = get_axis_settings().max_concurrent_uploads
        with self._lock:
            if self.in_flight >= limit:
                self.refused += 1
                raise SwiftError(
                    503,
                    "Service Unavailable",
                    f"{self.in_flight} uploads are in progress; retry shortly",
                    headers={"Retry-After": str(get_axis_settings().retry_after_seconds)},
                )
            self.in_flight += 1
        return _Slot(self)

    def give_back(self) -> None:
        with self._lock:
            self.in_flight -= 1


class _Slot:
    def __init__(self, slots: UploadSlots) -> None:
        self.slots = slots

    def __enter__(self) -> _Slot:
        return self

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.slots.give_back()


slots = UploadSlots()


def _insufficient(detail: str) -> SwiftError:
    return SwiftError(507, "Insufficient Storage", detail)


def _watched_paths() -> list[Path]:
    paths = [staging_dir()]
    url = urlparse(get_settings().resolved_storage_url)
    if url.scheme == "file":
        paths.append(Path(unquote(url.path)))
    return paths


def check_space(expected_bytes: int | None) -> None:
    """507 unless every disk the bytes will land on keeps the minimum free after them."""
    floor = get_axis_settings().min_free_bytes
    for path in _watched_paths():
        path.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(path).free
        if free - (expected_bytes or 0) < floor:
            raise _insufficient(
                f"{free} bytes free where {path.name} lives; {floor} must stay free "
                f"after an upload of {expected_bytes or 'unknown'} bytes"
            )


@dataclass
class Received:
    size: int
    sha256: str
    md5: str
    head: bytes
    tail: bytes
    path: Path | None = None  # staged file (clips)
    data: bytes | None = None  # in memory (small objects)

    def discard(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)


class _Writer:
    """Hashes and keeps (on disk or in memory) the blocks of one body; runs in a worker thread."""

    def __init__(self, to_file: bool, limit: int) -> None:
        self.limit = limit
        self.sha256 = hashlib.sha256()
        self.md5 = hashlib.md5()  # noqa: S324 - the Swift ETag, not a security hash
        self.size = 0
        self.head = b""
        self.tail = b""
        self.memory: bytearray | None = None if to_file else bytearray()
        self.path: Path | None = None
        self.handle: Any = None
        if to_file:
            directory = staging_dir()
            directory.mkdir(parents=True, exist_ok=True)
            self.path = directory / f"{uuid.uuid4()}.part"
            self.handle = open(self.path, "wb")  # noqa: SIM115 - closed in finish/discard

    def write(self, block: bytes) -> None:
        if self.size + len(block) > self.limit:
            raise bad_request(f"the object is larger than the {self.limit} bytes allowed")
        self.sha256.update(block)
        self.md5.update(block)
        if len(self.head) < EDGE:
            self.head += block[: EDGE - len(self.head)]
        self.tail = (self.tail + block)[-EDGE:]
        self.size += len(block)
        if self.memory is not None:
            self.memory += block
            return
        try:
            self.handle.write(block)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise _insufficient("the staging disk is full") from exc
            raise

    def finish(self) -> Received:
        if self.handle is not None:
            try:
                self.handle.flush()
                os.fsync(self.handle.fileno())
            except OSError as exc:
                if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                    raise _insufficient("the staging disk is full") from exc
                raise
            finally:
                self.handle.close()
        return Received(
            self.size,
            self.sha256.hexdigest(),
            self.md5.hexdigest(),
            self.head,
            self.tail,
            self.path,
            bytes(self.memory) if self.memory is not None else None,
        )

    def discard(self) -> None:
        if self.handle is not None and not self.handle.closed:
            self.handle.close()
        if self.path is not None:
            self.path.unlink(missing_ok=True)


async def _blocks(request: Request) -> AsyncIterator[bytes]:
    buffer = bytearray()
    async for chunk in request.stream():
        buffer += chunk
        if len(buffer) >= BLOCK:
            yield bytes(buffer)
            buffer.clear()
    if buffer:
        yield bytes(buffer)


def declared_length(request: Request) -> int | None:
    value = request.headers.get("content-length")
    if value is None:
        return None
    if not value.isdigit():
        raise bad_request("Content-Length must be a number of bytes")
    return int(value)


async def receive(request: Request, *, to_file: bool, limit: int) -> Received:
    """The whole body, hashed; raises ClientGone if the device hung up part-way."""
    expected = declared_length(request)
    if expected is not None and expected > limit:
        raise bad_request(f"the object is larger than the {limit} bytes allowed")
    writer = await to_thread.run_sync(_Writer, to_file, limit)
    try:
        async for block in _blocks(request):
            await to_thread.run_sync(writer.write, block)
        received = await to_thread.run_sync(writer.finish)
    except ClientDisconnect:
        await to_thread.run_sync(writer.discard)
        raise ClientGone() from None
    except BaseException:
        await to_thread.run_sync(writer.discard)
        raise
    if expected is not None and received.size != expected:
        received.discard()
        raise ClientGone()
    return received


def check_etag(request: Request, received: Received) -> None:
    """Swift's integrity check: the ETag request header is the MD5 of the body. A mismatch is
    Swift's 422 (Unprocessable Entity), and nothing is stored."""
    wanted = request.headers.get("etag")
    if wanted is None:
        return
    wanted = wanted.strip().strip('"').lower()
    if wanted != received.md5:
        received.discard()
        raise SwiftError(
            422,
            "Unprocessable Entity",
            f"the body's MD5 is {received.md5}, not the ETag {wanted}: nothing was stored",
        )


def clean_staging(older_than_seconds: float) -> int:
    """Remove staged bodies left by a crash mid-upload (the device retries them)."""
    directory = staging_dir()
    if not directory.exists():
        return 0
    removed = 0
    cutoff = time.time() - older_than_seconds
    for path in directory.glob("*.part"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed
