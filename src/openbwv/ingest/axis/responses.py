"""Building Swift responses, and turning refusals into them (recorded in the audit log)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from email.utils import format_datetime
from typing import Any

from anyio import to_thread
from fastapi import Request, Response
from sqlalchemy.exc import OperationalError

from openbwv.access.http import client_ip
from openbwv.access.principal import Principal
from openbwv.api.problems import problem_response
from openbwv.audit.events import DENIED, FAILURE, record
from openbwv.db.session import unit_of_work
from openbwv.ingest.axis import meta as metadata
from openbwv.ingest.axis.errors import SwiftError
from openbwv.ingest.axis.receive import ClientGone
from openbwv.ingest.axis.registry import Served
from openbwv.logging import get_logger
from openbwv.storage.base import StorageError

log = get_logger(__name__)


def http_date(value: datetime) -> str:
    return format_datetime(value, usegmt=True)


def timestamp(value: datetime) -> str:
    return f"{value.timestamp():.5f}"


def object_headers(served: Served) -> dict[str, str]:
    return {
        "Content-Type": served.content_type,
        "Content-Length": str(len(served.body)),
        "ETag": served.md5,
        "Last-Modified": http_date(served.last_modified),
        "X-Timestamp": timestamp(served.last_modified),
        "Accept-Ranges": "bytes",
        **metadata.render(served.meta, metadata.OBJECT_PREFIX),
    }


def serve(request: Request, served: Served) -> Response:
    headers = object_headers(served)
    body = b"" if request.method == "HEAD" else served.body
    return Response(body, status_code=200, headers=headers, media_type=None)


def listing(request: Request, rows: list[dict[str, Any]]) -> Response:
    """A container or account listing: names one a line, or JSON with `?format=json`."""
    as_json = request.query_params.get("format") == "json" or "json" in request.headers.get(
        "accept", ""
    )
    if as_json:
        body = json.dumps(rows).encode()
        return Response(body, 200, media_type="application/json; charset=utf-8")
    if not rows:
        return Response(status_code=204)
    text = "".join(f"{row['name']}\n" for row in rows).encode()
    return Response(text, 200, media_type="text/plain; charset=utf-8")


def empty(status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(status_code=status, headers=headers or {})


def refusal(request: Request, error: SwiftError) -> Response:
    headers = dict(error.headers)
    if request.method == "HEAD":
        return Response(status_code=error.status, headers=headers)
    return problem_response(
        error.status, error.title, error.detail, instance=request.url.path, headers=headers
    )


def record_refusal(
    request: Request, principal: Principal | None, action: str, error: SwiftError
) -> None:
    """The refused request rolled back; its record must not (written in its own transaction)."""
    try:
        with unit_of_work() as session:
            record(
                session,
                principal,
                action,
                target_type="axis",
                target_id=request.url.path[-128:],
                result=DENIED if error.status in (401, 403) else FAILURE,
                source_ip=client_ip(request),
                details={"method": request.method, "status": error.status, "why": error.detail},
            )
    except OperationalError:
        log.warning("could not record a refused Axis request", path=request.url.path)


def _as_swift(exc: Exception) -> SwiftError | None:
    if isinstance(exc, SwiftError):
        return exc
    if isinstance(exc, metadata.MetadataError):
        return SwiftError(400, "Bad Request", str(exc))
    if isinstance(exc, ClientGone):
        return SwiftError(400, "Bad Request", "the body ended before its Content-Length")
    if isinstance(exc, OperationalError | StorageError):  # a busy database or store: retry soon
        log.warning("Axis request hit a transient failure", error=str(exc)[:200])
        return SwiftError(
            503,
            "Service Unavailable",
            "storage or database busy; retry shortly",
            {"Retry-After": "5"},
        )
    return None


async def guarded(
    request: Request,
    action: str,
    principal: Callable[[], Principal | None],
    handler: Callable[[], Awaitable[Response]],
) -> Response:
    """Run a request's handler; refusals become their status code and an audit record."""
    try:
        return await handler()
    except Exception as exc:
        error = _as_swift(exc)
        if error is None:
            raise
        await to_thread.run_sync(record_refusal, request, principal(), action, error)
        return refusal(request, error)
