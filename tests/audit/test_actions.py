"""The audit action catalogue: unknown names are refused, every permission is an action (refusals
are recorded under the permission they lacked), and docs/audit.md lists exactly the catalogue."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from openbwv.access.policy import roles
from openbwv.access.principal import Principal
from openbwv.audit.actions import ACTIONS, UnknownAction, markdown_table
from openbwv.audit.events import record
from openbwv.audit.pending import COLUMNS, waiting

DOCS = Path(__file__).resolve().parents[2] / "docs" / "audit.md"
ACTOR = Principal(id=uuid.UUID(int=77), name="catalogue-test", kind="system")


def test_record_refuses_a_name_that_is_not_in_the_catalogue() -> None:
    session = Session()  # never bound: a refused name must fail before anything is added
    with pytest.raises(UnknownAction, match=r"evidence\.veiw"):
        record(session, ACTOR, "evidence.veiw")
    assert not waiting(session)


def test_record_accepts_every_catalogued_name() -> None:
    session = Session()
    for action in ACTIONS:
        event = record(session, ACTOR, action)
        assert event.action == action
    assert [row[COLUMNS.index("action")] for row in waiting(session)] == list(ACTIONS)


def test_every_permission_is_an_action_so_refusals_can_be_recorded() -> None:
    permissions = {p for spec in roles.DEFAULT_ROLE_SPECS for p in spec.permissions}
    permissions |= set(roles.EVIDENCE_ACTIONS)
    missing = sorted(p for p in permissions if p not in ACTIONS)
    assert not missing, f"permissions without a catalogue entry: {missing}"


def test_every_action_has_a_meaning_and_a_dotted_name() -> None:
    for name, meaning in ACTIONS.items():
        assert re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", name), name
        assert meaning.strip() and len(meaning) < 120, name


def test_docs_list_exactly_the_catalogue() -> None:
    text = DOCS.read_text()
    listed = text.split("<!-- actions:begin -->\n", 1)[1].split("\n<!-- actions:end -->", 1)[0]
    assert listed == markdown_table()
