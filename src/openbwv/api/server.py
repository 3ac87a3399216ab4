"""The HTTP server's own limits, before any request reaches the application.

uvicorn's httptools protocol puts no bound on a request's head: one 8 MB header was answered,
and four connections each trickling 64 MB of an unfinished header grew the API by 200 MB, all
before authentication. Here the request line and headers together are limited to MAX_HEAD
bytes; beyond it the server answers 431 and closes the connection. The body is not counted
(uploads stream through)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEAD = 64 * 1024
# After refusing, what the client still sends is read and dropped for this long before closing:
# closing with unread input makes the kernel reset the connection, and the client would lose
# the 431 it is owed.
LINGER_SECONDS = 2.0
_PROBLEM = json.dumps(
    {
        "type": "about:blank",
        "title": "Request Header Fields Too Large",
        "status": 431,
        "detail": f"the request line and headers may be {MAX_HEAD} bytes in all",
    }
).encode()


class BoundedHeadProtocol(HttpToolsProtocol):
    """httptools, with the request head bounded (RFC 6585 431 beyond it)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True
        self._head_bytes = 0
        self._refused = False

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head, self._head_bytes = True, 0

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # lingering: dropped, never buffered
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        # Checked after parsing: a chunk that completes the head may carry body bytes too.
        if self._in_head and self._head_bytes > MAX_HEAD and not self.transport.is_closing():
            self._refuse_head()

    def _refuse_head(self) -> None:
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: application/problem+json\r\n"
            b"content-length: " + str(len(_PROBLEM)).encode() + b"\r\n"
            b"connection: close\r\n\r\n" + _PROBLEM
        )
        self._refused = True
        if self.transport.can_write_eof():
            self.transport.write_eof()  # the answer is complete: the client reads it, then EOF
        asyncio.get_running_loop().call_later(LINGER_SECONDS, self.transport.close)


HTTP_PROTOCOL = BoundedHeadProtocol  # what every openbwv server runs (`bwv serve`, the demo)
