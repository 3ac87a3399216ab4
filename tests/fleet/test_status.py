"""Camera status: the transition table, written out here independently of the code, and what a
status change does to an assignment."""

from __future__ import annotations

import itertools

import pytest

from openbwv.db.session import unit_of_work
from openbwv.fleet.cameras import lifecycle
from openbwv.fleet.cameras import queries as camera_queries
from openbwv.fleet.cameras import service as camera_service
from openbwv.fleet.errors import FleetConflict, FleetError
from tests.fleet import helpers
from tests.fleet.helpers import ACTOR
from tests.support.stack import Stack

STATUSES = ("in_stock", "issued", "docked", "faulty", "lost", "retired")
ALLOWED = {
    ("in_stock", "issued"),
    ("in_stock", "docked"),
    ("in_stock", "faulty"),
    ("in_stock", "lost"),
    ("in_stock", "retired"),
    ("issued", "docked"),
    ("issued", "in_stock"),
    ("issued", "faulty"),
    ("issued", "lost"),
    ("docked", "issued"),
    ("docked", "in_stock"),
    ("docked", "faulty"),
    ("docked", "lost"),
    ("faulty", "in_stock"),
    ("faulty", "retired"),
    ("lost", "in_stock"),
    ("lost", "retired"),
}


def test_transition_table() -> None:
    for old, new in itertools.product(STATUSES, STATUSES):
        if old != new:
            assert lifecycle.can_transition(old, new) == ((old, new) in ALLOWED), (old, new)
    assert not any(lifecycle.can_transition("retired", s) for s in STATUSES)


def _change(serial: str, status: str) -> None:
    with unit_of_work() as session:
        camera_service.change_status(
            session, ACTOR, camera_queries.get_camera(session, serial), status
        )


def test_refused_transitions_leave_the_camera_as_it_was(stack: Stack) -> None:
    serial = helpers.camera()
    _change(serial, "retired")
    for status in ("in_stock", "docked", "faulty", "lost"):
        with pytest.raises(FleetConflict, match="cannot go from retired"):
            _change(serial, status)
    assert helpers.status_of(serial) == "retired"
    with pytest.raises(FleetError, match="unknown status"):
        _change(serial, "stolen")
    fresh = helpers.camera()
    with pytest.raises(FleetConflict, match="issued by assigning"):
        _change(fresh, "issued")
    assert helpers.status_of(fresh) == "in_stock"


def test_docking_keeps_the_assignment_and_faulty_ends_it(stack: Stack) -> None:
    serial, person = helpers.camera(), helpers.officer()
    helpers.assign(serial, person.warrant_number)
    _change(serial, "docked")  # end of shift: still the officer's camera
    _change(serial, "issued")  # taken out of the dock again
    with unit_of_work() as session:
        camera = camera_queries.get_camera(session, serial)
        assert camera_queries.open_assignment(session, camera) is not None
    _change(serial, "faulty")
    with unit_of_work() as session:
        camera = camera_queries.get_camera(session, serial)
        assert camera_queries.open_assignment(session, camera) is None
        ended = camera_queries.history(session, camera=camera)[0]
        assert ended.end_reason == "camera faulty" and ended.ended_at is not None
    with pytest.raises(FleetConflict, match="faulty and cannot be issued"):
        helpers.assign(serial, person.warrant_number)
    other = helpers.camera()
    helpers.assign(other, person.warrant_number)  # the officer is free for another camera
    _change(serial, "in_stock")  # repaired
    assert helpers.status_of(serial) == "in_stock"


def test_a_docked_camera_without_an_officer_cannot_be_marked_issued(stack: Stack) -> None:
    serial = helpers.camera(status="docked")
    with pytest.raises(FleetConflict, match="issued by assigning"):
        _change(serial, "issued")
    with pytest.raises(FleetError, match="issued by assigning it"):
        helpers.camera(status="issued")
