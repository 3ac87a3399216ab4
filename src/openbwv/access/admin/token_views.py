"""Administration pages for device credentials: API tokens (list, create, revoke) and the Axis
connection file (a new device token inside a camera system's connection JSON). Token changes go
through `admin.service`, the connection file through the Axis destination's service; every one
is audited."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from openbwv.access.admin import queries, service
from openbwv.access.admin.pages import blank_to_none, notice_text, redirect, require_any, validated
from openbwv.access.admin.schemas import TokenIn
from openbwv.access.errors import UserError
from openbwv.access.models import ApiToken
from openbwv.access.policy import roles as perms
from openbwv.api.context import Client
from openbwv.db.session import unit_of_work
from openbwv.ingest.axis.service import (
    CONTAINER_TYPES,
    ConnectionError_,
    NoPrivateKey,
    create_connection_file,
)
from openbwv.timeutil import utcnow
from openbwv.web.auth import Viewer
from openbwv.web.render import render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=2000)]
Flag = Annotated[str, Form(max_length=8)]
TOKENS_SHOWN = 500


# --- API tokens -------------------------------------------------------------------------------


def _tokens_page(
    request: Request,
    *,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    created: tuple[str, ApiToken] | None = None,
    status: int = 200,
) -> Response:
    with unit_of_work() as session:
        context = {
            "title": "API tokens",
            "tokens": queries.tokens(session, limit=TOKENS_SHOWN),
            "roles": queries.roles(session),
            "boroughs": queries.boroughs(session),
            "borough_names": queries.borough_names(session),
            "permissions": perms.known_permissions(),
            "values": values or {"role": "device", "expires_days": 365, "scopes": []},
            "error": error,
            "created_secret": created[0] if created else None,
            "created": created[1] if created else None,
            "notice": notice_text(request),
            "now": utcnow(),
        }
        return render(request, "admin/tokens.html", context, status_code=status)


@router.get("/admin/tokens")
def tokens(request: Request, principal: Viewer) -> Response:
    require_any(principal, perms.TOKENS_MANAGE)
    return _tokens_page(request)


@router.post("/admin/tokens")
def create_token(
    request: Request,
    principal: Viewer,
    client: Client,
    name: Text = "",
    role: Text = "",
    expires_days: Text = "0",
    borough: Text = "",
    scopes: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
) -> Response:
    require_any(principal, perms.TOKENS_MANAGE)
    values: dict[str, Any] = {
        "name": name.strip(),
        "role": role,
        "expires_days": expires_days.strip() or "0",
        "borough": blank_to_none(borough),
        "scopes": scopes,
    }
    try:
        body = validated(TokenIn, values)
        with unit_of_work() as session:
            secret, token = service.add_token(
                session, principal, service.TokenSpec(**body.model_dump()), client.ip
            )
            session.expunge(token)
    except UserError as exc:
        return _tokens_page(request, values=values, error=str(exc), status=422)
    # The secret is shown on this response only (not stored, not in a redirect's URL).
    return _tokens_page(request, created=(secret, token), status=201)


@router.post("/admin/tokens/{token_id}/revoke")
def revoke_token(token_id: uuid.UUID, principal: Viewer, client: Client) -> Response:
    require_any(principal, perms.TOKENS_MANAGE)
    with unit_of_work() as session:
        service.revoke(session, principal, token_id, client.ip)
    return redirect("/admin/tokens", "token-revoked")


# --- the Axis connection file -----------------------------------------------------------------


def _axis_form(
    request: Request, values: dict[str, Any], error: str | None = None, status: int = 200
) -> Response:
    context = {
        "title": "Axis connection file",
        "values": values,
        "error": error,
        "container_types": CONTAINER_TYPES,
    }
    return render(request, "admin/axis.html", context, status_code=status)


@router.get("/admin/axis")
def axis_page(request: Request, principal: Viewer) -> Response:
    require_any(principal, perms.TOKENS_MANAGE)
    base = str(request.base_url).rstrip("/")
    values = {"urls": base, "name": "axis", "site_name": "", "container_type": "mkv"}
    return _axis_form(request, {**values, "encryption": True})


@router.post("/admin/axis/connection-file")
def axis_connection_file(
    request: Request,
    principal: Viewer,
    client: Client,
    urls: Text = "",
    name: Text = "",
    site_name: Text = "",
    container_type: Text = "mkv",
    encryption: Flag = "",
) -> Response:
    """The connection JSON as a download: it carries a new device credential's secret."""
    require_any(principal, perms.TOKENS_MANAGE)
    url_list = [line.strip() for line in urls.splitlines() if line.strip()]
    values: dict[str, Any] = {
        "urls": urls,
        "name": name.strip(),
        "site_name": site_name.strip(),
        "container_type": container_type,
        "encryption": encryption == "on",
    }
    try:
        with unit_of_work() as session:
            connection = create_connection_file(  # as the API's POST /api/v1/axis/connection-file
                session,
                principal,
                urls=url_list,
                name=values["name"],
                site_name=blank_to_none(site_name),
                container_type=container_type,
                encryption=values["encryption"],
                source_ip=client.ip,
            )
    except (ConnectionError_, NoPrivateKey) as exc:
        return _axis_form(request, values, str(exc), status=422)
    return Response(
        connection.to_json(),
        media_type="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="openbwv-axis-connection.json"',
            "Cache-Control": "no-store",
        },
    )
