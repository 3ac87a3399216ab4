"""Uploads from the browser (/upload): files go to the tus endpoint (/api/v1/uploads/) through the
vendored tus-js-client (`static/js/upload.js`), resumable across dropped connections and page
reloads; this page lists the user's recent uploads and, with htmx polling, their processing.

A user sees only their own uploads (made in the browser or with their API tokens). An upload's
evidence item is shown (status, link) only when the access policy lets the user see it:
identical bytes uploaded earlier by someone else become that person's item, and must not be
revealed through this list.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from openbwv.access.policy import roles
from openbwv.access.policy.queries import require
from openbwv.access.principal import Principal
from openbwv.config import get_settings
from openbwv.db.session import read_only_unit_of_work
from openbwv.evidence.models import EvidenceStatus
from openbwv.ingest.models import UploadState
from openbwv.ingest.queries import recent_uploads
from openbwv.web.auth import Viewer
from openbwv.web.render import add_template_dir, render

router = APIRouter(include_in_schema=False)
add_template_dir(Path(__file__).parent / "templates")
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


def _recent_context(principal: Principal) -> dict[str, object]:
    with read_only_unit_of_work() as session:
        rows = recent_uploads(session, principal)
    return {
        "uploads": rows,
        "polling": any(r.evidence_status == EvidenceStatus.PROCESSING for r in rows),
        "state_labels": STATE_LABELS,
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
