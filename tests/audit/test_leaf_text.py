"""The leaf text `record` writes is, byte for byte, the canonical JSON of the event's document:
what verification (and any outside verifier) rebuilds from the stored columns."""

from __future__ import annotations

import uuid
from datetime import UTC
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openbwv.audit.events import RecordedEvent, canonical_json, entry_document, entry_text

OPTIONAL = st.none() | st.text()
JSON: Any = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    names=st.tuples(st.text(), st.text(), st.text(), st.text()),
    optional=st.tuples(OPTIONAL, OPTIONAL, OPTIONAL, OPTIONAL),
    details=st.dictionaries(st.text(), JSON, max_size=3),
    ids=st.tuples(st.booleans(), st.booleans()),
    when=st.datetimes(timezones=st.just(UTC)),
)
def test_entry_text_is_the_canonical_json_of_the_document(
    names: tuple[str, str, str, str],
    optional: tuple[str | None, str | None, str | None, str | None],
    details: dict[str, Any],
    ids: tuple[bool, bool],
    when: Any,
) -> None:
    actor_name, actor_kind, action, result = names
    target_type, target_id, reason, source_ip = optional
    event = RecordedEvent(
        event_id=uuid.uuid4(),
        occurred_at=when,
        actor_id=uuid.uuid4() if ids[0] else None,
        actor_name=actor_name,
        actor_kind=actor_kind,
        action=action,
        evidence_id=uuid.uuid4() if ids[1] else None,
        target_type=target_type,
        target_id=target_id,
        result=result,
        reason=reason,
        source_ip=source_ip,
        details=details,
    )
    assert entry_text(event) == canonical_json(entry_document(event))


def test_a_known_event_gives_the_documented_bytes() -> None:
    event = RecordedEvent(
        event_id=uuid.UUID("01938a5e-0000-7000-8000-000000000001"),
        occurred_at=__import__("datetime").datetime(2026, 11, 24, 9, 15, 2, 311000, tzinfo=UTC),
        actor_id=None,
        actor_name='Zoë \u2028 \x07 "quoted"',
        actor_kind="token",
        action="evidence.view",
        evidence_id=None,
        target_type=None,
        target_id=None,
        result="success",
        reason=None,
        source_ip="10.0.0.7",
        details={"b": [1, "✓"], "a": {}},
    )
    assert entry_text(event) == (
        '{"action":"evidence.view","actor":{"id":null,"kind":"token",'
        '"name":"Zoë \u2028 \\u0007 \\"quoted\\""},"details":{"a":{},"b":[1,"✓"]},'
        '"event_id":"01938a5e-0000-7000-8000-000000000001","evidence_id":null,"reason":null,'
        '"result":"success","source_ip":"10.0.0.7","target":{"id":null,"type":null},'
        '"time":"2026-11-24T09:15:02.311000Z","v":1}'
    )
