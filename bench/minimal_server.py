"""The physical-limit server for the ingest benchmark: a bare ASGI app that streams a request body
to a file, fsyncs it, renames it into place and fsyncs the directory — what any HTTP upload
server that keeps what it acknowledged must at least do (the same durability points as a tus
upload published to the local store), with no hashing, no database and no protocol; a GET
answers at once (the load benchmark's floor). It writes the way tus staging does (blocks of
BLOCK bytes with write-behind, `ingest.staging.PartFile`), inline on the event loop, so the
ratio measures tus, SHA-256 and the database, not a difference in how bytes meet the disk.
Run under the same uvicorn and HTTP protocol as `bwv serve`: `minimal_server.py PORT
[WORKERS]`. Files are kept: whoever set BENCH_TARGET_DIR removes them (the tus server keeps its
uploads too, and deleting costs time)."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import uvicorn

from openbwv.api.server import HTTP_PROTOCOL
from openbwv.ingest.staging import BLOCK, PartFile

TARGET = os.environ.get("BENCH_TARGET_DIR", "/tmp")


async def _stage(receive: Callable[[], Awaitable[dict[str, Any]]], part: PartFile) -> None:
    """The body in blocks of about BLOCK bytes, written as tus writes them, then fsynced."""
    try:
        blocks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            body = message.get("body", b"")
            more = message.get("more_body", False)
            if body:
                blocks.append(body)
                size += len(body)
            if size >= BLOCK or (blocks and not more):
                part.write(blocks)
                blocks, size = [], 0
        part.sync()
    finally:
        part.close()


async def app(
    scope: dict[str, Any],
    receive: Callable[[], Awaitable[dict[str, Any]]],
    send: Callable[[dict[str, Any]], Awaitable[None]],
) -> None:
    if scope["type"] != "http":
        return
    if scope["method"] == "GET":  # the load benchmark's floor: an answer and nothing else
        body = b'{"items":[]}'
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return
    name = uuid.uuid4().hex
    path = os.path.join(TARGET, f".incoming-{name}")
    await _stage(receive, PartFile(Path(path)))
    os.rename(path, os.path.join(TARGET, f"{name}.bin"))
    directory = os.open(TARGET, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


if __name__ == "__main__":
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    target = "minimal_server:app" if workers > 1 else app  # several processes need an import path
    uvicorn.run(
        target,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_level="warning",
        workers=workers,
        http=HTTP_PROTOCOL,
        proxy_headers=True,
    )
