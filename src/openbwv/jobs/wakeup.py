"""Waking local workers when a job becomes ready, without a broker and without busy polling.

Each worker on this machine binds a Unix datagram socket in a folder of the data dir; whoever
commits a job (the API, a worker finishing a job that enqueues the next) sends one empty datagram
to every socket there after the commit. A datagram is a hint, never the job: the job row is the
queue, so a lost hint costs only the worker's fallback poll (jobs.worker), and a socket whose
worker died refuses the datagram and is removed by the sender.

Why datagrams on Unix sockets: sending is one non-blocking system call per worker (microseconds,
no connection, no reply awaited), a full buffer means the worker already has hints to read, and
a dead worker's socket is detected by the kernel (ECONNREFUSED) rather than by a timeout.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import tempfile
import threading
from pathlib import Path

from openbwv.config import get_settings

SOCKET_SUFFIX = ".wake"
MAX_SOCKET_PATH = 100  # sockaddr_un holds 108 bytes on Linux, 104 on the BSDs
_sender: socket.socket | None = None
_sender_lock = threading.Lock()


def wake_folder() -> Path:
    """Where this data dir's workers listen; under the temp dir when the data dir's path is too
    long for a socket address."""
    data_dir = get_settings().resolved_data_dir
    folder = data_dir / "run"
    if len(str(folder)) + 24 > MAX_SOCKET_PATH:
        digest = hashlib.sha256(str(data_dir).encode()).hexdigest()[:16]
        folder = Path(tempfile.gettempdir()) / f"openbwv-{digest}"
    return folder


def _sending_socket() -> socket.socket:
    global _sender
    with _sender_lock:
        if _sender is None:
            _sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            _sender.setblocking(False)
        return _sender


def notify() -> int:
    """Wake every local worker; how many were reached. Never raises: a hint may be lost."""
    try:
        names = os.listdir(wake_folder())
    except OSError:
        return 0
    sender, reached = _sending_socket(), 0
    for name in names:
        if not name.endswith(SOCKET_SUFFIX):
            continue
        path = str(wake_folder() / name)
        try:
            sender.sendto(b"", path)
            reached += 1
        except BlockingIOError:
            reached += 1  # its buffer is full of hints it has yet to read: it is awake
        except (ConnectionRefusedError, FileNotFoundError):
            _remove(path)  # its worker is gone
        except OSError:
            pass
    return reached


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


class WakeSocket:
    """A worker's end: `wait(timeout)` returns True when woken, False when the time ran out."""

    def __init__(self) -> None:
        folder = wake_folder()
        folder.mkdir(parents=True, exist_ok=True)
        self.path = str(folder / f"{os.getpid()}{SOCKET_SUFFIX}")
        _remove(self.path)  # a dead process with our pid left it
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.socket.bind(self.path)

    def wait(self, timeout: float) -> bool:
        self.socket.settimeout(max(timeout, 0.0))
        try:
            self.socket.recv(16)
        except TimeoutError:
            return False
        except OSError:
            return False  # closed while waiting (shutting down)
        self.drain()
        return True

    def drain(self) -> None:
        """Read every hint already queued: one pass of claiming answers them all."""
        self.socket.setblocking(False)
        try:
            while True:
                self.socket.recv(16)
        except OSError:
            pass

    def close(self) -> None:
        _remove(self.path)
        self.socket.close()
