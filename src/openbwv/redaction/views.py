"""Redaction pages: an item's redactions (and starting a new one) at /evidence/{id}/redactions,
and the editor at /evidence/{id}/redactions/{rid} — the video with the tracks drawn over it, a
list of tracks with a thumbnail each, redact or keep (a reason required), boxes drawn by hand,
audio ranges on a waveform, the quick release (whole-frame blur, no audio), preview and render
with progress. The editor's script drives the same API (`/api/v1/evidence/{id}/redactions/…`),
so every change is authorised and audited by the same service."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from openbwv.api.context import Client
from openbwv.db.session import unit_of_work
from openbwv.errors import DomainError
from openbwv.redaction import presenters, queries, service
from openbwv.redaction.models import REASON_LABELS
from openbwv.redaction.schemas import StartIn
from openbwv.web.auth import Viewer
from openbwv.web.render import add_template_dir, render

router = APIRouter(include_in_schema=False)
add_template_dir(Path(__file__).parent / "templates")
Flag = Annotated[bool, Form()]


def _list_page(
    request: Request, viewer: Viewer, evidence_id: str, error: str | None = None, status: int = 200
) -> Response:
    with unit_of_work() as session:
        item = service.authorise(session, viewer, evidence_id)
        rows = [presenters.redaction_out(r) for r in queries.redactions_of(session, item.id)]
        context = {"item": item, "redactions": rows, "error": error, "title": "Redactions"}
        return render(request, "redaction/list.html", context, status_code=status)


@router.get("/evidence/{evidence_id}/redactions")
def redactions_page(request: Request, evidence_id: str, viewer: Viewer) -> Response:
    return _list_page(request, viewer, evidence_id)


@router.post("/evidence/{evidence_id}/redactions")
def start_redaction(
    request: Request,
    evidence_id: str,
    viewer: Viewer,
    client: Client,
    faces: Flag = False,
    plates: Flag = False,
) -> Response:
    try:
        with unit_of_work() as session:
            started = service.start(
                session, viewer, evidence_id, StartIn(faces=faces, plates=plates), client.ip
            )
            target = f"/evidence/{started.evidence_id}/redactions/{started.id}"
    except DomainError as exc:
        return _list_page(request, viewer, evidence_id, exc.detail, exc.status)
    return RedirectResponse(target, status_code=303)


@router.get("/evidence/{evidence_id}/redactions/{redaction_id}")
def editor_page(request: Request, evidence_id: str, redaction_id: str, viewer: Viewer) -> Response:
    with unit_of_work() as session:
        redaction = service.open_redaction(session, viewer, evidence_id, redaction_id)
        context = {
            "title": f"Redaction v{redaction.version}",
            "redaction": presenters.redaction_out(redaction),
            "api": presenters.base_url(redaction),
            "reasons": [(str(k), v) for k, v in REASON_LABELS.items()],
        }
        return render(request, "redaction/editor.html", context)
