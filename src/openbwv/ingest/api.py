"""tus 1.0.0 endpoints at /api/v1/uploads/ (core, creation, creation-with-upload, expiration,
checksum, termination). HTTP only: headers in, `ingest.transfer` does the work, headers out."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Depends, Request, Response
from starlette.requests import ClientDisconnect

from openbwv.access.deps import require_principal
from openbwv.access.principal import Principal
from openbwv.api.problems import Problem, documented
from openbwv.config import get_settings
from openbwv.ingest import transfer, tus
from openbwv.ingest.errors import BodyInterrupted
from openbwv.ingest.service import Finalised
from openbwv.ingest.tus import tus_headers
from openbwv.timeutil import isoformat_z

router = APIRouter(prefix="/api/v1/uploads", tags=["uploads (tus)"])
ALLOW_CREATION = "OPTIONS, POST"
ALLOW_UPLOAD = "OPTIONS, HEAD, PATCH, DELETE"  # POST too, with X-HTTP-Method-Override


# --- the tus headers, as OpenAPI declares them ---
def _header(name: str, description: str, *, required: bool = False) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": required,
        "description": description,
        "schema": {"type": "string"},
    }


def _answer(description: str, *names: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {name: {"schema": {"type": "string"}, "required": True} for name in names},
    }


TUS_RESUMABLE = _header("Tus-Resumable", f"must be {tus.TUS_VERSION}", required=True)
CHECKSUM = _header("Upload-Checksum", "`<algorithm> <base64 digest>` of this request's body")
OFFSET = _header("Upload-Offset", "the offset this body starts at", required=True)
TUS_ERRORS = documented(400, 412, 413, 415, 423, 460)


def _problem(exc: Exception, status: int, title: str) -> Problem:
    headers = tus_headers()
    return Problem(status, title, str(exc), headers=headers)


def _require_tus(request: Request) -> None:
    if request.headers.get("tus-resumable") != tus.TUS_VERSION:
        raise Problem(
            412,
            "Unsupported tus version",
            f"send 'Tus-Resumable: {tus.TUS_VERSION}'",
            headers=tus_headers(**{"Tus-Version": tus.TUS_VERSION}),
        )


def _parse_id(upload_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(upload_id)
    except ValueError:
        raise Problem(404, "Upload not found", "no such upload", headers=tus_headers()) from None


def _options_headers() -> dict[str, str]:
    settings = get_settings()
    return tus_headers(
        **{
            "Tus-Version": tus.TUS_VERSION,
            "Tus-Extension": tus.TUS_EXTENSIONS,
            "Tus-Max-Size": str(settings.max_upload_bytes),
            "Tus-Checksum-Algorithm": ",".join(tus.CHECKSUM_ALGORITHMS),
        }
    )


OPTIONS_ANSWER: dict[int | str, dict[str, Any]] = {
    204: _answer(
        "The server's tus configuration",
        "Tus-Resumable",
        "Tus-Version",
        "Tus-Extension",
        "Tus-Max-Size",
        "Tus-Checksum-Algorithm",
        "Allow",
    )
}


@router.options("/", status_code=204, summary="tus configuration", responses=OPTIONS_ANSWER)
async def options() -> Response:
    return Response(status_code=204, headers={**_options_headers(), "Allow": ALLOW_CREATION})


@router.options(
    "/{upload_id}", status_code=204, summary="tus configuration", responses=OPTIONS_ANSWER
)
async def options_upload(upload_id: str) -> Response:
    return Response(status_code=204, headers={**_options_headers(), "Allow": ALLOW_UPLOAD})


def _checksum(request: Request) -> tuple[str, bytes] | None:
    header = request.headers.get("upload-checksum")
    if header is None:
        return None
    try:
        return tus.parse_checksum(header)
    except tus.TusProtocolError as exc:
        raise _problem(exc, 400, "Invalid Upload-Checksum") from exc


async def _body(request: Request) -> AsyncIterator[bytes]:
    try:
        async for chunk in request.stream():
            yield chunk
    except ClientDisconnect:
        raise BodyInterrupted from None


def _completion_headers(request: Request, finished: Finalised | None) -> dict[str, str]:
    """Where the new item is — only for an uploader who may see it: identical bytes already
    held as someone else's evidence must not reveal that item."""
    if finished is None or finished.evidence_id is None or not finished.visible:
        return {}
    location = str(request.url_for("get_evidence", evidence_id=finished.evidence_id))
    headers = {"Evidence-Location": location}
    if finished.held_since is not None:  # the bytes were already this item: say since when
        headers["Evidence-Held-Since"] = isoformat_z(finished.held_since)
    return headers


def _rejected(finished: Finalised | None) -> None:
    if finished is not None and finished.state == "rejected":
        raise Problem(
            tus.STATUS_CHECKSUM_MISMATCH,
            "Checksum mismatch",
            finished.error,
            headers=tus_headers(),
        )


@router.post(
    "/",
    status_code=201,
    summary="Create an upload (tus creation)",
    responses={
        201: _answer("Created", "Location", "Upload-Expires", "Tus-Resumable"),
        **TUS_ERRORS,
    },
    openapi_extra={
        "parameters": [
            TUS_RESUMABLE,
            _header("Upload-Length", "the whole file's length in bytes", required=True),
            _header("Upload-Metadata", "comma-separated `key base64(value)` pairs"),
            CHECKSUM,
        ]
    },
)
async def create_upload(
    request: Request, principal: Principal = Depends(require_principal)
) -> Response:
    _require_tus(request)
    if request.headers.get("upload-defer-length"):
        raise Problem(
            400, "Deferred length not supported", "send Upload-Length", headers=tus_headers()
        )
    try:
        length = tus.parse_non_negative("Upload-Length", request.headers.get("upload-length"))
        raw = request.headers.get("upload-metadata")
        parsed = tus.parse_metadata(raw or "")
    except tus.TusProtocolError as exc:
        raise _problem(exc, 400, "Invalid tus request") from exc
    if length is None:
        raise Problem(400, "Upload-Length required", "send Upload-Length", headers=tus_headers())
    upload = await to_thread.run_sync(
        lambda: transfer.begin(
            length=length, raw_metadata=raw, parsed_metadata=parsed, principal=principal
        )
    )
    location = str(request.url_for("upload_head", upload_id=str(upload.id)))
    headers = tus_headers(Location=location, **{"Upload-Expires": tus.http_date(upload.expires_at)})
    has_body = request.headers.get("content-type", "").startswith(tus.OFFSET_CONTENT_TYPE)
    if has_body or length == 0:
        appended = await transfer.append(
            upload.id, principal, 0, _checksum(request), _body(request)
        )
        _rejected(appended.finished)
        headers["Upload-Offset"] = str(appended.offset)
        headers.update(_completion_headers(request, appended.finished))
    return Response(status_code=201, headers=headers)


@router.head(
    "/{upload_id}",
    name="upload_head",
    summary="Upload offset (tus core)",
    responses={
        200: _answer("The upload's offset", "Upload-Offset", "Upload-Length", "Tus-Resumable"),
        **TUS_ERRORS,
    },
    openapi_extra={"parameters": [TUS_RESUMABLE]},
)
async def head_upload(
    upload_id: str, request: Request, principal: Principal = Depends(require_principal)
) -> Response:
    _require_tus(request)
    view = await to_thread.run_sync(transfer.status, _parse_id(upload_id), principal)
    headers = tus_headers(
        **{
            "Upload-Offset": str(view.offset),
            "Upload-Length": str(view.length),
            "Upload-Expires": tus.http_date(view.expires_at),
        }
    )
    if view.raw_metadata:
        headers["Upload-Metadata"] = view.raw_metadata
    return Response(status_code=200, headers=headers)


@router.patch(
    "/{upload_id}",
    status_code=204,
    summary="Append bytes (tus core)",
    responses={204: _answer("Appended", "Upload-Offset", "Tus-Resumable"), **TUS_ERRORS},
    openapi_extra={
        "parameters": [TUS_RESUMABLE, OFFSET, CHECKSUM],
        "requestBody": {
            "required": True,
            "content": {
                tus.OFFSET_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}
            },
        },
    },
)
async def patch_upload(
    upload_id: str, request: Request, principal: Principal = Depends(require_principal)
) -> Response:
    _require_tus(request)
    if request.headers.get("content-type", "").split(";")[0].strip() != tus.OFFSET_CONTENT_TYPE:
        raise Problem(
            415,
            "Unsupported Media Type",
            f"PATCH bodies must be {tus.OFFSET_CONTENT_TYPE}",
            headers=tus_headers(),
        )
    try:
        offset = tus.parse_non_negative("Upload-Offset", request.headers.get("upload-offset"))
    except tus.TusProtocolError as exc:
        raise _problem(exc, 400, "Invalid Upload-Offset") from exc
    if offset is None:
        raise Problem(400, "Upload-Offset required", "send Upload-Offset", headers=tus_headers())
    appended = await transfer.append(
        _parse_id(upload_id), principal, offset, _checksum(request), _body(request)
    )
    _rejected(appended.finished)
    headers = tus_headers(
        **{
            "Upload-Offset": str(appended.offset),
            "Upload-Expires": tus.http_date(appended.expires_at),
        }
    )
    headers.update(_completion_headers(request, appended.finished))
    return Response(status_code=204, headers=headers)


@router.delete(
    "/{upload_id}",
    status_code=204,
    summary="Terminate an upload (tus termination)",
    responses={204: _answer("Terminated", "Tus-Resumable"), **TUS_ERRORS},
    openapi_extra={"parameters": [TUS_RESUMABLE]},
)
async def delete_upload(
    upload_id: str, request: Request, principal: Principal = Depends(require_principal)
) -> Response:
    _require_tus(request)
    await to_thread.run_sync(transfer.terminate, _parse_id(upload_id), principal)
    return Response(status_code=204, headers=tus_headers())


@router.post(
    "/{upload_id}",
    summary="PATCH, DELETE or HEAD through a proxy that passes only POST",
    responses={**documented(405), **TUS_ERRORS},
    openapi_extra={
        "parameters": [
            _header("X-HTTP-Method-Override", "PATCH, DELETE or HEAD (else 405)", required=True),
            TUS_RESUMABLE,
        ]
    },
)
async def method_override(
    upload_id: str, request: Request, principal: Principal = Depends(require_principal)
) -> Response:
    """`X-HTTP-Method-Override` for clients behind proxies that only pass GET/POST."""
    method = request.headers.get("x-http-method-override", "").upper()
    if method == "PATCH":
        return await patch_upload(upload_id, request, principal)
    if method == "DELETE":
        return await delete_upload(upload_id, request, principal)
    if method == "HEAD":
        return await head_upload(upload_id, request, principal)
    raise Problem(
        405,
        "Method Not Allowed",
        "POST an upload URL only with X-HTTP-Method-Override",
        headers=tus_headers(Allow=ALLOW_UPLOAD),
    )
