"""Who is calling from where: the request's client context, from one dependency.

Services take a `ClientContext` (or its `ip`) for their audit records instead of each endpoint
digging the address out of the request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

MAX_USER_AGENT = 256  # recorded in audit details; longer values are cut


@dataclass(frozen=True)
class ClientContext:
    ip: str | None
    user_agent: str | None


def client_context(request: Request) -> ClientContext:
    agent = request.headers.get("user-agent")
    return ClientContext(
        ip=request.client.host if request.client else None,
        user_agent=agent[:MAX_USER_AGENT] if agent else None,
    )


Client = Annotated[ClientContext, Depends(client_context)]
