"""Evidence endpoints: list, detail, original, playback copy, thumbnail and strip; categories
and break glass.

Every read goes through the access policy and lands in the audit log, in the same transaction.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from openbwv.access.deps import require_principal
from openbwv.access.policy import roles
from openbwv.access.policy.queries import authorize_item, can_on_item, visible_clause
from openbwv.access.principal import Principal
from openbwv.api.context import Client
from openbwv.api.problems import Problem
from openbwv.api.ranges import Recheck
from openbwv.db.session import unit_of_work
from openbwv.evidence import queries, service, streams, thumbnails
from openbwv.evidence.errors import Disposed
from openbwv.evidence.models import DerivativeKind, EvidenceItem, EvidenceStatus
from openbwv.evidence.recordings.queries import ClipRef, visible_clips
from openbwv.evidence.schemas import (
    BreakGlassIn,
    CategoriesIn,
    EvidenceLinks,
    EvidenceOut,
    EvidencePage,
    RecordingOut,
)
from openbwv.timeutil import Timestamp

router = APIRouter(prefix="/api/v1/evidence", tags=["evidence"])
Authed = Annotated[Principal, Depends(require_principal)]


def load_for(
    client: Client,
    principal: Principal,
    evidence_id: str,
    permission: str,
    audit_action: str,
    details: dict[str, Any] | None = None,
) -> EvidenceItem:
    """The item, if the policy allows; the access is recorded in the same transaction."""
    with unit_of_work() as session:
        item = service.open_item(
            session,
            principal,
            evidence_id,
            client.ip,
            permission=permission,
            action=audit_action,
            details=details,
        )
        session.expunge(item)
    return item


def _bytes_of(item: EvidenceItem) -> EvidenceItem:
    """The item, if it still has bytes: a tombstone's original and derivatives are gone (410)."""
    if item.status == EvidenceStatus.DISPOSED:
        when = item.disposed_at.date().isoformat() if item.disposed_at else "earlier"
        raise Disposed(
            f"this item was disposed of on {when} under a retention rule: its bytes are gone, "
            "its record remains at its own address",
            disposed_at=item.disposed_at.isoformat() if item.disposed_at else None,
        )
    return item


def _recording(item: EvidenceItem, clips: dict[str, list[ClipRef]]) -> RecordingOut | None:
    visible = clips.get(item.recording_key or "", [])
    ids = [clip.id for clip in visible]
    if not item.recording_key or item.id not in ids:
        return None
    return RecordingOut(
        key=item.recording_key,
        clip=ids.index(item.id) + 1,
        clips=len(ids),
        clip_ids=ids,
        total_seconds=round(sum(clip.seconds for clip in visible), 3),
    )


def evidence_out(
    request: Request, item: EvidenceItem, clips: dict[str, list[ClipRef]] | None = None
) -> EvidenceOut:
    out = EvidenceOut.model_validate(item)
    out.recording = _recording(item, clips or {})
    base = str(request.url_for("get_evidence", evidence_id=str(item.id)))
    out.links = EvidenceLinks(
        self=base,
        original=f"{base}/original",
        playback=f"{base}/playback",
        thumbnail=f"{base}/thumbnail",
        strip=f"{base}/strip",
    )
    return out


@router.get("", response_model=EvidencePage, summary="List evidence, newest first")
def list_evidence(
    request: Request,
    client: Client,
    principal: Authed,
    camera: str | None = None,
    officer: str | None = None,
    sha256: Annotated[str | None, Query(pattern=r"^[0-9a-fA-F]{64}$")] = None,
    start: Timestamp | None = Query(None, description="occurred at or after (RFC 3339)"),
    end: Timestamp | None = Query(None, description="occurred before (RFC 3339)"),
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> EvidencePage:
    for name, value in (("start", start), ("end", end)):
        if value is not None and value.tzinfo is None:
            raise Problem(422, "Invalid request", f"{name} must carry a UTC offset")
    flt = queries.EvidenceFilter(camera, officer, sha256, start, end, status)
    base = queries.select_items().where(visible_clause(principal, roles.VIEW))
    with unit_of_work() as session:
        rows, next_cursor = queries.page(session, flt, limit=limit, cursor=cursor, base=base)
        keys = {item.recording_key for item in rows if item.recording_key}
        clips = visible_clips(session, principal, keys)
        items = [evidence_out(request, item, clips) for item in rows]
        details = {"filters": flt.as_details(), "returned": len(items)}
        service.record_search(session, principal, client.ip, details)
    return EvidencePage(items=items, limit=limit, next_cursor=next_cursor)


@router.get("/{evidence_id}", response_model=EvidenceOut, name="get_evidence")
def get_evidence(
    evidence_id: str, request: Request, client: Client, principal: Authed
) -> EvidenceOut:
    item = load_for(client, principal, evidence_id, roles.VIEW, "evidence.view")
    if not item.recording_key:
        return evidence_out(request, item)
    with unit_of_work() as session:  # read only: which of its recording's clips the caller sees
        clips = visible_clips(session, principal, [item.recording_key])
    return evidence_out(request, item, clips)


def still_allowed(principal: Principal, item: EvidenceItem, action: str) -> Recheck | None:
    """For an external principal, whose access ends when a share is revoked or expires: the
    check a stream repeats as it sends (one indexed query every few MB), so a revocation stops a
    download already under way. Internal access is settled when the request starts."""
    if not (principal.external or principal.scope == "shared"):
        return None

    def check() -> bool:
        with unit_of_work() as session:
            return can_on_item(session, principal, item.id, action)

    return check


def _range_details(request: Request) -> dict[str, Any]:
    return {"range": request.headers["range"]} if "range" in request.headers else {}


@router.get("/{evidence_id}/original", summary="Original bytes (ranges supported)")
@router.head("/{evidence_id}/original", include_in_schema=False)
def get_original(evidence_id: str, request: Request, client: Client, principal: Authed) -> Response:
    item = load_for(
        client,
        principal,
        evidence_id,
        roles.DOWNLOAD,
        "evidence.download",
        _range_details(request),
    )
    return streams.original_response(
        request, _bytes_of(item), still_allowed(principal, item, roles.DOWNLOAD)
    )


def _derivative_response(
    request: Request, item: EvidenceItem, kind: str, recheck: Recheck | None = None
) -> Response:
    return streams.derivative_response(request, _bytes_of(item), kind, recheck)


@router.get(
    "/{evidence_id}/playback", summary="Browser-playable copy (the original when it already plays)"
)
@router.head("/{evidence_id}/playback", include_in_schema=False)
def get_playback(evidence_id: str, request: Request, client: Client, principal: Authed) -> Response:
    item = load_for(
        client, principal, evidence_id, roles.PLAY, "evidence.play", _range_details(request)
    )
    return streams.playback_response(
        request, _bytes_of(item), still_allowed(principal, item, roles.PLAY)
    )


@router.get("/{evidence_id}/thumbnail", summary="Poster frame")
@router.head("/{evidence_id}/thumbnail", include_in_schema=False)
def get_thumbnail(
    evidence_id: str,
    request: Request,
    client: Client,
    principal: Authed,
    batch: Annotated[str | None, Query(max_length=64, include_in_schema=False)] = None,
    sig: Annotated[str | None, Query(max_length=64, include_in_schema=False)] = None,
) -> Response:
    if thumbnails.covered(principal, evidence_id, batch, sig):
        # The list page recorded this read in its batch: authorise, do not record it twice.
        with unit_of_work() as session:
            item = authorize_item(session, principal, evidence_id, roles.VIEW)
            session.expunge(item)
    else:
        item = load_for(client, principal, evidence_id, roles.VIEW, "evidence.thumbnail")
    return _derivative_response(request, item, DerivativeKind.POSTER)


@router.get("/{evidence_id}/strip", summary="Scrubbing strip")
@router.head("/{evidence_id}/strip", include_in_schema=False)
def get_strip(evidence_id: str, request: Request, client: Client, principal: Authed) -> Response:
    item = load_for(
        client, principal, evidence_id, roles.VIEW, "evidence.thumbnail", {"kind": "strip"}
    )
    return _derivative_response(request, item, DerivativeKind.STRIP)


@router.put("/{evidence_id}/categories", summary="Set the item's categories")
def set_categories(
    evidence_id: str, body: CategoriesIn, client: Client, principal: Authed
) -> dict[str, list[str]]:
    with unit_of_work() as session:
        item = authorize_item(session, principal, evidence_id, roles.CATEGORISE)
        wanted = service.categorise(session, principal, item, body.categories, client.ip)
    return {"categories": wanted}


@router.get("/{evidence_id}/categories", summary="The item's categories")
def get_categories(evidence_id: str, principal: Authed) -> dict[str, list[str]]:
    with unit_of_work() as session:
        item = authorize_item(session, principal, evidence_id, roles.VIEW)
        names = queries.categories_of(session, item)
    return {"categories": names}


@router.post(
    "/{evidence_id}/break-glass",
    status_code=201,
    summary="Open an item outside your scope, giving a reason (audited, reported)",
)
def break_glass(
    evidence_id: str, body: BreakGlassIn, client: Client, principal: Authed
) -> dict[str, str]:
    with unit_of_work() as session:
        opened = service.break_glass(session, principal, evidence_id, body.reason, client.ip)
    return {"evidence_id": str(opened.evidence_id), "expires_at": opened.expires_at.isoformat()}
