"""Finding a requester's footage by what was said (the transcripts, through the evidence search's
text) and by a CAD incident the matcher linked recordings to (not only a case's CAD number)."""

from __future__ import annotations

from typing import Any

from openbwv.access.models import User
from openbwv.access.policy.queries import principal_for_user
from openbwv.access.principal import Principal
from openbwv.db.session import unit_of_work
from openbwv.subject_access import queries
from openbwv.timeutil import utcnow
from tests.incidents.helpers import apply, at, number, recording, row, team_officers
from tests.support import factories
from tests.support.stack import Stack
from tests.support.transcripts import spoken as said
from tests.support.transcripts import transcribe


def _principal(user: Any) -> Principal:
    with unit_of_work() as session:
        loaded = session.get(User, user.id)
        assert loaded is not None
        return principal_for_user(session, loaded)


def _found(principal: Principal, form: queries.FindForm) -> list[Any]:
    with unit_of_work() as session:
        items, errors = queries.find_footage(session, principal, form)
    assert errors == {}
    return sorted(item.id for item in items)


def test_footage_is_found_by_the_words_said(stack: Stack) -> None:
    officer = stack.user("officer", borough="E09000033")
    handler = _principal(stack.user("information_rights", borough="E09000033"))
    word = factories.unique("Quillfeather").lower()
    spoken_in, other = (factories.item(officer, occurred=utcnow()) for _ in range(2))
    transcribe(spoken_in, said(f"my name is {word} from Leeds"))
    other_word = factories.unique("Ravensworth").lower()
    transcribe(other, said(f"stay where you are {other_word}"))
    assert _found(handler, queries.FindForm(words=word)) == [spoken_in]
    assert _found(handler, queries.FindForm(words=f"you are {other_word}")) == [other]
    assert _found(handler, queries.FindForm(words=f"{other_word} you")) == []  # words in a row


def test_a_cad_number_finds_the_recordings_linked_to_the_incident(stack: Stack) -> None:
    _team, (officer,) = team_officers(1)
    handler = _principal(stack.user("information_rights", borough="E09000033"))
    incident = number()
    attended = recording(officer, at(3, day=40), 10)
    recording(officer, at(300, day=40), 10)  # the same officer, hours later: not the incident's
    report = apply([row(incident, officer, at(0, day=40), at(4, day=40), at(20, day=40))])
    assert report.applied == 1, report
    assert _found(handler, queries.FindForm(cad=incident)) == [attended]
    with unit_of_work() as session:
        _items, errors = queries.find_footage(session, handler, queries.FindForm(cad="NONE 1"))
    assert errors == {"cad": "No case or incident has the CAD number NONE 1"}
