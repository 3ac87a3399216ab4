"""Every read of uploads: one upload as its uploader may see it, a person's recent uploads, and
the open uploads past their expiry."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from openbwv.access.principal import Principal
from openbwv.access.signin.queries import token_ids_of
from openbwv.evidence.queries import visible_statuses
from openbwv.ingest.errors import UploadGone, UploadNotFound
from openbwv.ingest.models import Upload, UploadState
from openbwv.timeutil import utcnow

RECENT = 20


def upload_for(
    session: Session, upload_id: uuid.UUID, principal: Principal, *, for_update: bool = False
) -> Upload:
    """The upload, if `principal` made it and it can still take bytes or be read; someone else's
    upload answers as if it did not exist."""
    upload = session.get(Upload, upload_id, with_for_update=for_update)
    if upload is None or (upload.created_by != principal.id and principal.kind != "system"):
        raise UploadNotFound("no such upload")
    if upload.state in (UploadState.TERMINATED, UploadState.EXPIRED):
        raise UploadGone(f"the upload was {upload.state}")
    if upload.state == UploadState.REJECTED:
        raise UploadGone(f"the upload was rejected: {upload.error}")
    if upload.state == UploadState.OPEN and upload.expires_at < utcnow():
        raise UploadGone("the upload expired")
    return upload


def upload_by_id(session: Session, upload_id: uuid.UUID, *, for_update: bool = False) -> Upload:
    """The upload whatever its state (finalising and recovery, which check the state themselves)."""
    upload = session.get(Upload, upload_id, with_for_update=for_update)
    if upload is None:
        raise UploadNotFound("no such upload")
    return upload


def expired_open_uploads(session: Session, limit: int) -> list[Upload]:
    query = (
        select(Upload)
        .where(Upload.state == UploadState.OPEN, Upload.expires_at < utcnow())
        .limit(limit)
    )
    return list(session.scalars(query))


@dataclass(frozen=True)
class RecentUpload:
    id: uuid.UUID
    filename: str
    camera_serial: str | None
    length: int
    offset: int
    state: str
    created_at: datetime
    error: str | None
    evidence_id: uuid.UUID | None  # only when the user may see the item
    evidence_status: str | None

    @property
    def percent(self) -> int:
        return 100 if self.length == 0 else 100 * self.offset // self.length


def _mine(principal: Principal) -> ColumnElement[bool]:
    """Uploads made by this principal; for a person, also those made with their API tokens."""
    if principal.user_id is None:
        return Upload.created_by == principal.id
    return or_(
        Upload.created_by == principal.user_id,
        Upload.created_by.in_(token_ids_of(principal.user_id)),
    )


def recent_uploads(session: Session, principal: Principal) -> list[RecentUpload]:
    """The principal's newest uploads; each one's item only where the policy lets them see it:
    identical bytes uploaded earlier by someone else are that person's item."""
    uploads = list(
        session.scalars(
            select(Upload).where(_mine(principal)).order_by(Upload.created_at.desc()).limit(RECENT)
        )
    )
    visible = visible_statuses(
        session, principal, (u.evidence_id for u in uploads if u.evidence_id)
    )
    rows = []
    for upload in uploads:
        meta = upload.upload_metadata or {}
        shown = upload.evidence_id if upload.evidence_id in visible else None
        rows.append(
            RecentUpload(
                id=upload.id,
                filename=str(meta.get("filename") or "(no file name)"),
                camera_serial=meta.get("camera_serial"),
                length=upload.length,
                offset=upload.offset,
                state=upload.state,
                created_at=upload.created_at,
                error=upload.error,
                evidence_id=shown,
                evidence_status=visible.get(shown) if shown else None,
            )
        )
    return rows
