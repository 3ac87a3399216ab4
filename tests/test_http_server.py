"""The server bounds a request's head before any application code runs (issue 9, item 22): an
8 MB header was answered 200, and unfinished 64 MB headers grew the process by 200 MB."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import httpx

from openbwv.api.server import MAX_HEAD


def _connect(live_server: str) -> socket.socket:
    address = urlsplit(live_server)
    return socket.create_connection((address.hostname, address.port), timeout=30)


def _answer(sock: socket.socket) -> bytes:
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def test_an_oversized_header_is_431_before_authentication(live_server: str) -> None:
    with _connect(live_server) as sock:
        head = b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (8 * 1024 * 1024)
        sock.sendall(head + b"\r\n\r\n")  # read and dropped after the refusal, not buffered
        answer = _answer(sock)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    assert b"application/problem+json" in answer


def test_an_unfinished_header_is_cut_off_at_the_limit(live_server: str) -> None:
    with _connect(live_server) as sock:
        sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        for _ in range(4 * MAX_HEAD // 4096):  # never finished: the server must not wait for it
            sock.sendall(b"b" * 4096)
        answer = _answer(sock)  # the server ended its side after answering: recv sees the end
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]


def test_large_but_allowed_heads_and_bodies_still_pass(live_server: str, api: httpx.Client) -> None:
    response = httpx.get(
        f"{live_server}/api/v1/health", headers={"X-Note": "n" * (MAX_HEAD - 2048)}, timeout=30
    )
    assert response.status_code == 200
    body = b"z" * (4 * MAX_HEAD)  # bodies are not the head: a tus chunk streams through
    created = api.post(
        "/api/v1/uploads/",
        headers={"Tus-Resumable": "1.0.0", "Upload-Length": str(len(body))},
    )
    assert created.status_code == 201
    patched = api.patch(
        created.headers["Location"],
        headers={
            "Tus-Resumable": "1.0.0",
            "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream",
        },
        content=body,
    )
    assert patched.status_code == 204, patched.text
