"""Roll-out projection arithmetic on fixed data, measured progress from the database, and
staged firmware plans."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwv.db.session import unit_of_work
from openbwv.evidence.models import EvidenceItem
from openbwv.fleet.cameras import queries as camera_queries
from openbwv.fleet.cameras import service as camera_service
from openbwv.fleet.errors import FleetError
from openbwv.fleet.firmware import queries as firmware_queries
from openbwv.fleet.firmware import service as firmware_service
from openbwv.fleet.models import Camera, FirmwareStage, FirmwareTarget
from openbwv.fleet.rollout import queries as rollout_queries
from openbwv.fleet.rollout import service as rollout_service
from openbwv.fleet.rollout.projection import force_projection, project
from openbwv.timeutil import utcnow
from tests.fleet import helpers
from tests.fleet.helpers import ACTOR
from tests.support.stack import Stack

AS_OF = date(2026, 6, 30)


def days(first: date, count: int) -> list[date]:
    return [first + timedelta(days=n) for n in range(count)]


def test_rate_over_the_days_since_the_first_issue() -> None:
    # 10 a day for the last 5 days: the window shrinks to those 5 days, so 10/day, 50 to go.
    issued = [d for d in days(AS_OF - timedelta(days=4), 5) for _ in range(10)]
    p = project(issued, 100, AS_OF, planned=date(2026, 7, 10))
    assert (p.issued, p.remaining, p.window_days, p.issued_in_window) == (50, 50, 5, 50)
    assert p.rate_per_day == 10.0
    assert p.projected_completion == date(2026, 7, 5)
    assert p.status == "on_track"


def test_rate_over_the_window_when_history_is_longer() -> None:
    # One a day for 56 days; the 28-day window holds 28; 100 - 56 = 44 days to go.
    p = project(days(AS_OF - timedelta(days=55), 56), 100, AS_OF, planned=date(2026, 8, 1))
    assert (p.issued, p.issued_in_window, p.window_days) == (56, 28, 28)
    assert p.projected_completion == AS_OF + timedelta(days=44) == date(2026, 8, 13)
    assert p.status == "behind"


def test_fractional_rates_round_up_to_whole_days() -> None:
    # 20 in 28 days (5/7 a day), 30 to go: exactly 42 days, not 43 from float error.
    issued = days(AS_OF - timedelta(days=27), 20) + days(date(2026, 1, 1), 0)
    p = project(issued, 50, AS_OF)
    assert p.window_days == 28 and p.issued_in_window == 20
    assert p.projected_completion == AS_OF + timedelta(days=42)
    # 31 to go: 43.4 days, so 44.
    assert project(issued, 51, AS_OF).projected_completion == AS_OF + timedelta(days=44)


def test_complete_not_started_stalled_and_no_target() -> None:
    done = project(days(date(2026, 5, 1), 12), 10, AS_OF)
    assert done.status == "complete"
    assert done.completed_on == done.projected_completion == date(2026, 5, 10)
    assert done.remaining == 0
    fresh = project([], 10, AS_OF, planned=date(2026, 9, 1))
    assert (fresh.status, fresh.projected_completion, fresh.rate_per_day) == (
        "not_started",
        None,
        0.0,
    )
    stalled = project(days(date(2026, 4, 1), 5), 10, AS_OF)  # nothing in the last 28 days
    assert (stalled.status, stalled.projected_completion, stalled.issued) == ("stalled", None, 5)
    assert project([], 0, AS_OF).status == "no_target"
    future = project([AS_OF + timedelta(days=1)], 5, AS_OF)  # after as_of: not counted
    assert (future.issued, future.status) == (0, "not_started")


def test_force_projection_counts_each_borough_up_to_its_target() -> None:
    boroughs = [
        (days(date(2026, 5, 1), 12), 10, date(2026, 5, 30)),  # complete, 2 over target
        (days(date(2026, 6, 21), 10), 20, date(2026, 8, 1)),  # 1 a day for 10 days
        ([], 30, date(2026, 9, 30)),  # not started
    ]
    force = force_projection(boroughs, AS_OF)
    # 20 of 60 counted (the surplus 2 are not); 10 in the 28-day window: ceil(40 * 28 / 10).
    assert (force.target, force.issued, force.remaining) == (60, 20, 40)
    assert (force.issued_in_window, force.window_days) == (10, 28)
    assert force.projected_completion == AS_OF + timedelta(days=112) == date(2026, 10, 20)
    assert force.planned_completion == date(2026, 9, 30)
    assert force.status == "behind"
    middle = project(boroughs[1][0], 20, AS_OF)
    assert middle.projected_completion == date(2026, 7, 10)


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def test_progress_measured_from_the_database(stack: Stack) -> None:
    sutton = "E09000029"  # only this test uses Sutton
    today = utcnow().date()
    with unit_of_work() as session:
        rollout_service.add_phase(
            session,
            ACTOR,
            rollout_service.PhaseSpec(
                sutton, "Pilot", today - timedelta(days=12), today - timedelta(days=5), 4, 4
            ),
        )
        rollout_service.add_phase(
            session,
            ACTOR,
            rollout_service.PhaseSpec(
                sutton, "Full", today - timedelta(days=5), today + timedelta(days=30), 6, 8
            ),
        )
    people = [helpers.officer(borough=sutton, team="Sutton Response") for _ in range(6)]
    for n, person in enumerate(people[:5]):  # one camera a day, 10 to 6 days ago
        serial = helpers.camera(borough=sutton)
        helpers.assign(serial, person.warrant_number, started_at=_at(today - timedelta(10 - n)))
    with unit_of_work() as session:
        for person in people[:3]:
            rollout_service.record_training(
                session,
                ACTOR,
                camera_queries.get_officer(session, person.username),
                today - timedelta(days=11),
            )
        session.add(
            EvidenceItem(
                sha256=helpers.unique("f").ljust(64, "0")[:64].lower(),
                size_bytes=5_000_000,
                media_type="video/mp4",
                source="import",
                officer_user_id=people[0].id,
                borough=sutton,
                duration_seconds=1800.0,
            )
        )
    with unit_of_work() as session:
        report = rollout_queries.progress(session, borough="Sutton")
    (b,) = report.boroughs
    assert (b.cameras_to_issue, b.officers_to_train) == (10, 12)
    assert (b.cameras_issued, b.cameras_in_service) == (5, 5)
    assert (b.officers, b.officers_trained, b.officers_with_upload) == (6, 3, 1)
    assert (b.footage_items, b.footage_bytes, b.footage_hours) == (1, 5_000_000, 0.5)
    # First issue 10 days ago: an 11-day window holding 5 issues; 5 to go: ceil(5*11/5) = 11.
    assert (b.projection.window_days, b.projection.issued_in_window) == (11, 5)
    assert b.projection.projected_completion == today + timedelta(days=11)
    assert b.projection.planned_completion == today + timedelta(days=30)
    assert b.projection.status == "on_track"
    assert [(p.name, p.cumulative_cameras, p.issued_by_target, p.status) for p in b.phases] == [
        ("Pilot", 4, 5, "met"),
        ("Full", 10, 5, "in_progress"),
    ]
    assert report.projection.target == 10 and report.cameras_issued == 5
    with unit_of_work() as session:
        earlier = rollout_queries.progress(session, borough=sutton, as_of=today - timedelta(days=8))
    assert earlier.boroughs[0].cameras_issued == 3  # as it stood then
    with pytest.raises(FleetError, match="window_days"), unit_of_work() as session:
        rollout_queries.progress(session, window_days=0)


def test_phase_validation(stack: Stack) -> None:
    with pytest.raises(FleetError, match="before its start"), unit_of_work() as session:
        rollout_service.add_phase(
            session,
            ACTOR,
            rollout_service.PhaseSpec(
                "Sutton", "Backwards", date(2026, 5, 2), date(2026, 5, 1), 1, 1
            ),
        )
    with pytest.raises(FleetError, match="negative"), unit_of_work() as session:
        rollout_service.add_phase(
            session,
            ACTOR,
            rollout_service.PhaseSpec(
                "Sutton", "Negative", date(2026, 5, 1), date(2026, 5, 2), -1, 1
            ),
        )


def _plan_cameras(model: str) -> dict[str, list[str]]:
    merton = [helpers.camera(borough="E09000024", model=model, firmware="1.0") for _ in range(10)]
    kingston = [helpers.camera(borough="E09000021", model=model, firmware="1.0") for _ in range(10)]
    current = helpers.camera(borough="E09000024", model=model, firmware="2.0")
    retired = helpers.camera(borough="E09000024", model=model, firmware="1.0", status="retired")
    return {"merton": merton, "kingston": kingston, "current": [current], "retired": [retired]}


def test_staged_firmware_plan(stack: Stack) -> None:
    model = helpers.unique("Model-")
    fleet = _plan_cameras(model)
    now = utcnow()
    stages = [
        firmware_service.StageSpec(20, now - timedelta(hours=1), "Merton"),
        firmware_service.StageSpec(100, now + timedelta(days=2), "E09000024"),
        firmware_service.StageSpec(75, now + timedelta(days=7)),  # the force: 15 of 20, 10 already
        firmware_service.StageSpec(100, now + timedelta(days=9)),
    ]
    with unit_of_work() as session:
        with pytest.raises(FleetError, match="not registered"):
            firmware_service.create_plan(
                session, ACTOR, name=model, model=model, target_version="2.0", stages=stages
            )
        firmware_service.register_version(
            session, ACTOR, model=model, version="2.0", released_on=date(2026, 1, 5)
        )
        plan = firmware_service.create_plan(
            session, ACTOR, name=model, model=model, target_version="2.0", stages=stages
        )
        report = firmware_queries.plan_report(session, plan)
        plan_id = plan.id
    assert [s.cameras for s in report.stages] == [2, 8, 5, 5]
    assert [s.due for s in report.stages] == [True, False, False, False]
    assert report.cameras == 20 and report.by_status["pending"] == 20
    with unit_of_work() as session:
        first = [t for t in _targets(session, plan_id) if t[1] == 1]
        due = [s for s, _o in first]
        assert {camera_queries.find_camera(session, s).home_borough for s in due} == {"E09000024"}
        for serial in fleet["merton"]:
            expected = "2.0" if serial in due else None
            assert (
                firmware_queries.due_version(session, camera_queries.get_camera(session, serial))
                == expected
            )
        camera_service.report_firmware(
            session, ACTOR, camera_queries.get_camera(session, due[0]), "2.0"
        )
    with unit_of_work() as session:
        report = firmware_queries.plan_report(session, firmware_queries.get_plan(session, plan_id))
        assert report.by_status["installed"] == 1
        firmware_service.cancel_plan(session, ACTOR, firmware_queries.get_plan(session, plan_id))
    with unit_of_work() as session:
        report = firmware_queries.plan_report(session, firmware_queries.get_plan(session, plan_id))
        assert (report.cancelled, report.by_status["skipped"], report.by_status["installed"]) == (
            True,
            19,
            1,
        )
        counts = {
            (v.model, v.version): v.cameras for v in firmware_queries.versions_in_use(session)
        }
        assert counts[(model, "2.0")] == 2 and counts[(model, "1.0")] == 19


def _targets(session: Session, plan_id: uuid.UUID) -> list[tuple[str, int]]:
    rows = session.execute(
        select(Camera.serial, FirmwareStage.ordinal)
        .join(FirmwareTarget, FirmwareTarget.camera_id == Camera.id)
        .join(FirmwareStage, FirmwareStage.id == FirmwareTarget.stage_id)
        .where(FirmwareTarget.plan_id == plan_id)
    )
    return [(serial, ordinal) for serial, ordinal in rows]


def test_firmware_stage_order_is_validated(stack: Stack) -> None:
    model = helpers.unique("Model-")
    now = utcnow()
    with unit_of_work() as session:
        firmware_service.register_version(session, ACTOR, model=model, version="3.0")
        with pytest.raises(FleetError, match="cumulative"):
            firmware_service.create_plan(
                session,
                ACTOR,
                name=model,
                model=model,
                target_version="3.0",
                stages=[firmware_service.StageSpec(50, now), firmware_service.StageSpec(10, now)],
            )
