"""Notes, markers, tags and the title of an item, over the API (the pages do the same things
through the same service). Reading needs `evidence.view`, writing `evidence.edit`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from openbwv.access.deps import require_principal
from openbwv.access.policy import roles
from openbwv.access.policy.queries import authorize_item
from openbwv.access.principal import Principal
from openbwv.api.context import Client
from openbwv.db.session import unit_of_work
from openbwv.evidence import service as evidence
from openbwv.evidence.annotations import queries, service
from openbwv.evidence.annotations.schemas import (
    MarkerIn,
    MarkerOut,
    NoteIn,
    NoteOut,
    TagsIn,
    TitleIn,
)

router = APIRouter(prefix="/api/v1/evidence", tags=["evidence"])
Authed = Annotated[Principal, Depends(require_principal)]


@router.get("/{evidence_id}/notes", response_model=list[NoteOut], summary="The item's notes")
def list_notes(evidence_id: str, client: Client, principal: Authed) -> list[NoteOut]:
    with unit_of_work() as session:
        item = evidence.open_item(
            session, principal, evidence_id, client.ip, details={"part": "notes"}
        )
        return [NoteOut.model_validate(n) for n in queries.notes_for(session, item.id)]


@router.post(
    "/{evidence_id}/notes",
    response_model=NoteOut,
    status_code=201,
    summary="Add a note (notes are append-only: a correction is a new note)",
)
def add_note(evidence_id: str, body: NoteIn, client: Client, principal: Authed) -> NoteOut:
    with unit_of_work() as session:
        item = authorize_item(session, principal, evidence_id, roles.EDIT)
        note = service.add_note(session, principal, item, body.text, client.ip)
        return NoteOut.model_validate(note)


@router.get("/{evidence_id}/markers", response_model=list[MarkerOut], summary="Markers")
def list_markers(evidence_id: str, client: Client, principal: Authed) -> list[MarkerOut]:
    with unit_of_work() as session:
        item = evidence.open_item(
            session, principal, evidence_id, client.ip, details={"part": "markers"}
        )
        return [MarkerOut.model_validate(m) for m in queries.markers_for(session, item.id)]


@router.post(
    "/{evidence_id}/markers", response_model=MarkerOut, status_code=201, summary="Add a marker"
)
def add_marker(evidence_id: str, body: MarkerIn, client: Client, principal: Authed) -> MarkerOut:
    with unit_of_work() as session:
        item = authorize_item(session, principal, evidence_id, roles.EDIT)
        marker = service.add_user_marker(
            session, principal, item, body.label, body.offset_seconds, client.ip
        )
        return MarkerOut.model_validate(marker)


@router.get("/{evidence_id}/tags", summary="The item's tags")
def get_tags(evidence_id: str, client: Client, principal: Authed) -> dict[str, list[str]]:
    with unit_of_work() as session:
        item = evidence.open_item(
            session, principal, evidence_id, client.ip, details={"part": "tags"}
        )
        return {"tags": queries.tags_for(session, item.id)}


@router.put("/{evidence_id}/tags", summary="Replace the item's tags")
def put_tags(
    evidence_id: str, body: TagsIn, client: Client, principal: Authed
) -> dict[str, list[str]]:
    with unit_of_work() as session:
        item = authorize_item(session, principal, evidence_id, roles.EDIT)
        tags = service.set_tags(session, principal, item, body.tags, client.ip)
    return {"tags": tags}


@router.put("/{evidence_id}/title", summary="Set the item's title (empty clears it)")
def put_title(
    evidence_id: str, body: TitleIn, client: Client, principal: Authed
) -> dict[str, str | None]:
    with unit_of_work() as session:
        item = authorize_item(session, principal, evidence_id, roles.EDIT)
        title = service.set_title(session, principal, item, body.title, client.ip)
    return {"title": title}
