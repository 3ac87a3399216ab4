"""Sharing endpoints: shares of a case (make, list, extend, revoke), what was opened (receipts),
the recipient's own shares, receipt and expiry warnings, the do-not-disclose flag, the case's
disclosure schedule (MG6C, MG6D) and the recipient organisations."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.orm import Session

from openbwv.access.admin.queries import find_user
from openbwv.access.deps import require_principal, requires_any
from openbwv.access.policy import roles
from openbwv.access.policy.queries import require
from openbwv.access.principal import Principal
from openbwv.api.context import Client
from openbwv.cases import queries as cases
from openbwv.config import get_settings
from openbwv.db.session import unit_of_work
from openbwv.sharing import documents, downloads, queries, service
from openbwv.sharing.errors import NoSuchShare
from openbwv.sharing.models import Share
from openbwv.sharing.packages.api import package_response
from openbwv.sharing.packages.contents import Copies
from openbwv.sharing.schemas import (
    DecisionIn,
    ExtendIn,
    FlagIn,
    MemberIn,
    OrganisationIn,
    OrganisationOut,
    ReceiptOut,
    RevokeIn,
    ScheduleRow,
    ShareIn,
    ShareMade,
    ShareOut,
    Warning,
)
from openbwv.timeutil import utcnow

router = APIRouter(prefix="/api/v1", tags=["sharing"])
Authed = Annotated[Principal, Depends(require_principal)]
# Sharers: refused before the body is validated, so a refused caller learns nothing from it.
Sharer = Annotated[Principal, Depends(requires_any(roles.SHARE))]
PDF = "application/pdf"


def share_out(session: Session, share: Share) -> ShareOut:
    return ShareOut(
        id=share.id,
        case_id=share.case_id,
        recipient=share.label,
        recipient_kind=share.recipient_kind,
        download=share.allow_download,
        reason=share.reason,
        include_later=share.include_later,
        created_by=share.created_by_name,
        created_at=share.created_at,
        expires_at=share.expires_at,
        revoked_at=share.revoked_at,
        status=queries.status_of(share),
        items=queries.share_item_ids(session, share),
        max_downloads=share.max_downloads,
        downloads=share.downloads,
    )


def link_url(request: Request, secret: str) -> str:
    return str(request.base_url).rstrip("/") + f"/s/{secret}"


def request_from(session: Session, case_id: str, body: ShareIn) -> service.ShareRequest:
    if body.username:
        user = find_user(session, body.username)
        recipient = service.recipient_for(
            session, user=(user.id, user.display_name, user.kind == "external")
        )
    else:
        recipient = service.recipient_for(
            session, organisation=body.organisation, link_label=body.link_label
        )
    return service.ShareRequest(
        case_id=case_id,
        recipient=recipient,
        reason=body.reason,
        allow_download=body.download,
        evidence_ids=[str(i) for i in body.evidence_ids] if body.evidence_ids is not None else None,
        include_later=body.include_later,
        days=body.days,
        expires_at=body.expires_at,
        passphrase=body.passphrase,
        max_downloads=body.max_downloads,
    )


@router.post("/cases/{case_id}/shares", response_model=ShareMade, status_code=201)
def create_share(
    case_id: str, body: ShareIn, request: Request, client: Client, principal: Sharer
) -> ShareMade:
    """Share the case's items (or those chosen) with an external user, an organisation, or
    whoever holds a link. A link's URL and passphrase are in this answer only."""
    with unit_of_work() as session:
        require(principal, roles.SHARE)
        made = service.create_share(
            session, principal, request_from(session, case_id, body), client.ip
        )
        out = share_out(session, made.share).model_dump()
        return ShareMade(
            **out,
            link=link_url(request, made.link_secret) if made.link_secret else None,
            passphrase=made.passphrase,
            withheld=made.withheld,
        )


def _sharer_case(session: Session, principal: Principal, case_id: str) -> uuid.UUID:
    require(principal, roles.SHARE)
    return cases.get_visible(session, principal, case_id).id


@router.get("/cases/{case_id}/shares", response_model=list[ShareOut])
def case_shares(case_id: str, principal: Sharer) -> list[ShareOut]:
    with unit_of_work() as session:
        found = _sharer_case(session, principal, case_id)
        return [share_out(session, s) for s in queries.shares_of_case(session, found)]


@router.get("/cases/{case_id}/receipts", response_model=list[ReceiptOut])
def case_receipts(case_id: str, principal: Sharer) -> list[ReceiptOut]:
    """What each recipient viewed, played and downloaded, newest first."""
    with unit_of_work() as session:
        found = _sharer_case(session, principal, case_id)
        shares = queries.shares_of_case(session, found)
        return [
            ReceiptOut(
                share_id=r.share.id,
                recipient=r.share.label,
                actor=r.event.actor_name,
                action=r.event.action,
                evidence_id=r.event.evidence_id,
                at=r.event.occurred_at,
            )
            for r in queries.receipts(session, shares)
        ]


@router.post("/shares/{share_id}/revoke", response_model=ShareOut)
def revoke(share_id: str, body: RevokeIn, client: Client, principal: Sharer) -> ShareOut:
    with unit_of_work() as session:
        share = service.revoke_share(session, principal, share_id, body.reason, client.ip)
        return share_out(session, share)


@router.post("/shares/{share_id}/extend", response_model=ShareOut)
def extend(share_id: str, body: ExtendIn, client: Client, principal: Sharer) -> ShareOut:
    with unit_of_work() as session:
        share = service.extend_share(session, principal, share_id, body.expires_at, client.ip)
        return share_out(session, share)


@router.get("/shares", response_model=list[ShareOut])
def my_shares(principal: Authed) -> list[ShareOut]:
    """A recipient's active shares; a sharer's active shares made."""
    with unit_of_work() as session:
        if principal.external:
            found = queries.shares_for(session, principal)
        else:
            found = queries.shares_made_by(session, principal)
        return [share_out(session, s) for s in found]


@router.get("/shares/warnings", response_model=list[Warning])
def warnings(principal: Authed) -> list[Warning]:
    """Shares made by or given to the caller that end within BWV_SHARE_WARNING_DAYS."""
    with unit_of_work() as session:
        found = queries.expiring(session, principal, get_settings().share_warning_days)
        now = utcnow()
        return [
            Warning(
                share_id=s.id,
                case_id=s.case_id,
                recipient=s.label,
                expires_at=s.expires_at,
                days_left=max(0, (s.expires_at - now).days),
                you_are="sharer" if s.created_by == principal.id else "recipient",
            )
            for s in found
        ]


def recipient_share(session: Session, principal: Principal, share_id: str) -> Share:
    """A share of the caller's (as recipient), or one a sharer may see; 404 alike otherwise."""
    share = queries.find_share(session, share_id)
    if share is None:
        raise NoSuchShare("no such share")
    if principal.external:
        if share.id not in {
            s.id for s in queries.shares_for(session, principal, only_active=False)
        }:
            raise NoSuchShare("no such share")
        return share
    if (
        not principal.can(roles.SHARE)
        or cases.find_visible(session, principal, str(share.case_id)) is None
    ):
        raise NoSuchShare("no such share")
    return share


@router.get("/shares/{share_id}/receipt", summary="Receipt of what was given (JSON or PDF)")
def receipt(share_id: str, principal: Authed, format: Literal["json", "pdf"] = "json") -> Response:
    with unit_of_work() as session:
        share = recipient_share(session, principal, share_id)
        doc = queries.receipt_doc(session, principal, share)
    if format == "pdf":
        return Response(
            documents.receipt_pdf(doc), media_type=PDF, headers=_attachment(share, "pdf")
        )
    return Response(
        documents.receipt_json(doc),
        media_type="application/json",
        headers=_attachment(share, "json"),
    )


@router.get(
    "/shares/{share_id}/package",
    summary="The evidence package of what the share gives (a ZIP, streamed)",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/zip": {}}}},
)
def share_package(
    share_id: str, client: Client, principal: Authed, copies: Copies = "both"
) -> StreamingResponse:
    """For the share's recipient, when it allows downloading: its items, their custody and the
    offline verifiers (docs/packages.md). 410 once the share has ended; a revocation stops a
    package already streaming at its next check."""
    stream = downloads.recipient_package(principal, share_id, copies, client.ip)
    return package_response(stream, downloads.until_ended(stream))


def _attachment(share: Share, ext: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="receipt-{share.id}.{ext}"'}


@router.put("/evidence/{evidence_id}/do-not-disclose", status_code=204)
def flag(evidence_id: str, body: FlagIn, client: Client, principal: Authed) -> None:
    with unit_of_work() as session:
        service.flag_do_not_disclose(session, principal, evidence_id, body.reason, client.ip)


@router.delete("/evidence/{evidence_id}/do-not-disclose", status_code=204)
def unflag(evidence_id: str, client: Client, principal: Authed) -> None:
    with unit_of_work() as session:
        service.clear_do_not_disclose(session, principal, evidence_id, "", client.ip)


@router.put("/cases/{case_id}/disclosure/{evidence_id}", status_code=204)
def decide(
    case_id: str, evidence_id: str, body: DecisionIn, client: Client, principal: Sharer
) -> None:
    with unit_of_work() as session:
        service.decide(session, principal, case_id, evidence_id, body.state, body.reason, client.ip)


@router.get("/cases/{case_id}/disclosure", response_model=list[ScheduleRow])
def schedule(case_id: str, principal: Sharer) -> list[ScheduleRow]:
    with unit_of_work() as session:
        found = _sharer_case(session, principal, case_id)
        return [
            ScheduleRow(
                evidence_id=e.item.id,
                description=e.item.title or e.item.original_filename or "Body-worn video",
                recorded_at=e.item.recorded_start or e.item.occurred_at,
                officer=e.item.officer,
                sha256=e.item.sha256,
                state=e.state,
                reason=e.reason,
                disclosed=e.disclosed,
                do_not_disclose=e.flagged,
            )
            for e in queries.schedule(session, principal, found)
        ]


@router.get("/cases/{case_id}/disclosure/{schedule}.{fmt}", summary="MG6C or MG6D, CSV or PDF")
def schedule_export(
    case_id: str, schedule: Literal["mg6c", "mg6d"], fmt: Literal["csv", "pdf"], principal: Sharer
) -> Response:
    with unit_of_work() as session:
        found = _sharer_case(session, principal, case_id)
        case = cases.case_by_id(session, found)
        assert case is not None
        lines = queries.schedule_lines(queries.schedule(session, principal, found), schedule)
        reference, title = case.crime_reference, case.title
    name = f'attachment; filename="{schedule.upper()}-{reference}.{fmt}"'
    if fmt == "csv":
        body = documents.schedule_csv(lines)
        return Response(body, media_type="text/csv", headers={"Content-Disposition": name})
    body = documents.schedule_pdf(schedule, reference, title, lines)
    return Response(body, media_type=PDF, headers={"Content-Disposition": name})


@router.get("/sharing/organisations", response_model=list[OrganisationOut])
def organisations(principal: Sharer) -> list[OrganisationOut]:
    with unit_of_work() as session:
        require(principal, roles.SHARE)
        return [
            OrganisationOut(id=o.id, name=o.name, kind=o.kind)
            for o in queries.organisations(session)
        ]


@router.post("/sharing/organisations", response_model=OrganisationOut, status_code=201)
def create_organisation(body: OrganisationIn, client: Client, principal: Sharer) -> OrganisationOut:
    with unit_of_work() as session:
        org = service.create_organisation(session, principal, body.name, body.kind, client.ip)
        return OrganisationOut(id=org.id, name=org.name, kind=org.kind)


@router.post("/sharing/organisations/{name}/members", status_code=204)
def add_member(name: str, body: MemberIn, client: Client, principal: Sharer) -> None:
    with unit_of_work() as session:
        require(principal, roles.SHARE)
        org = queries.organisation_by_name(session, name)
        if org is None:
            raise NoSuchShare(f"no recipient organisation named {name!r}")
        user = find_user(session, body.username)
        service.add_member(session, principal, org, user.id, user.kind == "external", client.ip)
