"""The engine, loaded once for the session (a few seconds) with the network refused: it must
come from the packages alone."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openbwv.speech import faster
from openbwv.speech.faster import FasterWhisper


class NetworkUsed(AssertionError):
    pass


def _refuse(self: socket.socket, address: Any) -> None:
    raise NetworkUsed(f"the model load tried to connect to {address}")


def _refuse_lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
    raise NetworkUsed(f"the model load tried to look up {host}")


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FasterWhisper]:
    """faster-whisper with the packaged Whisper base, loaded with HF_HUB_OFFLINE=1 and every
    socket connection and name lookup refused (a hub lookup would fail the load)."""
    connect, resolve = socket.socket.connect, socket.getaddrinfo
    socket.socket.connect = _refuse  # type: ignore[method-assign]
    socket.getaddrinfo = _refuse_lookup
    previous = os.environ.get("HF_HUB_OFFLINE")
    os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        loaded = faster.packaged(Path(tmp_path_factory.mktemp("models")))
    finally:
        socket.socket.connect = connect  # type: ignore[method-assign]
        socket.getaddrinfo = resolve
        if previous is None:
            os.environ.pop("HF_HUB_OFFLINE", None)
    yield loaded
