"""The request's unit of work, as FastAPI dependencies.

`Db` is one transaction for the whole endpoint: it commits when the endpoint returns and before
the response is sent (`scope="function"`), so a failed commit answers 500 and never a false 200;
an error rolls it back (a refusal's audit record is written in its own transaction by the access
handler). `ReadDb` is a read-only transaction, for endpoints that neither change nor audit.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from openbwv.db.session import read_only_unit_of_work, unit_of_work


def request_unit_of_work() -> Iterator[Session]:
    with unit_of_work() as session:
        yield session


def request_read_only() -> Iterator[Session]:
    with read_only_unit_of_work() as session:
        yield session


Db = Annotated[Session, Depends(request_unit_of_work, scope="function")]
ReadDb = Annotated[Session, Depends(request_read_only, scope="function")]
