"""tus 1.0.0 endpoints at /api/v1/uploads/ (core, creation, creation-with-upload, expiration,
checksum, termination), streaming into staging while hashing."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import deque
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from anyio import to_thread
from fastapi import APIRouter, Depends, Request, Response
from starlette.requests import ClientDisconnect

from openbwv.access.deps import require_principal
from openbwv.access.policy import roles
from openbwv.access.policy.queries import can_on_item, require
from openbwv.access.principal import Principal
from openbwv.api.problems import Problem
from openbwv.config import get_settings
from openbwv.db.session import unit_of_work
from openbwv.ingest import tus, uploads
from openbwv.ingest.uploads import Appender, UploadError

router = APIRouter(prefix="/api/v1/uploads", tags=["uploads (tus)"])
BLOCK = 1024 * 1024  # bytes handed to the hashing/writing thread at a time
IN_FLIGHT = 4


def tus_headers(**extra: str) -> dict[str, str]:
    return {"Tus-Resumable": tus.TUS_VERSION, "Cache-Control": "no-store", **extra}


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


def _upload_error(exc: UploadError) -> Problem:
    return _problem(exc, exc.status, exc.title)


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


@router.options("/", include_in_schema=False)
@router.options("/{upload_id}", include_in_schema=False)
async def options() -> Response:
    return Response(status_code=204, headers=_options_headers())


async def _body_blocks(request: Request) -> AsyncIterator[list[bytes]]:
    """The body in blocks of about BLOCK bytes, as the received chunks (never copied)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        if not chunk:
            continue
        chunks.append(chunk)
        size += len(chunk)
        if size >= BLOCK:
            yield chunks
            chunks, size = [], 0
    if chunks:
        yield chunks


async def _stream_into(request: Request, appender: Appender) -> None:
    """Receive the body while a writer thread hashes and writes earlier blocks, so network,
    SHA-256 and disk overlap; at most IN_FLIGHT blocks are buffered (bounded memory)."""
    loop = asyncio.get_running_loop()
    pending: deque[asyncio.Future[None]] = deque()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tus-writer") as writer:
        try:
            async for block in _body_blocks(request):
                pending.append(loop.run_in_executor(writer, appender.write, block))
                if len(pending) >= IN_FLIGHT:
                    await pending.popleft()
            while pending:
                await pending.popleft()
        finally:
            for future in pending:  # drain: the appender must be idle before commit/rollback
                with contextlib.suppress(Exception):
                    await future


async def _append(request: Request, appender: Appender) -> tuple[int, uploads.Finalised | None]:
    """Stream the body into the upload; returns (new offset, finalisation if it completed)."""
    await to_thread.run_sync(appender.open)
    try:
        interrupted = False
        try:
            await _stream_into(request, appender)
        except ClientDisconnect:
            interrupted = True
        except UploadError:
            appender.rollback()
            raise
        offset = await to_thread.run_sync(lambda: appender.commit(interrupted=interrupted))
        finished = None if interrupted else await to_thread.run_sync(appender.finish)
        return offset, finished
    finally:
        appender.close()


def _checksum(request: Request) -> tuple[str, bytes] | None:
    header = request.headers.get("upload-checksum")
    if header is None:
        return None
    try:
        return tus.parse_checksum(header)
    except tus.TusProtocolError as exc:
        raise _problem(exc, 400, "Invalid Upload-Checksum") from exc


def _may_view(principal: Principal, evidence_id: uuid.UUID) -> bool:
    with unit_of_work() as session:
        return can_on_item(session, principal, evidence_id, roles.VIEW)


async def _completion_headers(
    request: Request, finished: uploads.Finalised | None, principal: Principal
) -> dict[str, str]:
    """Where the new item is — only for an uploader who may see it: identical bytes already
    held as someone else's evidence must not reveal that item."""
    if finished is None or finished.evidence_id is None:
        return {}
    if not await to_thread.run_sync(_may_view, principal, finished.evidence_id):
        return {}
    return {
        "Evidence-Location": str(request.url_for("get_evidence", evidence_id=finished.evidence_id))
    }


def _rejected(finished: uploads.Finalised | None) -> None:
    if finished is not None and finished.state == "rejected":
        raise Problem(
            tus.STATUS_CHECKSUM_MISMATCH,
            "Checksum mismatch",
            finished.error,
            headers=tus_headers(),
        )


@router.post("/", status_code=201, summary="Create an upload (tus creation)")
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
    require(principal, roles.UPLOAD)

    def create() -> tuple[uuid.UUID, datetime]:
        with unit_of_work() as session:
            upload = uploads.create_upload(
                session,
                length=length,
                raw_metadata=raw,
                parsed_metadata=parsed,
                principal=principal,
            )
            return upload.id, upload.expires_at

    try:
        upload_id, expires_at = await to_thread.run_sync(create)
    except UploadError as exc:
        raise _upload_error(exc) from exc
    location = str(request.url_for("upload_head", upload_id=str(upload_id)))
    headers = tus_headers(Location=location, **{"Upload-Expires": tus.http_date(expires_at)})
    has_body = request.headers.get("content-type", "").startswith(tus.OFFSET_CONTENT_TYPE)
    finished = None
    if has_body or length == 0:
        appender = Appender(upload_id, principal, 0, _checksum(request))
        try:
            offset, finished = await _append(request, appender)
        except UploadError as exc:
            raise _upload_error(exc) from exc
        _rejected(finished)
        headers["Upload-Offset"] = str(offset)
        headers.update(await _completion_headers(request, finished, principal))
    return Response(status_code=201, headers=headers)


@router.head("/{upload_id}", name="upload_head", summary="Upload offset (tus core)")
async def head_upload(
    upload_id: str, request: Request, principal: Principal = Depends(require_principal)
) -> Response:
    _require_tus(request)
    try:
        view = await to_thread.run_sync(uploads.status, _parse_id(upload_id), principal)
    except UploadError as exc:
        raise _upload_error(exc) from exc
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


@router.patch("/{upload_id}", status_code=204, summary="Append bytes (tus core)")
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
    appender = Appender(_parse_id(upload_id), principal, offset, _checksum(request))
    try:
        new_offset, finished = await _append(request, appender)
    except UploadError as exc:
        raise _upload_error(exc) from exc
    _rejected(finished)
    expires = await to_thread.run_sync(_expiry, appender.upload_id, principal)
    headers = tus_headers(
        **{"Upload-Offset": str(new_offset), "Upload-Expires": tus.http_date(expires)}
    )
    headers.update(await _completion_headers(request, finished, principal))
    return Response(status_code=204, headers=headers)


def _expiry(upload_id: uuid.UUID, principal: Principal) -> datetime:
    with unit_of_work() as session:
        return uploads.load(session, upload_id, principal).expires_at


@router.delete("/{upload_id}", status_code=204, summary="Terminate an upload (tus termination)")
async def delete_upload(
    upload_id: str, request: Request, principal: Principal = Depends(require_principal)
) -> Response:
    _require_tus(request)
    try:
        await to_thread.run_sync(uploads.terminate, _parse_id(upload_id), principal)
    except UploadError as exc:
        raise _upload_error(exc) from exc
    return Response(status_code=204, headers=tus_headers())


@router.post("/{upload_id}", include_in_schema=False)
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
    raise Problem(405, "Method Not Allowed", "POST an upload URL only with X-HTTP-Method-Override")
