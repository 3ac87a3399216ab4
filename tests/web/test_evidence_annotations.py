"""Notes, markers, tags and titles over the API: validated, audited, notes append-only."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from tests.support.stack import Stack
from tests.web.evidence_world import audit_actions, make_item, person


@pytest.fixture
def officer_api(live_server: str, stack: Stack) -> Iterator[tuple[httpx.Client, str, object]]:
    officer = person(stack, "officer")
    item = make_item(officer.user, datetime(2026, 5, 1, 8, 0, tzinfo=UTC), duration=60)
    headers = {"Authorization": f"Bearer {stack.user_token(officer.user)}"}
    with httpx.Client(base_url=f"{live_server}/api/v1/evidence/{item}", headers=headers) as c:
        yield c, item, officer.user


def test_notes_are_added_listed_and_never_changed(officer_api: tuple) -> None:
    client, item, user = officer_api
    first = client.post("/notes", json={"text": "  First impression.  "})
    assert first.status_code == 201 and first.json()["text"] == "First impression."
    second = client.post("/notes", json={"text": "Correction: it was a blue car."})
    assert second.status_code == 201
    listed = client.get("/notes").json()
    assert [n["text"] for n in listed] == ["First impression.", "Correction: it was a blue car."]
    assert listed[0]["author_name"] == f"Test User ({user.username})"
    assert client.post("/notes", json={"text": "x" * 10_001}).status_code == 422
    assert client.post("/notes", json={"text": "   "}).status_code == 422
    actions = [a for a, _ in audit_actions(item, user)]
    assert actions.count("evidence.note") == 2

    from openbwv.db.session import unit_of_work
    from openbwv.evidence.annotations.errors import AnnotationError
    from openbwv.evidence.annotations.models import Note

    with pytest.raises(AnnotationError, match="append-only"), unit_of_work() as session:
        note = session.get(Note, uuid.UUID(first.json()["id"]))
        assert note is not None
        note.text = "rewritten"
    with pytest.raises(AnnotationError, match="append-only"), unit_of_work() as session:
        note = session.get(Note, uuid.UUID(first.json()["id"]))
        session.delete(note)
    assert client.get("/notes").json()[0]["text"] == "First impression."


def test_markers_tags_and_title(officer_api: tuple) -> None:
    client, item, user = officer_api
    made = client.post("/markers", json={"label": "Door kicked", "offset_seconds": 12.5})
    assert made.status_code == 201 and made.json()["source"] == "user"
    assert client.post("/markers", json={"label": "Late", "offset_seconds": 90}).status_code == 422
    assert client.post("/markers", json={"label": "", "offset_seconds": 1}).status_code == 422
    assert [m["offset_seconds"] for m in client.get("/markers").json()] == [12.5]
    tags = client.put("/tags", json={"tags": ["Night Shift", "night  shift", " ", "A"]})
    assert tags.json() == {"tags": ["a", "night shift"]}
    assert client.put("/tags", json={"tags": ["x" * 41]}).status_code == 422
    assert client.get("/tags").json() == {"tags": ["a", "night shift"]}
    assert client.put("/title", json={"title": "  Arrest   on Strand "}).json() == {
        "title": "Arrest on Strand"
    }
    assert client.put("/title", json={"title": ""}).json() == {"title": None}
    details = [d for a, d in audit_actions(item, user) if a == "evidence.edit"]
    assert [(d["before"], d["after"]) for d in details] == [
        (None, "Arrest on Strand"),
        ("Arrest on Strand", None),
    ]
    assert {"evidence.marker", "evidence.tag"} <= {a for a, _ in audit_actions(item, user)}
