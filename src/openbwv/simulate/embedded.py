"""The platform's API on a loopback port inside this process, for as long as a block runs: what
`bwv demo` points the simulator at, so footage arrives over real HTTP through the Axis protocol
before `bwv serve` starts. Processing jobs are queued as usual and run once a worker does."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from openbwv.api.server import HTTP_PROTOCOL

# The composition root builds the app; named, not imported, since it installs this domain.
APP_FACTORY = "openbwv.composition:create_app"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def embedded_platform(timeout: float = 30.0) -> Iterator[str]:
    """Yields the base URL of the API served from a thread of this process."""
    port = _free_port()
    config = uvicorn.Config(
        APP_FACTORY,
        factory=True,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        http=HTTP_PROTOCOL,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="embedded-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the embedded API did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
