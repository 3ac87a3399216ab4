"""Job handlers by kind. Domains register their handlers (their `tasks` modules, imported by
their installs); `run_job` dispatches to them. This module imports no domain."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from openbwv.jobs.models import Job

Handler = Callable[[Job], Callable[[Session], dict[str, Any] | None]]
GiveUp = Callable[[Session, Job], None]


@dataclass(frozen=True)
class JobKind:
    name: str
    queue: str
    handler: Handler
    give_up: GiveUp | None = None  # called in the failing transaction after the last attempt


_kinds: dict[str, JobKind] = {}


def register(name: str, queue: str, give_up: GiveUp | None = None) -> Callable[[Handler], Handler]:
    """Register a two-phase handler.

    Phase one (the decorated function) runs outside any transaction: slow work such as decoding
    video or writing derivatives to storage, which must be idempotent. It returns phase two, a
    function that records the result in the task's unit of work and returns a JSON summary.
    """

    def decorate(handler: Handler) -> Handler:
        _kinds[name] = JobKind(name, queue, handler, give_up)
        return handler

    return decorate


def kind(name: str) -> JobKind:
    try:
        return _kinds[name]
    except KeyError:
        # Handlers are registered by the domains' installs (openbwv.composition.compose()).
        raise LookupError(
            f"no handler registered for job kind {name!r} (is the platform composed?)"
        ) from None


def queue_for(name: str) -> str:
    return kind(name).queue
