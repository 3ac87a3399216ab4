"""The physical-limit server for the ingest benchmark: a bare ASGI app that streams a request body
to a file and fsyncs it — what any HTTP upload server must at least do, with no hashing, no
database and no protocol; a GET answers at once (the load benchmark's floor). Run under the same
uvicorn as `bwv serve`: `minimal_server.py PORT [WORKERS]`."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

TARGET = os.environ.get("BENCH_TARGET_DIR", "/tmp")


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
    path = os.path.join(TARGET, f"{uuid.uuid4().hex}.bin")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        more = True
        while more:
            message = await receive()
            body = message.get("body", b"")
            if body:
                os.write(fd, body)
            more = message.get("more_body", False)
        os.fsync(fd)
    finally:
        os.close(fd)
        os.unlink(path)
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


if __name__ == "__main__":
    import uvicorn

    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    target = "minimal_server:app" if workers > 1 else app  # several processes need an import path
    uvicorn.run(
        target, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", workers=workers
    )
