"""Sharing pages. For a disclosure officer: a case's sharing page (share in one form; the
case's shares with extend and revoke; what recipients opened; the disclosure schedule with its
decisions and the do-not-disclose flag; MG6C/MG6D exports). For an external user: "Shared with
you" (their shares, expiry warnings, receipts) and a player for one shared item."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from openbwv.access.admin.queries import find_user
from openbwv.access.errors import AccessDenied
from openbwv.access.policy import roles
from openbwv.access.policy.queries import require
from openbwv.access.principal import Principal
from openbwv.api.context import Client
from openbwv.cases import queries as cases
from openbwv.config import get_settings
from openbwv.db.session import unit_of_work
from openbwv.errors import DomainError
from openbwv.evidence import service as evidence_service
from openbwv.sharing import queries, service
from openbwv.sharing.api import link_url
from openbwv.sharing.models import DISCLOSURE_STATES
from openbwv.sharing.packages import service as packages
from openbwv.sharing.packages.api import package_response
from openbwv.sharing.packages.contents import COPIES
from openbwv.timeutil import utcnow
from openbwv.web.auth import Viewer
from openbwv.web.render import add_template_dir, render

router = APIRouter(include_in_schema=False)
add_template_dir(Path(__file__).parent / "templates")
Text = Annotated[str, Form(max_length=2000)]


def _page_context(session: Session, principal: Principal, case_id: str) -> dict[str, Any]:
    require(principal, roles.SHARE)
    case = cases.get_visible(session, principal, case_id)
    shares = queries.shares_of_case(session, case.id)
    schedule = queries.schedule(session, principal, case.id)
    return {
        "title": f"Share and disclose {case.crime_reference}",
        "case": case,
        "shares": [
            (s, queries.status_of(s), len(queries.share_item_ids(session, s))) for s in shares
        ],
        "receipts": queries.receipts(session, shares, limit=100),
        "schedule": schedule,
        "names": {e.item.id: e.item.title or e.item.original_filename for e in schedule},
        "organisations": queries.organisations(session),
        "default_days": get_settings().share_default_days,
        "states": DISCLOSURE_STATES,
        "warn_before": utcnow() + timedelta(days=get_settings().share_warning_days),
        "now": utcnow(),
        "may_export": principal.can(roles.EXPORT),
    }


@router.get("/cases/{case_id}/sharing")
def sharing_page(case_id: str, request: Request, principal: Viewer) -> HTMLResponse:
    with unit_of_work() as session:
        context = _page_context(session, principal, case_id)
    return render(request, "sharing.html", context)


def _recipient(session: Session, recipient: str, link_label: str) -> service.Recipient:
    kind, _, name = recipient.partition(":")
    if kind == "user":
        user = find_user(session, name)
        return service.recipient_for(
            session, user=(user.id, user.display_name, user.kind == "external")
        )
    if kind == "org":
        return service.recipient_for(session, organisation=name)
    return service.recipient_for(session, link_label=link_label or "recipient without an account")


@router.post("/cases/{case_id}/sharing")
def share_case(
    case_id: str,
    request: Request,
    client: Client,
    principal: Viewer,
    recipient: Annotated[str, Form(max_length=200)],
    reason: Text,
    recipient_user: Annotated[str, Form(max_length=64)] = "",
    days: Annotated[int, Form(ge=1, le=1095)] = 90,
    download: Annotated[bool, Form()] = False,
    include_later: Annotated[bool, Form()] = False,
    link_label: Annotated[str, Form(max_length=100)] = "",
    passphrase: Annotated[bool, Form()] = False,
    max_downloads: Annotated[str, Form(max_length=6)] = "",
) -> Response:
    try:
        with unit_of_work() as session:
            made = service.create_share(
                session,
                principal,
                service.ShareRequest(
                    case_id=case_id,
                    recipient=_recipient(
                        session,
                        f"user:{recipient_user.strip()}" if recipient_user.strip() else recipient,
                        link_label,
                    ),
                    reason=reason,
                    allow_download=download,
                    include_later=include_later,
                    days=days,
                    passphrase=passphrase,
                    max_downloads=int(max_downloads) if max_downloads.strip().isdigit() else None,
                ),
                client.ip,
            )
            context = {
                "title": "Shared",
                "share": made.share,
                "items": len(made.items),
                "withheld": made.withheld,
                "link": link_url(request, made.link_secret) if made.link_secret else None,
                "passphrase": made.passphrase,
                "case_id": case_id,
            }
    except (DomainError, AccessDenied) as exc:
        if isinstance(exc, AccessDenied) and exc.status == 404:
            raise
        with unit_of_work() as session:
            context = _page_context(session, principal, case_id)
        context["error"] = exc.detail
        return render(request, "sharing.html", context, status_code=getattr(exc, "status", 422))
    # Shown once: the link and passphrase are stored hashed only.
    return render(request, "share_made.html", context, status_code=201)


def _back_to_case(share_case_id: object) -> RedirectResponse:
    return RedirectResponse(f"/cases/{share_case_id}/sharing", status_code=303)


@router.post("/shares/{share_id}/revoke")
def revoke(share_id: str, client: Client, principal: Viewer, reason: Text = "") -> Response:
    with unit_of_work() as session:
        share = service.revoke_share(session, principal, share_id, reason, client.ip)
        return _back_to_case(share.case_id)


@router.post("/shares/{share_id}/extend")
def extend(
    share_id: str, client: Client, principal: Viewer, days: Annotated[int, Form(ge=1, le=1095)]
) -> Response:
    with unit_of_work() as session:
        share = queries.find_share(session, share_id)
        start = max(share.expires_at, utcnow()) if share else utcnow()
        share = service.extend_share(
            session, principal, share_id, start + timedelta(days=days), client.ip
        )
        return _back_to_case(share.case_id)


@router.post("/cases/{case_id}/sharing/package")
def case_package(
    case_id: str,
    client: Client,
    principal: Viewer,
    copies: Annotated[str, Form(max_length=16)] = "both",
    recipient: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """The case's evidence package for an `evidence.export` holder, streamed (the same as
    POST /api/v1/cases/{id}/packages, from the sharing page's form)."""
    wanted = copies if copies in COPIES else "both"
    request = packages.PackageRequest(
        case_id=case_id, copies=wanted, recipient=recipient or None, source_ip=client.ip
    )
    return package_response(packages.stream_package(principal, request))


@router.post("/cases/{case_id}/sharing/items/{evidence_id}")
def item_decision(
    case_id: str,
    evidence_id: str,
    client: Client,
    principal: Viewer,
    state: Annotated[str, Form(max_length=16)] = "",
    reason: Text = "",
    do_not_disclose: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """One item's row in the schedule: its decision, or its do-not-disclose flag."""
    with unit_of_work() as session:
        if do_not_disclose == "set":
            service.flag_do_not_disclose(session, principal, evidence_id, reason, client.ip)
        elif do_not_disclose == "clear":
            service.clear_do_not_disclose(session, principal, evidence_id, reason, client.ip)
        else:
            service.decide(session, principal, case_id, evidence_id, state, reason, client.ip)
    return RedirectResponse(f"/cases/{case_id}/sharing#schedule", status_code=303)


# --- the recipient's pages ---------------------------------------------------------------------


@router.get("/shared")
def shared_with_me(request: Request, principal: Viewer) -> HTMLResponse:
    with unit_of_work() as session:
        shares = queries.shares_for(session, principal)
        rows = []
        for share in shares:
            case = cases.case_by_id(session, share.case_id)
            rows.append((share, case, queries.given_items(session, principal, share)))
        warn_before = utcnow() + timedelta(days=get_settings().share_warning_days)
        downloadable = {s.id for s in shares if queries.download_left(s)}
    context = {
        "title": "Shared with you",
        "rows": rows,
        "warn_before": warn_before,
        "downloadable": downloadable,
    }
    return render(request, "shared.html", context)


@router.get("/shared/items/{evidence_id}")
def shared_item(
    evidence_id: str, request: Request, client: Client, principal: Viewer
) -> HTMLResponse:
    """A shared item's player; the video and the download go through the evidence API, which
    audits each read and re-checks the share while it streams."""
    with unit_of_work() as session:
        item = evidence_service.open_item(session, principal, evidence_id, client.ip)
        may_download = queries.may(session, principal, item.id, roles.DOWNLOAD)
        context = {
            "title": item.title or item.original_filename or "Shared item",
            "item": item,
            "may_download": may_download,
            "playback": f"/api/v1/evidence/{item.id}/playback",
            "download": f"/api/v1/evidence/{item.id}/original",
            "back": "/shared",
        }
    return render(request, "shared_item.html", context)
