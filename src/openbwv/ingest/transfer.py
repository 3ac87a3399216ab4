"""One request's bytes into an upload, and the upload's end as evidence.

Transactions stay short: none is held while bytes stream in. The staged file is the byte store
and its lock says who is writing; the upload row holds the durable offset, written only after
the bytes are fsynced. A crash therefore leaves the file at or beyond the recorded offset, and
the next request truncates any unacknowledged tail.

A PATCH that completes an upload runs three transactions after authentication: one read under
the file's lock, one that records the offset with the whole file's digest, and one that makes
the stored bytes evidence (and asks the policy whether the uploader may see the item).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import deque
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from anyio import to_thread

from openbwv.access.principal import Principal
from openbwv.config import Settings, get_settings
from openbwv.db.session import read_only_unit_of_work, unit_of_work
from openbwv.ingest import service
from openbwv.ingest.errors import (
    BodyInterrupted,
    ChecksumMismatch,
    OffsetMismatch,
    UploadBusy,
    UploadError,
    UploadGone,
    UploadTooLarge,
)
from openbwv.ingest.models import Upload, UploadState
from openbwv.ingest.queries import upload_by_id, upload_for
from openbwv.ingest.service import Finalised
from openbwv.ingest.staging import BLOCK, PartFile, UploadLocked, hashers, part_path
from openbwv.ingest.tus import CHECKSUM_ALGORITHMS
from openbwv.storage.factory import originals

LOCK_WAIT_SECONDS = 5.0
IN_FLIGHT = 4  # blocks buffered at most while the writer catches up (bounded memory)


@dataclass(frozen=True)
class UploadView:
    id: uuid.UUID
    state: str
    length: int
    offset: int
    raw_metadata: str | None
    expires_at: datetime
    evidence_id: uuid.UUID | None


@dataclass(frozen=True)
class Appended:
    offset: int
    expires_at: datetime
    finished: Finalised | None  # set when this request completed (or rejected) the upload


def _view(upload: Upload) -> UploadView:
    return UploadView(
        upload.id,
        upload.state,
        upload.length,
        upload.offset,
        upload.raw_metadata,
        upload.expires_at,
        upload.evidence_id,
    )


def begin(
    *,
    length: int,
    raw_metadata: str | None,
    parsed_metadata: dict[str, str | None],
    principal: Principal,
    settings: Settings | None = None,
) -> UploadView:
    """Create an upload and its (empty) staged file."""
    settings = settings or get_settings()
    with unit_of_work(settings) as session:
        upload = service.create_upload(
            session,
            length=length,
            raw_metadata=raw_metadata,
            parsed_metadata=parsed_metadata,
            principal=principal,
            settings=settings,
        )
        settings.resolved_upload_dir.mkdir(parents=True, exist_ok=True)
        part_path(settings.resolved_upload_dir, upload.id).touch(mode=0o600)
        return _view(upload)


def _may_append(upload: Upload, start: int) -> None:
    if upload.state == UploadState.COMPLETE:
        raise OffsetMismatch(f"the upload is complete at offset {upload.length}")
    if upload.offset != start:
        raise OffsetMismatch(f"Upload-Offset is {start}; the upload is at {upload.offset}")


class Appender:
    """Appends one request's bytes to an upload, holding its lock (a PATCH, or a POST body)."""

    def __init__(
        self,
        upload_id: uuid.UUID,
        principal: Principal,
        offset: int,
        checksum: tuple[str, bytes] | None,
        settings: Settings | None = None,
    ) -> None:
        self.settings = settings or get_settings()
        self.upload_id = upload_id
        self.principal = principal
        self.start = offset
        self.checksum = checksum
        self.part: PartFile | None = None
        self.received = 0
        self.length = 0
        self.announced: str | None = None  # the SHA-256 the metadata says the file has
        self.expires_at: datetime | None = None
        self.hasher: Any = None
        self.chunk_hasher: Any = None
        self.digest: str | None = None
        self.finished: Finalised | None = None

    def _refuse(self) -> None:
        """Raise what the upload's own state says is wrong (not found, gone, complete, wrong
        offset) before a staging problem is reported: those say more about someone's upload."""
        with read_only_unit_of_work(self.settings) as session:
            _may_append(upload_for(session, self.upload_id, self.principal), self.start)

    def open(self) -> None:
        """Lock the staged file, then read the upload once under the lock (sync; in a thread)."""
        path = part_path(self.settings.resolved_upload_dir, self.upload_id)
        if not path.exists():
            self._refuse()
            raise UploadGone("the staged bytes of this upload are gone")
        part = PartFile(path)
        try:
            part.lock(LOCK_WAIT_SECONDS)
        except UploadLocked as exc:
            self._refuse()
            raise UploadBusy("another request is writing this upload; retry shortly") from exc
        self.part = part
        try:
            with read_only_unit_of_work(self.settings) as session:
                upload = upload_for(session, self.upload_id, self.principal)
                _may_append(upload, self.start)
                self.length, self.expires_at = upload.length, upload.expires_at
                self.announced = upload.upload_metadata.get("sha256")
            if part.size() < self.start:
                raise UploadGone("staged bytes were lost; start a new upload")
        except Exception:
            self.close()
            raise
        part.truncate(self.start)  # drop any tail written but never acknowledged
        self.hasher = hashers.take(self.upload_id, self.start) or part.rehash(self.start)
        if self.checksum:
            self.chunk_hasher = CHECKSUM_ALGORITHMS[self.checksum[0]]()

    @property
    def remaining(self) -> int:
        return self.length - self.start - self.received

    @property
    def complete(self) -> bool:
        return self.start + self.received == self.length

    def write(self, chunks: list[bytes]) -> None:
        """Hash and write a block of the body, as received (sync; in the writer thread)."""
        assert self.part is not None
        size = sum(len(chunk) for chunk in chunks)
        if size > self.remaining:
            raise UploadTooLarge("the request body goes past Upload-Length")
        for chunk in chunks:
            self.hasher.update(chunk)
            if self.chunk_hasher is not None:
                self.chunk_hasher.update(chunk)
        self.part.write(chunks)
        self.received += size

    def commit(self, interrupted: bool = False) -> int:
        """Make the received bytes durable and record the new offset (with the digest, once the
        file is whole); returns the offset."""
        assert self.part is not None
        if self.checksum is not None and (
            interrupted or self.chunk_hasher.digest() != self.checksum[1]
        ):
            self.rollback()
            if interrupted:
                return self.start
            raise ChecksumMismatch(f"the body does not match its {self.checksum[0]} checksum")
        self.part.sync()
        offset = self.start + self.received
        rejection = None
        if self.complete and not interrupted:
            self.digest = self.hasher.hexdigest()
            rejection = service.rejection_for(self.announced, self.digest)
        with unit_of_work(self.settings) as session:
            self.expires_at = service.record_offset(
                session,
                self.upload_id,
                start=self.start,
                offset=offset,
                settings=self.settings,
                digest=self.digest,
                rejection=rejection,
            )
        if rejection is not None:
            self.part.path.unlink(missing_ok=True)
            hashers.drop(self.upload_id)
            self.finished = Finalised(UploadState.REJECTED, None, rejection)
        else:
            hashers.put(self.upload_id, offset, self.hasher)
        return offset

    def finish(self) -> Finalised:
        """Publish the whole file write-once and make it evidence, under this request's lock."""
        assert self.part is not None and self.digest is not None
        originals(self.settings).put_file(self.part.path, self.digest, consume=True, verify=False)
        hashers.drop(self.upload_id)
        with unit_of_work(self.settings) as session:
            return service.record_evidence(
                session, self.upload_id, self.digest, self.principal, self.settings
            )

    def rollback(self) -> None:
        """Discard this request's bytes (checksum mismatch, oversize, or error)."""
        if self.part is not None:
            self.part.truncate(self.start)
        hashers.drop(self.upload_id)
        self.received = 0

    def close(self) -> None:
        if self.part is not None:
            self.part.close()
            self.part = None


async def _blocks(body: AsyncIterator[bytes]) -> AsyncIterator[list[bytes]]:
    """The body in blocks of about BLOCK bytes, as the received chunks (never copied)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in body:
        if not chunk:
            continue
        chunks.append(chunk)
        size += len(chunk)
        if size >= BLOCK:
            yield chunks
            chunks, size = [], 0
    if chunks:
        yield chunks


async def _pump(body: AsyncIterator[bytes], appender: Appender) -> None:
    """Receive the body while a writer thread hashes and writes earlier blocks, so network,
    SHA-256 and disk overlap; at most IN_FLIGHT blocks wait (bounded memory)."""
    loop = asyncio.get_running_loop()
    pending: deque[asyncio.Future[None]] = deque()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tus-writer") as writer:
        try:
            async for block in _blocks(body):
                pending.append(loop.run_in_executor(writer, appender.write, block))
                if len(pending) >= IN_FLIGHT:
                    await pending.popleft()
            while pending:
                await pending.popleft()
        finally:
            for future in pending:  # drain: the appender must be idle before commit/rollback
                with contextlib.suppress(Exception):
                    await future


async def append(
    upload_id: uuid.UUID,
    principal: Principal,
    offset: int,
    checksum: tuple[str, bytes] | None,
    body: AsyncIterator[bytes],
) -> Appended:
    """Stream `body` into the upload at `offset`; finalise it if it is now whole. A body that
    ends early (BodyInterrupted) keeps what arrived, unless a checksum was sent for it."""
    appender = Appender(upload_id, principal, offset, checksum)
    await to_thread.run_sync(appender.open)
    try:
        interrupted = False
        try:
            await _pump(body, appender)
        except BodyInterrupted:
            interrupted = True
        except UploadError:
            appender.rollback()
            raise
        new_offset = await to_thread.run_sync(appender.commit, interrupted)
        finished = appender.finished
        if finished is None and appender.digest is not None:
            finished = await to_thread.run_sync(appender.finish)
        assert appender.expires_at is not None
        return Appended(new_offset, appender.expires_at, finished)
    finally:
        appender.close()


def _settled(upload_id: uuid.UUID, settings: Settings) -> None:
    """Wait (briefly) for a request still writing this upload — typically one whose client just
    dropped — so HEAD reports the offset it leaves behind rather than a stale one."""
    path = part_path(settings.resolved_upload_dir, upload_id)
    if not path.exists():
        return
    part = PartFile(path)
    try:
        part.lock(LOCK_WAIT_SECONDS)
    except UploadLocked:
        return  # still streaming: the recorded offset is the honest answer
    finally:
        part.close()


def status(upload_id: uuid.UUID, principal: Principal) -> UploadView:
    """HEAD: the upload's state. Completes an upload whose bytes all landed before a crash."""
    settings = get_settings()
    with read_only_unit_of_work(settings) as session:
        upload_for(session, upload_id, principal)
    _settled(upload_id, settings)
    with read_only_unit_of_work(settings) as session:
        view = _view(upload_for(session, upload_id, principal))
    if view.state == UploadState.OPEN and view.offset == view.length:
        finalise(upload_id, principal, settings)
        with read_only_unit_of_work(settings) as session:
            view = _view(upload_for(session, upload_id, principal))
    return view


def finalise(upload_id: uuid.UUID, principal: Principal, settings: Settings) -> Finalised:
    """Turn a fully received upload into evidence, exactly once; safe to repeat after a crash at
    any point of a completing PATCH."""
    path = part_path(settings.resolved_upload_dir, upload_id)
    part = PartFile(path) if path.exists() else None
    try:
        if part is not None:
            part.lock(LOCK_WAIT_SECONDS)
        return _finalise_locked(upload_id, part, principal, settings)
    finally:
        if part is not None:
            part.close()


def _finalise_locked(
    upload_id: uuid.UUID, part: PartFile | None, principal: Principal, settings: Settings
) -> Finalised:
    with read_only_unit_of_work(settings) as session:
        upload = upload_by_id(session, upload_id)
        if upload.state != UploadState.OPEN or upload.offset != upload.length:
            return Finalised(upload.state, upload.evidence_id, upload.error)
        digest, length, announced = (
            upload.sha256,
            upload.length,
            upload.upload_metadata.get("sha256"),
        )
    if digest is None:  # the crash came before the completing PATCH recorded its digest
        if part is None:
            raise UploadGone("the staged bytes of this upload are gone")
        digest = (hashers.take(upload_id, length) or part.rehash(length)).hexdigest()
    rejection = service.rejection_for(announced, digest)
    with unit_of_work(settings) as session:  # remember the digest before publishing
        service.record_offset(
            session,
            upload_id,
            start=length,
            offset=length,
            settings=settings,
            digest=digest,
            rejection=rejection,
        )
    hashers.drop(upload_id)
    if rejection is not None:
        if part is not None:
            part.path.unlink(missing_ok=True)
        return Finalised(UploadState.REJECTED, None, rejection)
    store = originals(settings)
    if part is not None:
        store.put_file(part.path, digest, consume=True, verify=False)  # hashed as it arrived
    elif not store.exists(digest):
        raise UploadGone("the staged bytes of this upload are gone")
    with unit_of_work(settings) as session:
        return service.record_evidence(session, upload_id, digest, principal, settings)


def terminate(upload_id: uuid.UUID, principal: Principal) -> None:
    settings = get_settings()
    with unit_of_work(settings) as session:
        service.terminate(session, upload_id, principal)
    part_path(settings.resolved_upload_dir, upload_id).unlink(missing_ok=True)
    hashers.drop(upload_id)


def expire_uploads(settings: Settings | None = None, limit: int = 1000) -> int:
    """Maintenance: open uploads past their expiry are expired and their staged bytes removed."""
    settings = settings or get_settings()
    with unit_of_work(settings) as session:
        ids = service.expire(session, limit)
    for upload_id in ids:
        part_path(settings.resolved_upload_dir, upload_id).unlink(missing_ok=True)
        hashers.drop(upload_id)
    return len(ids)
