"""Notes, markers, tags and the title of an item, over the API (the pages do the same things
through `evidence.annotate`). Reading needs `evidence.view`, writing `evidence.edit`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from openbwv.access.deps import require_principal
from openbwv.access.http import client_ip
from openbwv.access.policy import roles
from openbwv.access.policy.queries import authorize_item
from openbwv.access.principal import Principal
from openbwv.api.problems import Problem
from openbwv.audit.events import record
from openbwv.db.session import unit_of_work
from openbwv.evidence import annotate, notes
from openbwv.evidence.markers import markers_for
from openbwv.evidence.notes import MAX_NOTE_CHARS, AnnotationError

router = APIRouter(prefix="/api/v1/evidence", tags=["evidence"])
Authed = Annotated[Principal, Depends(require_principal)]


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_NOTE_CHARS)


class NoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    author_name: str
    text: str
    created_at: datetime


class MarkerIn(BaseModel):
    label: str = Field(min_length=1, max_length=annotate.MAX_MARKER_LABEL)
    offset_seconds: float = Field(ge=0, le=7 * 24 * 3600)


class MarkerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    label: str
    offset_seconds: float | None
    end_offset_seconds: float | None
    at: datetime | None
    source: str
    created_at: datetime


class TagsIn(BaseModel):
    tags: list[str] = Field(max_length=notes.MAX_TAGS)


class TitleIn(BaseModel):
    title: str = Field(max_length=annotate.MAX_TITLE)


def _refused(exc: AnnotationError) -> Problem:
    return Problem(422, "Invalid request", str(exc))


def _read(request: Request, principal: Principal, evidence_id: str, part: str) -> uuid.UUID:
    with unit_of_work() as session:
        item = authorize_item(session, principal, evidence_id, roles.VIEW)
        record(
            session,
            principal,
            "evidence.view",
            evidence_id=item.id,
            source_ip=client_ip(request),
            details={"part": part},
        )
        return item.id


@router.get("/{evidence_id}/notes", response_model=list[NoteOut], summary="The item's notes")
def list_notes(evidence_id: str, request: Request, principal: Authed) -> list[NoteOut]:
    item_id = _read(request, principal, evidence_id, "notes")
    with unit_of_work() as session:
        return [NoteOut.model_validate(n) for n in notes.notes_for(session, item_id)]


@router.post(
    "/{evidence_id}/notes",
    response_model=NoteOut,
    status_code=201,
    summary="Add a note (notes are append-only: a correction is a new note)",
)
def add_note(evidence_id: str, body: NoteIn, request: Request, principal: Authed) -> NoteOut:
    with unit_of_work() as session:
        item = authorize_item(session, principal, evidence_id, roles.EDIT)
        try:
            note = annotate.add_note(session, principal, item, body.text, client_ip(request))
        except AnnotationError as exc:
            raise _refused(exc) from exc
        return NoteOut.model_validate(note)


@router.get("/{evidence_id}/markers", response_model=list[MarkerOut], summary="Markers")
def list_markers(evidence_id: str, request: Request, principal: Authed) -> list[MarkerOut]:
    item_id = _read(request, principal, evidence_id, "markers")
    with unit_of_work() as session:
        return [MarkerOut.model_validate(m) for m in markers_for(session, item_id)]


@router.post(
    "/{evidence_id}/markers", response_model=MarkerOut, status_code=201, summary="Add a marker"
)
def add_marker(evidence_id: str, body: MarkerIn, request: Request, principal: Authed) -> MarkerOut:
    with unit_of_work() as session:
        item = authorize_item(session, principal, evidence_id, roles.EDIT)
        try:
            marker = annotate.add_user_marker(
                session, principal, item, body.label, body.offset_seconds, client_ip(request)
            )
        except AnnotationError as exc:
            raise _refused(exc) from exc
        return MarkerOut.model_validate(marker)


@router.get("/{evidence_id}/tags", summary="The item's tags")
def get_tags(evidence_id: str, request: Request, principal: Authed) -> dict[str, list[str]]:
    item_id = _read(request, principal, evidence_id, "tags")
    with unit_of_work() as session:
        return {"tags": notes.tags_for(session, item_id)}


@router.put("/{evidence_id}/tags", summary="Replace the item's tags")
def put_tags(
    evidence_id: str, body: TagsIn, request: Request, principal: Authed
) -> dict[str, list[str]]:
    with unit_of_work() as session:
        item = authorize_item(session, principal, evidence_id, roles.EDIT)
        try:
            tags = annotate.set_tags(session, principal, item, body.tags, client_ip(request))
        except AnnotationError as exc:
            raise _refused(exc) from exc
    return {"tags": tags}


@router.put("/{evidence_id}/title", summary="Set the item's title (empty clears it)")
def put_title(
    evidence_id: str, body: TitleIn, request: Request, principal: Authed
) -> dict[str, str | None]:
    with unit_of_work() as session:
        item = authorize_item(session, principal, evidence_id, roles.EDIT)
        try:
            title = annotate.set_title(session, principal, item, body.title, client_ip(request))
        except AnnotationError as exc:
            raise _refused(exc) from exc
    return {"title": title}
