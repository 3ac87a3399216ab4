"""Every write to uploads and every rule about them: creating one (authorised, recorded), moving
its offset, rejecting it, turning it into evidence, terminating and expiring it. Each function
works in the caller's transaction and never commits; `ingest.transfer` decides where the short
transactions of a request begin and end."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from openbwv.access.policy import roles
from openbwv.access.policy.queries import can_on_item, require
from openbwv.access.principal import Principal
from openbwv.audit.events import record
from openbwv.config import Settings
from openbwv.evidence.annotations.service import add_note
from openbwv.evidence.models import EvidenceItem, EvidenceSource
from openbwv.evidence.recording_keys import upload_key
from openbwv.evidence.service import Arrival, NewOriginal, record_original
from openbwv.ingest import metadata as meta
from openbwv.ingest.errors import UploadError, UploadTooLarge
from openbwv.ingest.models import Upload, UploadState
from openbwv.ingest.queries import expired_open_uploads, upload_by_id, upload_for
from openbwv.timeutil import isoformat_z, utcnow


@dataclass(frozen=True)
class Finalised:
    """How an upload ended: its state, its item, and whether the uploader may see that item
    (identical bytes held as someone else's evidence must not reveal it)."""

    state: str
    evidence_id: uuid.UUID | None
    error: str | None = None
    visible: bool = False
    held_since: datetime | None = None  # identical bytes were already this (visible) item


def create_upload(
    session: Session,
    *,
    length: int,
    raw_metadata: str | None,
    parsed_metadata: dict[str, str | None],
    principal: Principal,
    settings: Settings,
) -> Upload:
    require(principal, roles.UPLOAD)
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
        expires_at=_expiry(settings),
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
    return upload


def _expiry(settings: Settings) -> datetime:
    return utcnow() + timedelta(hours=settings.upload_expiry_hours)


def record_offset(
    session: Session,
    upload_id: uuid.UUID,
    *,
    start: int,
    offset: int,
    settings: Settings,
    digest: str | None = None,
    rejection: str | None = None,
) -> datetime:
    """Move the durable offset from `start` (the bytes are already fsynced) and push the expiry
    back; with the whole file's digest once it is complete, and its rejection if the digest is
    not the one announced. Returns the new expiry."""
    expires_at = _expiry(settings)
    values: dict[str, Any] = {"offset": offset, "expires_at": expires_at, "updated_at": utcnow()}
    if digest is not None:
        values["sha256"] = digest
    if rejection is not None:
        values.update(state=UploadState.REJECTED, error=rejection)
    session.execute(
        update(Upload).where(Upload.id == upload_id, Upload.offset == start).values(**values)
    )
    return expires_at


def rejection_for(wanted: str | None, digest: str) -> str | None:
    """Why a complete upload is refused: its bytes are not the ones its metadata announced."""
    if wanted and wanted.lower() != digest:
        return f"the file's SHA-256 is {digest}, not the {wanted.lower()} announced in metadata"
    return None


def record_evidence(
    session: Session, upload_id: uuid.UUID, digest: str, principal: Principal, settings: Settings
) -> Finalised:
    """Make the stored bytes of a complete upload evidence, exactly once."""
    upload = upload_by_id(session, upload_id, for_update=True)
    held_since = None
    if upload.state == UploadState.OPEN:
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
                recording_key=upload_key(info.camera_serial, info.extra.get("recording")),
                ingested_by=upload.created_by,
                uploader_user_id=principal.user_id,
            ),
            Arrival(principal, "upload", str(upload_id)),
        )
        if not outcome.created:
            _record_resubmission(session, principal, outcome.item, upload, info)
            held_since = outcome.item.ingested_at
        upload.state = UploadState.COMPLETE
        upload.evidence_id = outcome.item.id
        upload.sha256 = digest
    visible = upload.evidence_id is not None and can_on_item(
        session, principal, upload.evidence_id, roles.VIEW
    )
    return Finalised(
        upload.state, upload.evidence_id, upload.error, visible, held_since if visible else None
    )


def _record_resubmission(
    session: Session,
    principal: Principal,
    item: EvidenceItem,
    upload: Upload,
    info: meta.UploadMetadata,
) -> None:
    """Identical bytes are one item; what the second sender said about them is kept on it (as
    a note anyone who may see the item reads, and in the audit log), never silently dropped."""
    said = {
        "file name": info.filename,
        "camera": info.camera_serial,
        "officer": info.officer,
        "recorded from": isoformat_z(info.recorded_start) if info.recorded_start else None,
        "recorded to": isoformat_z(info.recorded_end) if info.recorded_end else None,
    }
    given = "; ".join(f"{name} {value}" for name, value in said.items() if value)
    add_note(
        session,
        principal,
        item,
        f"The same file was submitted again (upload {upload.id})"
        + (f" with: {given}." if given else ", with no details.")
        + " The item keeps the details it first arrived with.",
        None,
    )
    record(
        session,
        principal,
        "evidence.resubmitted",
        evidence_id=item.id,
        target_type="upload",
        target_id=str(upload.id),
        details={key: value for key, value in said.items() if value},
    )


def terminate(session: Session, upload_id: uuid.UUID, principal: Principal) -> None:
    upload = upload_for(session, upload_id, principal)
    if upload.state == UploadState.COMPLETE:
        raise UploadError("a completed upload is evidence and cannot be terminated")
    upload.state = UploadState.TERMINATED
    record(session, principal, "upload.terminate", target_type="upload", target_id=str(upload_id))


def expire(session: Session, limit: int) -> list[uuid.UUID]:
    """Mark open uploads past their expiry expired; returns their ids (their bytes go next)."""
    expired = expired_open_uploads(session, limit)
    for upload in expired:
        upload.state = UploadState.EXPIRED
    return [upload.id for upload in expired]
