"""HTTP range requests (RFC 9110 §14) over any object store, so a browser <video> can seek."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator

from fastapi import Request
from fastapi.responses import Response, StreamingResponse

from openbwv.api.problems import problem_response
from openbwv.storage.base import ObjectStore

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
log = logging.getLogger(__name__)
Recheck = Callable[[], bool]
# An object this small (a poster frame, a strip) is read whole and answered in one piece: a
# stream costs a worker-thread hop per chunk, a tenth of a thumbnail's time.
SMALL_OBJECT = 256 * 1024


def parse_range(header: str, size: int) -> tuple[int, int] | str | None:
    """(start, end inclusive), None to send the whole object, or "unsatisfiable".

    Only single ranges are served; a multi-range request gets the whole object (RFC 9110 allows it).
    """
    match = RANGE.match(header.strip().replace(" ", ""))
    if not match:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # suffix: the last N bytes
        length = int(last)
        if length == 0:
            return "unsatisfiable"
        return max(0, size - length), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or (last and end < start):
        return "unsatisfiable"
    return start, min(end, size - 1)


def object_response(
    request: Request,
    store: ObjectStore,
    key: str,
    size: int,
    media_type: str,
    *,
    filename: str | None = None,
    etag: str | None = None,
    immutable: bool = True,
    recheck: Recheck | None = None,
    recheck_bytes: int = 4 * 1024 * 1024,
) -> Response:
    """The object (or the range asked for). `recheck`, when given, is asked again after every
    `recheck_bytes` sent: once it says no (a share revoked or expired meanwhile), the stream
    stops at that chunk and the connection closes short of the promised length."""
    headers = {"Accept-Ranges": "bytes", "ETag": f'"{etag or key}"'}
    headers["Cache-Control"] = "private, max-age=31536000, immutable" if immutable else "private"
    if filename:
        safe = filename.replace('"', "").replace("\\", "")
        headers["Content-Disposition"] = f'inline; filename="{safe}"'
    header = request.headers.get("range")
    if_range = request.headers.get("if-range")
    wanted = parse_range(header, size) if header else None
    if if_range is not None and if_range != headers["ETag"]:
        wanted = None  # the client's copy is stale: send everything
    if wanted == "unsatisfiable":
        return problem_response(
            416,
            "Range Not Satisfiable",
            f"the object is {size} bytes",
            headers={"Content-Range": f"bytes */{size}", "Accept-Ranges": "bytes"},
        )
    if request.method == "HEAD":
        headers["Content-Length"] = str(size)
        return Response(status_code=200, headers=headers, media_type=media_type)
    status, start, end = 200, 0, size - 1 if size else None
    if isinstance(wanted, tuple):
        status, (start, end) = 206, wanted
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    headers["Content-Length"] = str(end - start + 1 if end is not None else 0)
    chunks = _stream(store, key, start, end, recheck, recheck_bytes)
    if recheck is None and size <= SMALL_OBJECT:
        body = b"".join(chunks)
        return Response(body, status_code=status, headers=headers, media_type=media_type)
    return StreamingResponse(chunks, status_code=status, headers=headers, media_type=media_type)


def _stream(
    store: ObjectStore,
    key: str,
    start: int,
    end: int | None,
    recheck: Recheck | None = None,
    recheck_bytes: int = 0,
) -> Iterator[bytes]:
    if end is not None and end < start:
        return iter(())
    chunks = store.open_range(key, start, end)
    return chunks if recheck is None else _rechecked(chunks, recheck, recheck_bytes)


def _rechecked(chunks: Iterator[bytes], recheck: Recheck, every: int) -> Iterator[bytes]:
    since = 0
    try:
        for chunk in chunks:
            if since >= every:
                if not recheck():
                    log.info("stream stopped: access ended while it was sent")
                    return
                since = 0
            yield chunk
            since += len(chunk)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
