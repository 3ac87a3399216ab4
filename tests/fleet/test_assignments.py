"""Assignments: the database keeps one open assignment per camera and per officer, history is
kept, and wearer_at answers who wore a camera at any instant."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from openbwv.db.session import unit_of_work
from openbwv.fleet.cameras import queries as camera_queries
from openbwv.fleet.cameras import service as camera_service
from openbwv.fleet.errors import FleetConflict, FleetError
from openbwv.fleet.models import Assignment, Camera
from openbwv.ids import new_id
from openbwv.timeutil import utcnow
from tests.fleet import helpers
from tests.fleet.helpers import ACTOR
from tests.support.stack import Stack


def _ids(serial: str, warrant: str) -> tuple[object, object]:
    with unit_of_work() as session:
        return camera_queries.get_camera(session, serial).id, camera_queries.get_officer(
            session, warrant
        ).id


def test_database_refuses_second_open_assignment_of_a_camera(stack: Stack) -> None:
    serial = helpers.camera()
    first, second = helpers.officer(), helpers.officer()
    helpers.assign(serial, first.warrant_number)
    camera_id, second_id = _ids(serial, second.warrant_number)
    # Bypass the service entirely: a plain INSERT of a second open row for the camera.
    with pytest.raises(IntegrityError), unit_of_work() as session:
        session.execute(
            insert(Assignment).values(
                id=new_id(),
                camera_id=camera_id,
                officer_id=second_id,
                kind="permanent",
                started_at=utcnow(),
            )
        )
    with unit_of_work() as session:
        rows = session.scalars(select(Assignment).where(Assignment.camera_id == camera_id)).all()
        assert [r.officer_id for r in rows] == [first.id]


def test_database_refuses_second_open_assignment_of_an_officer(stack: Stack) -> None:
    one, two = helpers.camera(), helpers.camera()
    person = helpers.officer()
    helpers.assign(one, person.warrant_number)
    two_id, person_id = _ids(two, person.warrant_number)
    with pytest.raises(IntegrityError), unit_of_work() as session:
        session.add(
            Assignment(
                camera_id=two_id, officer_id=person_id, kind="permanent", started_at=utcnow()
            )
        )
        session.flush()


def test_database_allows_closed_history_and_refuses_backwards_intervals(stack: Stack) -> None:
    serial, person = helpers.camera(), helpers.officer()
    camera_id, person_id = _ids(serial, person.warrant_number)
    now = utcnow()
    with unit_of_work() as session:  # many closed rows for the same pair are fine
        for day in range(3):
            start = now - timedelta(days=10 - day)
            session.add(
                Assignment(
                    camera_id=camera_id,
                    officer_id=person_id,
                    kind="permanent",
                    started_at=start,
                    ended_at=start + timedelta(hours=8),
                )
            )
    with pytest.raises(IntegrityError), unit_of_work() as session:
        session.add(
            Assignment(
                camera_id=camera_id,
                officer_id=person_id,
                kind="permanent",
                started_at=now,
                ended_at=now - timedelta(seconds=1),
            )
        )
        session.flush()


def test_service_explains_the_conflict(stack: Stack) -> None:
    serial = helpers.camera()
    first, second = helpers.officer(), helpers.officer()
    helpers.assign(serial, first.warrant_number)
    with pytest.raises(FleetConflict, match=f"already assigned to {first.warrant_number}"):
        helpers.assign(serial, second.warrant_number)
    other = helpers.camera()
    with pytest.raises(FleetConflict, match=f"already holds camera {serial}"):
        helpers.assign(other, first.warrant_number)
    assert helpers.status_of(serial) == "issued"
    assert helpers.status_of(other) == "in_stock"


def _race(attempts: list[tuple[str, str]]) -> list[object]:
    """Run assignments at the same moment from separate threads and sessions."""
    barrier = threading.Barrier(len(attempts))
    results: list[object] = [None] * len(attempts)

    def attempt(index: int, serial: str, warrant: str) -> None:
        barrier.wait()
        try:
            results[index] = helpers.assign(serial, warrant)
        except FleetError as exc:
            results[index] = exc

    threads = [threading.Thread(target=attempt, args=(i, *a)) for i, a in enumerate(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.parametrize("bypass_checks", [False, True], ids=["service", "database-only"])
def test_concurrent_assignments_end_with_exactly_one(
    stack: Stack, bypass_checks: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if bypass_checks:  # only the partial unique indexes stand between the racers
        monkeypatch.setattr(camera_queries, "open_assignment", lambda *_a: None)
        monkeypatch.setattr(camera_queries, "officer_assignment", lambda *_a: None)
    serial = helpers.camera()
    people = [helpers.officer() for _ in range(6)]
    results = _race([(serial, p.warrant_number) for p in people])
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1, results
    assert all(isinstance(r, FleetConflict) for r in results if r not in winners)
    lone = helpers.officer()
    cams = [helpers.camera() for _ in range(6)]
    results = _race([(c, lone.warrant_number) for c in cams])
    assert sum(not isinstance(r, Exception) for r in results) == 1, results
    with unit_of_work() as session:
        open_rows = session.scalars(
            select(Assignment).where(
                Assignment.officer_id == lone.id, Assignment.ended_at.is_(None)
            )
        ).all()
        assert len(open_rows) == 1


def test_wearer_at_boundaries_and_history(stack: Stack) -> None:
    serial = helpers.camera()
    alice, bob, carol = helpers.officer(), helpers.officer(), helpers.officer()
    t0 = utcnow().replace(microsecond=0) - timedelta(days=3)
    t1, t2, t3 = t0 + timedelta(hours=8), t0 + timedelta(hours=16), t0 + timedelta(days=1)
    helpers.assign(serial, alice.warrant_number, started_at=t0)
    helpers.unassign(serial, ended_at=t1)
    helpers.assign(serial, bob.warrant_number, started_at=t1)  # handover at the same instant
    helpers.unassign(serial, ended_at=t2)
    helpers.assign(serial, carol.warrant_number, started_at=t3)
    tick = timedelta(microseconds=1)
    expected = {
        t0 - tick: None,
        t0: alice.id,
        t1 - tick: alice.id,
        t1: bob.id,  # [start, end): the new wearer owns the handover instant
        t2 - tick: bob.id,
        t2: None,  # back in stock
        t3 - tick: None,
        t3: carol.id,
        utcnow() + timedelta(days=1): carol.id,  # still wearing it
    }
    with unit_of_work() as session:
        for when, who in expected.items():
            user = camera_queries.wearer_at(session, serial, when)
            assert (user.id if user else None) == who, when
        assert camera_queries.wearer_at(session, "NO-SUCH-CAMERA", t1) is None
        history = camera_queries.history(session, camera=camera_queries.get_camera(session, serial))
        assert [(h.officer_id, h.started_at, h.ended_at) for h in history] == [
            (carol.id, t3, None),
            (bob.id, t1, t2),
            (alice.id, t0, t1),
        ]


def test_new_assignment_cannot_overlap_history(stack: Stack) -> None:
    serial, alice, bob = helpers.camera(), helpers.officer(), helpers.officer()
    start = utcnow() - timedelta(days=2)
    helpers.assign(serial, alice.warrant_number, started_at=start)
    helpers.unassign(serial, ended_at=start + timedelta(hours=10))
    with pytest.raises(FleetConflict, match="cannot start before"):
        helpers.assign(serial, bob.warrant_number, started_at=start + timedelta(hours=9))
    with pytest.raises(FleetError, match="future"):
        helpers.assign(serial, bob.warrant_number, started_at=utcnow() + timedelta(hours=1))
    helpers.assign(serial, bob.warrant_number, started_at=utcnow() - timedelta(minutes=5))
    with pytest.raises(FleetError, match="end after it started"):
        helpers.unassign(serial, ended_at=utcnow() - timedelta(minutes=6))


def test_pool_checkout_and_checkin_per_shift(stack: Stack) -> None:
    borough = "E09000019"  # Islington: its own pool, untouched by other tests
    serials = [helpers.camera(pool=True, borough=borough) for _ in range(2)]
    first = helpers.officer(borough=borough)
    second = helpers.officer(borough=borough)
    third = helpers.officer(borough=borough)
    with unit_of_work() as session:
        a = camera_service.checkout(
            session, ACTOR, camera_queries.get_officer(session, first.username)
        )
        b = camera_service.checkout(
            session, ACTOR, camera_queries.get_officer(session, second.username)
        )
        taken = {session.get(Camera, a.camera_id).serial, session.get(Camera, b.camera_id).serial}
        assert a.kind == b.kind == "pool"
    assert taken == set(serials)
    with pytest.raises(FleetConflict, match="no pool camera is free"), unit_of_work() as session:
        camera_service.checkout(session, ACTOR, camera_queries.get_officer(session, third.username))
    with pytest.raises(FleetError, match="pool camera"):  # a pool camera is not issued for good
        helpers.assign(serials[0], third.warrant_number)
    with unit_of_work() as session:
        back = camera_service.checkin(
            session, ACTOR, camera_queries.get_camera(session, serials[0])
        )
        assert back.ended_at is not None
    assert helpers.status_of(serials[0]) == "docked"
    with unit_of_work() as session:
        again = camera_service.checkout(
            session, ACTOR, camera_queries.get_officer(session, third.username)
        )
        assert session.get(Camera, again.camera_id).serial == serials[0]
    with pytest.raises(FleetConflict, match="not checked out"), unit_of_work() as session:
        personal = helpers.camera()
        camera_service.checkin(session, ACTOR, camera_queries.get_camera(session, personal))
