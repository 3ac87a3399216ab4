"""Resumable uploads: create, append, finalise into evidence, terminate, expire.

Transactions stay short: no database transaction is held while bytes stream in. The staged file
is the byte store; the upload row holds the durable offset, written only after the bytes are
fsynced. A crash therefore leaves the file at or beyond the recorded offset, and the next request
truncates any unacknowledged tail.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from openbwv.access.principal import Principal
from openbwv.audit.events import record
from openbwv.config import Settings, get_settings
from openbwv.db.session import unit_of_work
from openbwv.evidence.models import EvidenceSource
from openbwv.evidence.service import Arrival, NewOriginal, record_original
from openbwv.ingest import metadata as meta
from openbwv.ingest.models import Upload, UploadState
from openbwv.ingest.staging import PartFile, UploadLocked, hashers, part_path
from openbwv.storage.factory import originals
from openbwv.timeutil import utcnow

LOCK_WAIT_SECONDS = 5.0


class UploadError(Exception):
    status = 400
    title = "Upload refused"


class UploadNotFound(UploadError):
    status = 404
    title = "Upload not found"


class UploadGone(UploadError):
    status = 410
    title = "Upload is gone"


class UploadTooLarge(UploadError):
    status = 413
    title = "Upload too large"


class OffsetMismatch(UploadError):
    status = 409
    title = "Upload-Offset does not match"


class ChecksumMismatch(UploadError):
    status = 460
    title = "Checksum mismatch"


class UploadBusy(UploadError):
    status = 423
    title = "Upload is being written by another request"


@dataclass(frozen=True)
class UploadView:
    id: uuid.UUID
    state: str
    length: int
    offset: int
    raw_metadata: str | None
    expires_at: Any
    evidence_id: uuid.UUID | None


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


def create_upload(
    session: Session,
    *,
    length: int,
    raw_metadata: str | None,
    parsed_metadata: dict[str, str | None],
    principal: Principal,
    settings: Settings | None = None,
) -> Upload:
    settings = settings or get_settings()
    if length > settings.max_upload_bytes:
        raise UploadTooLarge(
            f"Upload-Length {length} exceeds the maximum of {settings.max_upload_bytes} bytes"
        )
    if raw_metadata and len(raw_metadata) > settings.max_metadata_header_bytes:
        raise UploadError(f"Upload-Metadata exceeds {settings.max_metadata_header_bytes} bytes")
    try:
        meta.validate(parsed_metadata, settings.max_metadata_value_bytes)
    except meta.MetadataError as exc:
        raise UploadError(str(exc)) from exc
    upload = Upload(
        length=length,
        offset=0,
        upload_metadata=parsed_metadata,
        raw_metadata=raw_metadata,
        created_by=principal.id,
        expires_at=utcnow() + timedelta(hours=settings.upload_expiry_hours),
    )
    session.add(upload)
    session.flush()
    record(
        session,
        principal,
        "upload.create",
        target_type="upload",
        target_id=str(upload.id),
        details={"length": length},
    )
    settings.resolved_upload_dir.mkdir(parents=True, exist_ok=True)
    part_path(settings.resolved_upload_dir, upload.id).touch(mode=0o600)
    return upload


def load(session: Session, upload_id: uuid.UUID, principal: Principal) -> Upload:
    upload = session.get(Upload, upload_id)
    if upload is None or (upload.created_by != principal.id and principal.kind != "system"):
        raise UploadNotFound("no such upload")  # someone else's upload is not disclosed
    if upload.state in (UploadState.TERMINATED, UploadState.EXPIRED):
        raise UploadGone(f"the upload was {upload.state}")
    if upload.state == UploadState.REJECTED:
        raise UploadGone(f"the upload was rejected: {upload.error}")
    if upload.state == UploadState.OPEN and upload.expires_at < utcnow():
        raise UploadGone("the upload expired")
    return upload


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
    with unit_of_work() as session:
        load(session, upload_id, principal)
    _settled(upload_id, get_settings())
    with unit_of_work() as session:
        upload = load(session, upload_id, principal)
        view = _view(upload)
    if view.state == UploadState.OPEN and view.offset == view.length:
        finalise(upload_id, principal)
        with unit_of_work() as session:
            view = _view(load(session, upload_id, principal))
    return view


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
        self.hasher: Any = None
        self.chunk_hasher: Any = None

    def open(self) -> None:
        """Lock the upload and check the client's offset (sync; run in a worker thread)."""
        with unit_of_work(self.settings) as session:
            upload = load(session, self.upload_id, self.principal)
            if upload.state == UploadState.COMPLETE:
                raise OffsetMismatch(f"the upload is complete at offset {upload.length}")
            recorded, self.length = upload.offset, upload.length
        if recorded != self.start:
            raise OffsetMismatch(f"Upload-Offset is {self.start}; the upload is at {recorded}")
        path = part_path(self.settings.resolved_upload_dir, self.upload_id)
        if not path.exists():
            raise UploadGone("the staged bytes of this upload are gone")
        part = PartFile(path)
        try:
            part.lock(LOCK_WAIT_SECONDS)
        except Exception as exc:
            raise UploadBusy("another request is writing this upload; retry shortly") from exc
        self.part = part
        with unit_of_work(self.settings) as session:  # re-read under the lock
            recorded = load(session, self.upload_id, self.principal).offset
        if recorded != self.start:
            self.close()
            raise OffsetMismatch(f"Upload-Offset is {self.start}; the upload is at {recorded}")
        if part.size() < recorded:
            self.close()
            raise UploadGone("staged bytes were lost; start a new upload")
        part.truncate(recorded)  # drop any tail written but never acknowledged
        self.hasher = hashers.take(self.upload_id, recorded) or part.rehash(recorded)
        if self.checksum:
            from openbwv.ingest.tus import CHECKSUM_ALGORITHMS

            self.chunk_hasher = CHECKSUM_ALGORITHMS[self.checksum[0]]()

    @property
    def remaining(self) -> int:
        return self.length - self.start - self.received

    def write(self, chunks: list[bytes]) -> None:
        """Hash and write a block of the body, as received (sync; may run in a worker thread)."""
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

    def commit(self, *, interrupted: bool = False) -> int:
        """Make the received bytes durable and record the new offset; returns it."""
        assert self.part is not None
        if self.checksum is not None and (
            interrupted or self.chunk_hasher.digest() != self.checksum[1]
        ):
            self.rollback()
            if interrupted:
                return self.start
            raise ChecksumMismatch(f"the body does not match its {self.checksum[0]} checksum")
        self.part.sync()
        new_offset = self.start + self.received
        with unit_of_work(self.settings) as session:
            session.execute(
                update(Upload)
                .where(Upload.id == self.upload_id, Upload.offset == self.start)
                .values(
                    offset=new_offset,
                    expires_at=utcnow() + timedelta(hours=self.settings.upload_expiry_hours),
                    updated_at=utcnow(),
                )
            )
        hashers.put(self.upload_id, new_offset, self.hasher)
        return new_offset

    def finish(self) -> Finalised | None:
        """Finalise under this request's lock if the upload is now complete."""
        if self.start + self.received != self.length:
            return None
        return _finalise_locked(self.upload_id, self.part, self.principal, self.settings)

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


@dataclass(frozen=True)
class Finalised:
    state: str
    evidence_id: uuid.UUID | None
    error: str | None = None


def finalise(
    upload_id: uuid.UUID, principal: Principal, settings: Settings | None = None
) -> Finalised:
    """Turn a fully received upload into evidence, exactly once; safe to repeat after a crash."""
    settings = settings or get_settings()
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
    with unit_of_work(settings) as session:
        upload = session.get(Upload, upload_id)
        if upload is None:
            raise UploadNotFound("no such upload")
        if upload.state != UploadState.OPEN or upload.offset != upload.length:
            return Finalised(upload.state, upload.evidence_id, upload.error)
        digest, length, wanted = upload.sha256, upload.length, upload.upload_metadata.get("sha256")
    if digest is None:
        if part is None:
            raise UploadGone("the staged bytes of this upload are gone")
        hasher = hashers.take(upload_id, length) or part.rehash(length)
        digest = hasher.hexdigest()
        with unit_of_work(settings) as session:  # remember the digest before publishing
            session.execute(update(Upload).where(Upload.id == upload_id).values(sha256=digest))
    if wanted and wanted.lower() != digest:
        error = f"the file's SHA-256 is {digest}, not the {wanted.lower()} announced in metadata"
        with unit_of_work(settings) as session:
            session.execute(
                update(Upload)
                .where(Upload.id == upload_id)
                .values(state=UploadState.REJECTED, error=error, updated_at=utcnow())
            )
        if part is not None:
            part.path.unlink(missing_ok=True)
        hashers.drop(upload_id)
        return Finalised(UploadState.REJECTED, None, error)
    store = originals(settings)
    if part is not None:
        store.put_file(part.path, digest, consume=True, verify=False)  # hashed as it arrived
    elif not store.exists(digest):
        raise UploadGone("the staged bytes of this upload are gone")
    hashers.drop(upload_id)
    return _record_evidence(upload_id, digest, principal, settings)


def _record_evidence(
    upload_id: uuid.UUID, digest: str, principal: Principal, settings: Settings
) -> Finalised:
    with unit_of_work(settings) as session:
        upload = session.get(Upload, upload_id, with_for_update=True)
        assert upload is not None
        if upload.state != UploadState.OPEN:
            return Finalised(upload.state, upload.evidence_id, upload.error)
        info = meta.validate(upload.upload_metadata, settings.max_metadata_value_bytes)
        outcome = record_original(
            session,
            NewOriginal(
                sha256=digest,
                size_bytes=upload.length,
                media_type=meta.media_type_for(info),
                source=EvidenceSource.TUS,
                original_filename=info.filename,
                camera_serial=info.camera_serial,
                officer=info.officer,
                recorded_start=info.recorded_start,
                recorded_end=info.recorded_end,
                extra_metadata={**info.extra, "upload_id": str(upload_id)},
                ingested_by=upload.created_by,
                uploader_user_id=principal.user_id,
            ),
            Arrival(principal, "upload", str(upload_id)),
        )
        upload.state = UploadState.COMPLETE
        upload.evidence_id = outcome.item.id
        upload.sha256 = digest
        return Finalised(UploadState.COMPLETE, outcome.item.id)


def terminate(upload_id: uuid.UUID, principal: Principal, settings: Settings | None = None) -> None:
    settings = settings or get_settings()
    with unit_of_work(settings) as session:
        upload = load(session, upload_id, principal)
        if upload.state == UploadState.COMPLETE:
            raise UploadError("a completed upload is evidence and cannot be terminated")
        upload.state = UploadState.TERMINATED
        record(
            session, principal, "upload.terminate", target_type="upload", target_id=str(upload_id)
        )
    part_path(settings.resolved_upload_dir, upload_id).unlink(missing_ok=True)
    hashers.drop(upload_id)


def expire_uploads(settings: Settings | None = None, limit: int = 1000) -> int:
    settings = settings or get_settings()
    with unit_of_work(settings) as session:
        expired = list(
            session.scalars(
                select(Upload)
                .where(Upload.state == UploadState.OPEN, Upload.expires_at < utcnow())
                .limit(limit)
            )
        )
        for upload in expired:
            upload.state = UploadState.EXPIRED
        ids = [upload.id for upload in expired]
    for upload_id in ids:
        part_path(settings.resolved_upload_dir, upload_id).unlink(missing_ok=True)
        hashers.drop(upload_id)
    return len(ids)
