"""Recording audit events: every domain calls `record` inside the unit of work of its action."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from json.encoder import encode_basestring
from operator import attrgetter
from typing import Any, Protocol

from sqlalchemy.orm import Session

from openbwv.access.principal import Principal
from openbwv.audit import actions, pending
from openbwv.ids import new_id
from openbwv.timeutil import isoformat_z, utcnow

SUCCESS = "success"
DENIED = "denied"
FAILURE = "failure"
ENTRY_VERSION = 1


# What json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False) builds per call.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: Any) -> str:
    """Sorted keys, no insignificant whitespace, UTF-8 text: the same event gives the same bytes."""
    return _CANONICAL.encode(value)


class EventColumns(Protocol):
    """The columns a leaf is built from: an `AuditEvent`, or a row selecting the same names."""

    @property
    def event_id(self) -> uuid.UUID: ...
    @property
    def occurred_at(self) -> datetime: ...
    @property
    def actor_id(self) -> uuid.UUID | None: ...
    @property
    def actor_name(self) -> str: ...
    @property
    def actor_kind(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def evidence_id(self) -> uuid.UUID | None: ...
    @property
    def target_type(self) -> str | None: ...
    @property
    def target_id(self) -> str | None: ...
    @property
    def result(self) -> str: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def source_ip(self) -> str | None: ...
    @property
    def details(self) -> dict[str, Any]: ...


def entry_document(event: EventColumns) -> dict[str, Any]:
    """The leaf content, built only from the event's columns (so tampering with either shows)."""
    return {
        "v": ENTRY_VERSION,
        "event_id": str(event.event_id),
        "time": isoformat_z(event.occurred_at),
        "actor": {
            "id": str(event.actor_id) if event.actor_id else None,
            "name": event.actor_name,
            "kind": event.actor_kind,
        },
        "action": event.action,
        "evidence_id": str(event.evidence_id) if event.evidence_id else None,
        "target": {"type": event.target_type, "id": event.target_id},
        "result": event.result,
        "reason": event.reason,
        "source_ip": event.source_ip,
        "details": event.details,
    }


@dataclass(slots=True)
class RecordedEvent:
    """What `record` returns: the event's columns (its row is written with the session's next
    statement or commit; `id` and `leaf_index` are the database's, read them back by `event_id`)."""

    event_id: uuid.UUID
    occurred_at: datetime
    actor_id: uuid.UUID | None
    actor_name: str
    actor_kind: str
    action: str
    evidence_id: uuid.UUID | None
    target_type: str | None
    target_id: str | None
    result: str
    reason: str | None
    source_ip: str | None
    details: dict[str, Any]
    entry: str = ""


def _value(value: Any) -> str:
    """One value as the canonical encoder writes it inside a document."""
    if value is None:
        return "null"
    if type(value) is str:
        return encode_basestring(value)  # the encoder's own string escaping (ensure_ascii=False)
    return _CANONICAL.encode(value)


_VERSION = _CANONICAL.encode(ENTRY_VERSION)


def entry_text(event: EventColumns) -> str:
    """`canonical_json(entry_document(event))`, byte for byte (tests/audit/test_leaf_text.py),
    in a third less time: the document's keys are fixed, so only its values are encoded."""
    value = _value
    return "".join(
        (
            '{"action":',
            value(event.action),
            ',"actor":{"id":',
            value(str(event.actor_id) if event.actor_id else None),
            ',"kind":',
            value(event.actor_kind),
            ',"name":',
            value(event.actor_name),
            '},"details":',
            _CANONICAL.encode(event.details),
            ',"event_id":',
            value(str(event.event_id)),
            ',"evidence_id":',
            value(str(event.evidence_id) if event.evidence_id else None),
            ',"reason":',
            value(event.reason),
            ',"result":',
            value(event.result),
            ',"source_ip":',
            value(event.source_ip),
            ',"target":{"id":',
            value(event.target_id),
            ',"type":',
            value(event.target_type),
            '},"time":',
            value(isoformat_z(event.occurred_at)),
            ',"v":',
            _VERSION,
            "}",
        )
    )


def record(
    session: Session,
    principal: Principal | None,
    action: str,
    *,
    evidence_id: uuid.UUID | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    result: str = SUCCESS,
    reason: str | None = None,
    source_ip: str | None = None,
    details: dict[str, Any] | None = None,
) -> RecordedEvent:
    """Append an event to the audit log in the caller's transaction.

    `action` is a dotted verb from the catalogue (`audit.actions`), such as "evidence.view",
    "evidence.play", "upload.complete", "auth.login": a name that is not there is refused
    (`UnknownAction`). `details` must be JSON (no floats that matter: use strings or integers).

    The row waits in the session and is written, with the others recorded alongside it and in
    their order, before the session's next statement or at commit (`audit.pending`); a rollback
    discards it with the action.
    """
    actions.check(action)
    now = utcnow()  # one reading, to milliseconds (stable through every database's timestamps)
    event = RecordedEvent(
        event_id=new_id(),
        occurred_at=now.replace(microsecond=now.microsecond // 1000 * 1000),
        actor_id=(principal.user_id or principal.id) if principal else None,
        actor_name=principal.name if principal else "anonymous",
        actor_kind=principal.kind if principal else "anonymous",
        action=action,
        evidence_id=evidence_id,
        target_type=target_type,
        target_id=target_id,
        result=result,
        reason=reason,
        source_ip=source_ip,
        details=_with_token(principal, details),
    )
    event.entry = entry_text(event)
    pending.add(session, _row(event))
    return event


_row = attrgetter(*pending.COLUMNS)  # the event's values in the order `pending` inserts them


def _with_token(principal: Principal | None, details: dict[str, Any] | None) -> dict[str, Any]:
    """A token acting as a person is recorded as that person, naming the token used."""
    if principal is not None and principal.kind == "token" and principal.user_id is not None:
        return {**(details or {}), "via_token": str(principal.id)}
    return details or {}
