"""Administration of the Axis destination through the openbwv API (bearer tokens, audited)."""

from __future__ import annotations

from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field, ValidationError

from openbwv.access.deps import require_principal
from openbwv.access.http import client_ip
from openbwv.access.policy import roles
from openbwv.access.policy.queries import require
from openbwv.access.principal import Principal
from openbwv.api.problems import Problem
from openbwv.db.session import unit_of_work
from openbwv.ingest.axis.service import ConnectionError_, NoPrivateKey, create_connection_file

router = APIRouter(prefix="/api/v1/axis", tags=["Axis content destination (administration)"])
Authed = Annotated[Principal, Depends(require_principal)]


class ConnectionFileRequest(BaseModel):
    urls: list[str] = Field(
        min_length=1, max_length=10, description="Base URL(s) the body worn system reaches."
    )
    name: str = Field(default="axis", description="Device credential name (the account).")
    site_name: str | None = Field(default=None, max_length=64)
    container_type: str = Field(default="mkv", pattern="^(mkv|mp4)$")
    encryption: bool = True


def _body(raw: bytes) -> ConnectionFileRequest:
    try:
        return ConnectionFileRequest.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        raise Problem(422, "Invalid request", problems) from None


@router.post(
    "/connection-file",
    summary="Create a device credential and the connection file that carries it",
    response_description="The connection JSON for the body worn manager (holds a secret).",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": ConnectionFileRequest.model_json_schema()}},
        }
    },
)
async def connection_file(request: Request, principal: Authed) -> Response:
    require(principal, roles.TOKENS_MANAGE)  # refused before the body is even read
    body = _body(await request.body())
    return await to_thread.run_sync(_create, body, request, principal)


def _create(body: ConnectionFileRequest, request: Request, principal: Principal) -> Response:
    try:
        with unit_of_work() as session:
            connection = create_connection_file(
                session,
                principal,
                urls=body.urls,
                name=body.name,
                site_name=body.site_name,
                container_type=body.container_type,
                encryption=body.encryption,
                source_ip=client_ip(request),
            )
    except ConnectionError_ as exc:
        raise Problem(422, "Invalid connection file request", str(exc)) from exc
    except NoPrivateKey as exc:
        raise Problem(500, "Encryption key unavailable", str(exc)) from exc
    return Response(
        connection.to_json(),
        media_type="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="openbwv-axis-connection.json"',
            "Cache-Control": "no-store",
        },
    )
