"""Uploads from the browser (/upload): files go to the tus endpoint (/api/v1/uploads/) through the
vendored tus-js-client (`static/js/upload.js`), resumable across dropped connections and page
reloads; this page lists the user's recent uploads and, with htmx polling, their processing.

A user sees only their own uploads (made in the browser or with their API tokens). An upload's
evidence item is shown (status, link) only when the access policy lets the user see it:
identical bytes uploaded earlier by someone else become that person's item, and must not be
revealed through this list.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from openbwv.access.models import ApiToken
from openbwv.access.policy import roles
from openbwv.access.policy.queries import require, visible_clause
from openbwv.access.principal import Principal
from openbwv.config import get_settings
from openbwv.db.session import unit_of_work
from openbwv.evidence.models import EvidenceItem, EvidenceStatus
from openbwv.ingest.models import Upload, UploadState
from openbwv.web.auth import Viewer
from openbwv.web.render import add_template_dir, render

router = APIRouter(include_in_schema=False)
add_template_dir(Path(__file__).parent / "templates")
RECENT = 20
CHUNK_BYTES = 4 * 1024 * 1024  # per PATCH: the most a dropped connection costs to resend
STATE_LABELS = {
    UploadState.OPEN: "Not finished",
    UploadState.COMPLETE: "Received",
    UploadState.REJECTED: "Rejected",
    UploadState.TERMINATED: "Cancelled",
    UploadState.EXPIRED: "Expired",
}
EVIDENCE_LABELS = {
    EvidenceStatus.PROCESSING: "Processing",
    EvidenceStatus.READY: "Ready to play",
    EvidenceStatus.UNREADABLE: "Kept, but not playable",
    EvidenceStatus.FAILED: "Processing failed (the original is safe)",
}


@dataclass(frozen=True)
class RecentUpload:
    id: uuid.UUID
    filename: str
    camera_serial: str | None
    length: int
    offset: int
    state: str
    state_label: str
    created_at: datetime
    error: str | None
    evidence_id: uuid.UUID | None  # only when the user may see the item
    evidence_status: str | None

    @property
    def percent(self) -> int:
        return 100 if self.length == 0 else 100 * self.offset // self.length

    @property
    def processing(self) -> bool:
        return self.evidence_status == EvidenceStatus.PROCESSING


def _mine(principal: Principal) -> ColumnElement[bool]:
    """Uploads made by this principal; for a person, also those made with their API tokens
    (a token acts as its own principal, so its uploads carry the token's id)."""
    if principal.user_id is None:
        return Upload.created_by == principal.id
    tokens = select(ApiToken.id).where(ApiToken.user_id == principal.user_id)
    return or_(Upload.created_by == principal.user_id, Upload.created_by.in_(tokens))


def recent_uploads(session: Session, principal: Principal) -> list[RecentUpload]:
    uploads = list(
        session.scalars(
            select(Upload).where(_mine(principal)).order_by(Upload.created_at.desc()).limit(RECENT)
        )
    )
    ids = [u.evidence_id for u in uploads if u.evidence_id]
    visible: dict[uuid.UUID, str] = {}
    if ids:
        visible = dict(
            session.execute(
                select(EvidenceItem.id, EvidenceItem.status).where(
                    EvidenceItem.id.in_(ids), visible_clause(principal, roles.VIEW)
                )
            ).all()
        )
    rows = []
    for u in uploads:
        meta = u.upload_metadata or {}
        shown = u.evidence_id if u.evidence_id in visible else None
        rows.append(
            RecentUpload(
                id=u.id,
                filename=str(meta.get("filename") or "(no file name)"),
                camera_serial=meta.get("camera_serial"),
                length=u.length,
                offset=u.offset,
                state=u.state,
                state_label=STATE_LABELS.get(UploadState(u.state), u.state),
                created_at=u.created_at,
                error=u.error,
                evidence_id=shown,
                evidence_status=visible.get(shown) if shown else None,
            )
        )
    return rows


def _recent_context(principal: Principal) -> dict[str, object]:
    with unit_of_work() as session:
        rows = recent_uploads(session, principal)
    return {
        "uploads": rows,
        "polling": any(r.processing for r in rows),
        "evidence_labels": EVIDENCE_LABELS,
    }


@router.get("/upload")
def upload_page(request: Request, principal: Viewer) -> Response:
    require(principal, roles.UPLOAD)
    settings = get_settings()
    context = {
        "title": "Upload footage",
        "max_bytes": settings.max_upload_bytes,
        "expiry_hours": settings.upload_expiry_hours,
        "chunk_size": CHUNK_BYTES,
        **_recent_context(principal),
    }
    return render(request, "ingest/upload.html", context)


@router.get("/upload/recent")
def recent_fragment(request: Request, principal: Viewer) -> Response:
    """The recent-uploads list alone, for htmx to poll while items are processing."""
    require(principal, roles.UPLOAD)
    return render(request, "ingest/_recent.html", _recent_context(principal))
