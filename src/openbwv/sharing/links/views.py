"""Share links: the pages and bytes for a recipient without an account. Unauthenticated by
design: the link's secret (256 bits, stored hashed) is the credential, with a passphrase when
the sharer set one (then a link session cookie, after the passphrase, throttled like sign-in).
Whoever holds the link acts as the share's link principal, so the access policy decides every
read exactly as for a signed-in recipient, and every read is audited. An unknown, expired or
revoked link answers 410 with a page that says so."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openbwv.access.policy import roles
from openbwv.access.policy.queries import can_on_item
from openbwv.api.context import Client
from openbwv.api.problems import Problem
from openbwv.api.ranges import Recheck
from openbwv.db.session import unit_of_work
from openbwv.evidence import service as evidence_service
from openbwv.evidence import streams
from openbwv.sharing import documents, downloads, queries
from openbwv.sharing.errors import LinkGone, ShareRefused, TooManyAttempts
from openbwv.sharing.links import service
from openbwv.sharing.models import Share
from openbwv.sharing.packages.api import package_response
from openbwv.sharing.packages.contents import Copies
from openbwv.web.render import add_template_dir, render

router = APIRouter(include_in_schema=False)
add_template_dir(Path(__file__).parents[1] / "templates")
LINK_COOKIE = "bwv_link"
PLAYBACK = "playback"  # the evidence domain's derivative kind
NOT_NEEDED = "not_needed"


def _gone(request: Request) -> HTMLResponse:
    return render(request, "link_gone.html", {"title": "Link no longer valid"}, status_code=410)


def _passphrase_form(
    request: Request, secret: str, error: str | None = None, status: int = 200
) -> HTMLResponse:
    context = {"title": "Shared evidence", "secret": secret, "error": error}
    return render(request, "link_passphrase.html", context, status_code=status)


@router.get("/s/{secret}")
def link_page(secret: str, request: Request, client: Client) -> Response:
    try:
        with unit_of_work() as session:
            share = service.link_session_share(session, secret, request.cookies.get(LINK_COOKIE))
            if share is None:
                return _passphrase_form(request, secret)
            principal = service.link_principal(share)
            context: dict[str, Any] = {
                "title": "Shared evidence",
                "share": share,
                "secret": secret,
                "items": queries.given_items(session, principal, share),
                "may_download": queries.download_left(share),
            }
            if share.passphrase_hash is None:  # with one, opening was recorded at the passphrase
                service.record_link_open(session, share, client.ip)
    except LinkGone:
        return _gone(request)
    return render(request, "link.html", context)


@router.post("/s/{secret}")
def link_passphrase(
    secret: str,
    request: Request,
    client: Client,
    passphrase: Annotated[str, Form(max_length=200)],
) -> Response:
    refused: Exception | None = None
    token = ""
    try:
        with unit_of_work() as session:  # a wrong passphrase's count and record are committed
            try:
                _share, token = service.open_link(session, secret, passphrase, client.ip)
            except (ShareRefused, TooManyAttempts) as exc:
                refused = exc
    except LinkGone:
        return _gone(request)
    if isinstance(refused, TooManyAttempts):
        return _passphrase_form(request, secret, refused.detail, 429)
    if refused is not None:
        return _passphrase_form(request, secret, "That passphrase is not right.", 403)
    response = RedirectResponse(f"/s/{secret}", status_code=303)
    response.set_cookie(
        LINK_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path=f"/s/{secret}",
    )
    return response


def _session_share(request: Request, secret: str) -> Share:
    with unit_of_work() as session:
        share = service.link_session_share(session, secret, request.cookies.get(LINK_COOKIE))
        if share is None:
            raise Problem(403, "Passphrase required", "open the link and enter its passphrase")
        session.expunge(share)
        return share


def _recheck(secret: str, share: Share, evidence_id: Any) -> Recheck:
    """A revoked or expired link stops a stream at its next check."""

    def check() -> bool:
        with unit_of_work() as session:
            try:
                service.live_link(session, secret)
            except LinkGone:
                return False
            return can_on_item(session, service.link_principal(share), evidence_id, roles.VIEW)

    return check


def _open(request: Request, client: Client, secret: str, evidence_id: str, permission: str) -> Any:
    share = _session_share(request, secret)
    with unit_of_work() as session:
        item = evidence_service.open_item(
            session,
            service.link_principal(share),
            evidence_id,
            client.ip,
            permission=permission,
            action=permission,
            details={"share": str(share.id)},
        )
        if permission == roles.DOWNLOAD and _starts_download(request):
            counted = queries.find_share(session, share.id)
            assert counted is not None
            service.count_download(session, counted)
        session.expunge(item)
    if item.status == "disposed":
        raise Problem(410, "Disposed", "this item was disposed of under a retention rule")
    return share, item


def _starts_download(request: Request) -> bool:
    """A download counts once: a whole-file request, or the first range of one."""
    wanted = request.headers.get("range", "")
    return not wanted or wanted.replace(" ", "").startswith("bytes=0-")


@router.get("/s/{secret}/items/{evidence_id}/play")
def link_play(secret: str, evidence_id: str, request: Request, client: Client) -> Response:
    share, item = _open(request, client, secret, evidence_id, roles.PLAY)
    return streams.playback_response(request, item, _recheck(secret, share, item.id))


@router.get("/s/{secret}/items/{evidence_id}/download")
def link_download(secret: str, evidence_id: str, request: Request, client: Client) -> Response:
    share, item = _open(request, client, secret, evidence_id, roles.DOWNLOAD)
    return streams.original_response(request, item, _recheck(secret, share, item.id))


@router.get("/s/{secret}/package")
def link_package(
    secret: str, request: Request, client: Client, copies: Copies = "both"
) -> Response:
    """The evidence package of what the link gives, when it allows downloading (one of its
    downloads); revoking or expiring the link stops it at the next check."""
    share = _session_share(request, secret)
    stream = downloads.link_package(secret, share, copies, client.ip)
    return package_response(stream, downloads.until_ended(stream))


@router.get("/s/{secret}/receipt.{fmt}")
def link_receipt(secret: str, fmt: str, request: Request) -> Response:
    if fmt not in ("json", "pdf"):
        raise Problem(404, "Not found", "a receipt is .json or .pdf")
    share = _session_share(request, secret)
    with unit_of_work() as session:
        doc = queries.receipt_doc(session, service.link_principal(share), share)
    disposition = {"Content-Disposition": f'attachment; filename="receipt-{share.id}.{fmt}"'}
    if fmt == "pdf":
        return Response(
            documents.receipt_pdf(doc), media_type="application/pdf", headers=disposition
        )
    return Response(documents.receipt_json(doc), media_type="application/json", headers=disposition)
