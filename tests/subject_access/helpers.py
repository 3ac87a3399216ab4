"""Subject access test helpers: an information rights officer's API client, and footage at a
known time and place (records with stored originals, so a package can be built)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import httpx
from typer.testing import CliRunner

from openbwv.composition import cli
from openbwv.timeutil import utcnow
from tests.support import factories
from tests.support.stack import Stack

# Two places a mile apart in Westminster: the requester was filmed at the first.
HERE = (51.5010, -0.1416)
ELSEWHERE = (51.5145, -0.1300)


@contextmanager
def client_for(live_server: str, stack: Stack, user: Any) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {stack.user_token(user)}"}
    with httpx.Client(base_url=live_server, headers=headers, timeout=60) as client:
        yield client


def filmed(
    owner: Any,
    at: datetime,
    where: tuple[float, float],
    *,
    title: str = "",
    stored: bool = True,
    content: bytes | None = None,
) -> uuid.UUID:
    """An item recorded at `at` whose track stays within a few metres of `where` (`content`: a
    real MP4's bytes, for an item that goes into a package)."""
    lat, lon = where
    track = [[(at + timedelta(seconds=s)).isoformat(), lat + s * 1e-6, lon] for s in (0, 10, 20)]
    return factories.item(
        owner, occurred=at, track=track, title=title or None, stored=stored, content=content
    )


def hours_ago(hours: float) -> datetime:
    return utcnow().replace(microsecond=0) - timedelta(hours=hours)


def redacted(stack: Stack, item: uuid.UUID) -> None:
    """The item's faces found, tracked and redacted, and the copy rendered, by `bwv redact` (the
    real jobs): a request releases redacted copies only."""
    out = stack.data_dir / f"{item}-redacted.mp4"
    done = CliRunner().invoke(
        cli(), ["redact", str(item), "--faces", "--out", str(out)], env=stack.env
    )
    assert done.exit_code == 0, done.output
