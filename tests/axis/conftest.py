"""Fixtures: a connection file made as an administrator would, and clients that use it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from openbwv.ingest.axis.client import AxisClient
from tests.support.stack import Stack


def make_connection(live_server: str, name: str, *, encryption: bool = True) -> dict[str, Any]:
    import json

    from openbwv.db.session import unit_of_work
    from openbwv.ingest.axis.connection import create_connection

    with unit_of_work() as session:
        connection = create_connection(
            session, urls=[live_server], name=name, encryption=encryption
        )
    return dict(json.loads(connection.to_json()))


@pytest.fixture(scope="session")
def axis_doc(stack: Stack, live_server: str) -> dict[str, Any]:
    """The connection file of a body worn system with end-to-end encryption."""
    return make_connection(live_server, "axis-test")


@pytest.fixture(scope="session")
def plain_doc(stack: Stack, live_server: str) -> dict[str, Any]:
    """The connection file of a body worn system without encryption (its own account)."""
    return make_connection(live_server, "axis-plain", encryption=False)


@pytest.fixture
def axis(axis_doc: dict[str, Any]) -> Iterator[AxisClient]:
    with AxisClient.from_connection_file(axis_doc, backoff=0.05) as client:
        yield client


@pytest.fixture
def axis_plain(plain_doc: dict[str, Any]) -> Iterator[AxisClient]:
    with AxisClient.from_connection_file(plain_doc, backoff=0.05) as client:
        yield client


class Device:
    """Raw HTTP as a body worn system: signed in, with the storage URL it was given."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.http = httpx.Client(timeout=60)
        response = self.http.get(
            doc["AuthenticationTokenURI"][0],
            headers={"X-Auth-User": doc["BlobAPIUserName"], "X-Auth-Key": doc["BlobAPIKey"]},
        )
        assert response.status_code == 200, response.text
        self.token = response.headers["X-Auth-Token"]
        self.storage_url = response.headers["X-Storage-Url"]

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"X-Auth-Token": self.token, **kwargs.pop("headers", {})}
        return self.http.request(method, f"{self.storage_url}/{path}", headers=headers, **kwargs)


@pytest.fixture
def device(plain_doc: dict[str, Any]) -> Iterator[Device]:
    raw = Device(plain_doc)
    try:
        yield raw
    finally:
        raw.http.close()
