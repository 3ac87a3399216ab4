"""Evidence endpoints: list, detail, original, playback copy, thumbnail and strip; categories
and break glass.

Every read goes through the access policy and lands in the audit log before its data leaves:
the reads run in a read-only transaction (no write lock, so many run at once), and the read's
audit event is then made durable in a group commit (`db.group_commit`) shared with the reads
arriving at the same moment; the response is built only once that commit succeeded.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.datastructures import URLPath

from openbwv.access.deps import require_principal
from openbwv.access.policy import roles
from openbwv.access.policy.queries import authorize_item, can_on_item, visible_clause
from openbwv.access.principal import Principal
from openbwv.api.context import Client
from openbwv.api.problems import Problem
from openbwv.api.ranges import Recheck
from openbwv.db import group_commit
from openbwv.db.session import read_only_unit_of_work, unit_of_work
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
    """The item, if the policy allows; returned once the access is recorded (durably)."""
    with read_only_unit_of_work() as session:
        item = authorize_item(session, principal, evidence_id, permission)
        session.expunge(item)
    record_read(client, principal, audit_action, item.id, details)
    return item


def record_read(
    client: Client,
    principal: Principal,
    action: str,
    evidence_id: uuid.UUID,
    details: dict[str, Any] | None = None,
) -> None:
    """The read's audit event, committed (with any others arriving now) before this returns."""
    group_commit.submit(
        lambda session: service.record_access(
            session, principal, evidence_id, client.ip, action=action, details=details
        )
    )


def record_search(client: Client, principal: Principal, details: dict[str, Any]) -> None:
    """A list or search's audit event, committed before this returns (as `record_read`)."""
    group_commit.submit(
        lambda session: service.record_search(session, principal, client.ip, details)
    )


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


_MARKER = "00000000-0000-0000-0000-000000000000"


def _item_path(request: Request) -> URLPath:
    """The item route's path, kept by the application that serves it: its routes are fixed once
    it runs, and finding one walks every route (Starlette's `url_path_for`, a tenth of a list)."""
    state = request.app.state
    path: URLPath | None = getattr(state, "evidence_item_path", None)
    if path is None:
        path = request.app.url_path_for("get_evidence", evidence_id=_MARKER)
        state.evidence_item_path = path
    return path


def item_urls(request: Request) -> Callable[[EvidenceItem], str]:
    """An item's address, from the route's once per request (Starlette's `url_for` walks every
    route of the application: once per item of a page was a sixth of a list's time)."""
    template = str(_item_path(request).make_absolute_url(base_url=request.base_url))
    return lambda item: template.replace(_MARKER, str(item.id))


def evidence_out(
    request: Request,
    item: EvidenceItem,
    clips: dict[str, list[ClipRef]] | None = None,
    url_of: Callable[[EvidenceItem], str] | None = None,
) -> EvidenceOut:
    out = EvidenceOut.model_validate(item)
    out.recording = _recording(item, clips or {})
    base = (url_of or item_urls(request))(item)
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
    with read_only_unit_of_work() as session:
        rows, next_cursor = queries.page(session, flt, limit=limit, cursor=cursor, base=base)
        keys = {item.recording_key for item in rows if item.recording_key}
        clips = visible_clips(session, principal, keys)
        url_of = item_urls(request)
        items = [evidence_out(request, item, clips, url_of) for item in rows]
    record_search(client, principal, {"filters": flt.as_details(), "returned": len(items)})
    return EvidencePage(items=items, limit=limit, next_cursor=next_cursor)


@router.get("/{evidence_id}", response_model=EvidenceOut, name="get_evidence")
def get_evidence(
    evidence_id: str, request: Request, client: Client, principal: Authed
) -> EvidenceOut:
    with read_only_unit_of_work() as session:
        item = authorize_item(session, principal, evidence_id, roles.VIEW)
        keys = [item.recording_key] if item.recording_key else []
        clips = visible_clips(session, principal, keys)  # which of its recording's clips
        out = evidence_out(request, item, clips)
    record_read(client, principal, "evidence.view", out.id)
    return out


def still_allowed(principal: Principal, item: EvidenceItem, action: str) -> Recheck | None:
    """For an external principal, whose access ends when a share is revoked or expires: the
    check a stream repeats as it sends (one indexed query every few MB), so a revocation stops a
    download already under way. Internal access is settled when the request starts."""
    if not (principal.external or principal.scope == "shared"):
        return None

    def check() -> bool:
        with read_only_unit_of_work() as session:
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
        with read_only_unit_of_work() as session:
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
    with read_only_unit_of_work() as session:
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
