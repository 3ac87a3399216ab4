"""How many transactions a tus request runs (issue 8: the final PATCH ran 9; at most 4 now).

Each BEGIN the database sees while a request is served is counted, in the threads that serve
requests (AnyIO's worker threads: every database call of a request runs in one). Background
threads of the test process (the sweeper, the audit integrator) are not counted."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event

from openbwv.db.session import get_engine
from tests.support import tus

REQUEST_THREAD = "AnyIO worker thread"


@contextmanager
def counted_transactions() -> Iterator[list[str]]:
    seen: list[str] = []

    def on_begin(_connection: Any) -> None:
        name = threading.current_thread().name
        if name == REQUEST_THREAD:
            seen.append(name)

    engine = get_engine()
    event.listen(engine, "begin", on_begin)
    try:
        yield seen
    finally:
        event.remove(engine, "begin", on_begin)


def test_a_final_patch_runs_at_most_four_transactions(api: httpx.Client) -> None:
    data = os.urandom(300_000)
    created = tus.create(api, len(data), {"filename": "counted.mp4"})
    assert created.status_code == 201, created.text
    url = created.headers["Location"]
    with counted_transactions() as middle:
        response = tus.patch(api, url, 0, data[:200_000])
    assert response.status_code == 204, response.text
    with counted_transactions() as final:
        response = tus.patch(api, url, 200_000, data[200_000:])
    assert response.status_code == 204, response.text
    assert "Evidence-Location" in response.headers
    item = api.get(response.headers["Evidence-Location"]).json()
    assert item["sha256"] == hashlib.sha256(data).hexdigest()
    # authentication, the read under the upload's lock, the offset with the digest, the item
    assert len(final) <= 4, f"the final PATCH ran {len(final)} transactions"
    # authentication, the read under the lock, the offset
    assert len(middle) <= 3, f"a PATCH ran {len(middle)} transactions"
